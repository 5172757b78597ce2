"""The Home Office table of police recorded crime by CSP (`ons_csp_crime`), in its published
shape: a CSV, or a workbook of one sheet per financial year (every sheet read). A bad header,
a CSP name the areas seed does not know or a count that is not a whole number rejects the
file, naming file (and sheet), row, column and reason."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from ingest.contracts import get_contract
from ingest.validate import validate_file

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]


def _row(fy: str, q: int, csp: str, n: int | str, code: str = "8N") -> list:
    return [fy, q, "Thames Valley", csp, "Assault with injury", "Violence against the person",
            "Violence with injury", code, n]  # fmt: skip


def _csv(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_the_contract_is_the_published_header() -> None:
    assert list(get_contract("ons_csp_crime").headers) == HEADER


def test_a_published_csv_loads_with_its_quarters_as_periods(tmp_path: Path) -> None:
    rows = [_row("2019/20", q, "Milton Keynes", 100 + q) for q in (1, 2, 3, 4)]
    rows.append(_row("2019/20", 4, "Medway", 7, code="37/2"))
    report = validate_file("ons_csp_crime", _csv(tmp_path / "t.csv", rows), seeds_dir=SEEDS)
    assert report.ok, report.render()
    # a quarter is named by its last month: Q1 June, Q4 the March after
    assert report.periods == ["2019-06", "2019-09", "2019-12", "2020-03"]
    assert report.rows == 5


def test_a_renamed_header_rejects_the_file(tmp_path: Path) -> None:
    header = [h if h != "Number of Offences" else "Offences" for h in HEADER]
    p = _csv(tmp_path / "t.csv", [_row("2019/20", 1, "Medway", 3)], header)
    report = validate_file("ons_csp_crime", p, seeds_dir=SEEDS)
    assert not report.ok
    (e,) = report.error_details
    assert (e.file, e.row, e.column) == ("t.csv", 1, "Number of Offences")
    assert "renamed column" in e.reason and "'Offences'" in e.reason


def test_an_unknown_csp_name_rejects_the_file(tmp_path: Path) -> None:
    rows = [_row("2019/20", 1, "Milton Keynes", 3), _row("2019/20", 1, "Milton Keyness", 4)]
    report = validate_file("ons_csp_crime", _csv(tmp_path / "t.csv", rows), seeds_dir=SEEDS)
    assert not report.ok
    (e,) = report.error_details
    assert (e.file, e.row, e.column) == ("t.csv", 3, "CSP Name")
    assert e.reason == ("unknown CSP name: not in seeds/areas.csv (csp_name): 'Milton Keyness'")


@pytest.mark.parametrize("count", ["12.5", "twelve", ""])
def test_a_count_that_is_not_a_whole_number_rejects_the_file(tmp_path: Path, count) -> None:
    rows = [_row("2019/20", 1, "Medway", 3), _row("2019/20", 2, "Medway", count)]
    report = validate_file("ons_csp_crime", _csv(tmp_path / "t.csv", rows), seeds_dir=SEEDS)
    assert not report.ok
    (e,) = report.error_details
    assert (e.file, e.row, e.column) == ("t.csv", 3, "Number of Offences")
    reason = "required value is blank" if count == "" else "bad number: not a whole number"
    assert e.reason.startswith(reason)


@pytest.mark.parametrize(
    ("fy", "q", "column", "reason"),
    [
        ("2019/21", 1, "Financial Year", "not one financial year"),
        ("2019-20", 1, "Financial Year", "bad format: expected YYYY/YY financial year"),
        ("2019/20", 5, "Financial Quarter", "out of range: must be between 1 and 4"),
    ],
)
def test_a_bad_year_or_quarter_rejects_the_file(tmp_path: Path, fy, q, column, reason) -> None:
    p = _csv(tmp_path / "t.csv", [_row(fy, q, "Medway", 3)])
    report = validate_file("ons_csp_crime", p, seeds_dir=SEEDS)
    (e,) = report.error_details
    assert (e.row, e.column) == (2, column) and e.reason.startswith(reason)


def _workbook(path: Path, sheets: dict[str, list[list]], notes: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["Police recorded crime by Community Safety Partnership"])
    if not notes:
        wb.remove(ws)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        ws.append([f"Recorded crime, {title}"])
        ws.append([])
        ws.append(HEADER)  # header on row 3
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_every_sheet_of_a_workbook_is_read(tmp_path: Path) -> None:
    p = _workbook(
        tmp_path / "prc-csp.xlsx",
        {
            "2019-20": [_row("2019/20", q, "Reading", q) for q in (1, 2, 3, 4)],
            "2020-21": [_row("2020/21", q, "Reading", 10 * q) for q in (1, 2)],
        },
    )
    report = validate_file("ons_csp_crime", p, seeds_dir=SEEDS)
    assert report.ok, report.render()
    assert report.rows == 6
    assert report.periods == ["2019-06", "2019-09", "2019-12", "2020-03", "2020-06", "2020-09"]
    (w,) = report.warning_details  # the notes sheet
    assert w.file == "prc-csp.xlsx (sheet 'Notes')" and "sheet skipped" in w.reason


def test_an_error_on_a_later_sheet_names_the_sheet_and_its_row(tmp_path: Path) -> None:
    p = _workbook(
        tmp_path / "prc-csp.xlsx",
        {
            "2019-20": [_row("2019/20", 1, "Reading", 1)],
            "2020-21": [_row("2020/21", 1, "Reading", 2), _row("2020/21", 1, "Narnia", 3)],
        },
    )
    report = validate_file("ons_csp_crime", p, seeds_dir=SEEDS)
    (e,) = report.error_details
    # the header is on row 3 of each sheet: the second data row is row 5
    assert (e.file, e.row, e.column) == ("prc-csp.xlsx (sheet '2020-21')", 5, "CSP Name")
    assert e.reason == "unknown CSP name: not in seeds/areas.csv (csp_name): 'Narnia'"


def test_a_workbook_without_the_header_is_rejected(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["nothing here"])
    wb.save(tmp_path / "x.xlsx")
    report = validate_file("ons_csp_crime", tmp_path / "x.xlsx", seeds_dir=SEEDS)
    assert not report.ok
    assert "no sheet holds the contract's header" in report.errors[-1]
