"""The partners' indicator returns (issue 12, part 5): load_file against a real DuckDB file
under tmp_path, real XLSX files written by `csp template` and filled in with openpyxl, no
mocks.

A filled template loads back (a row left blank is not returned: one warning); the demo's
returns load. Every bad input of the issue is rejected whole, naming file, row, column and
reason, quarantined beside its errors, nothing written: a changed header, a value in the
wrong unit (a percentage as a fraction, a fraction for a count), an unknown indicator code,
a period outside the file's quarter, text in a value cell. A newer return of a figure
replaces it; the older row is kept in raw.indicator_returns__superseded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from demo import generate
from ingest.config import Settings
from ingest.load import load_file, load_landing
from ingest.template import write_template

SOURCE = "indicator_returns"
CSP = "E22000143"  # Medway
QUARTER = "2026/27 Q2"
NAME = "2026-27-Q2-medway-indicator-returns.xlsx"


def blank(settings: Settings, tmp: Path) -> Path:
    path = write_template(CSP, QUARTER, tmp / "templates", settings.seeds_dir)
    assert path.name == NAME
    return path


def filled(settings: Settings, tmp: Path, change=None, name: str = NAME) -> Path:
    """The template filled in as a partner would (counts 10, 11, ...; a percentage 41 of
    50 = 82.0), then `change(ws, col)` applied; saved into the landing folder."""
    wb = openpyxl.load_workbook(blank(settings, tmp))
    ws = wb["Return"]
    col = {c.value: c.column for c in ws[4]}
    for r in range(5, ws.max_row + 1):
        if ws.cell(r, col["unit"]).value == "%":
            for h, v in (("numerator", 41), ("denominator", 50), ("value", 82.0)):
                ws.cell(r, col[h]).value = v
        else:
            ws.cell(r, col["value"]).value = 5 + r
        ws.cell(r, col["submitted_by"]).value = "Community Safety Team"
    if change:
        change(ws, col)
    path = settings.landing_dir / SOURCE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def row_of(ws, col, code: str, period: str | None = None) -> int:
    for r in range(5, ws.max_row + 1):
        if ws.cell(r, col["indicator_code"]).value == code and (
            period is None or ws.cell(r, col["period"]).value == period
        ):
            return r
    raise KeyError(code)


def raw_rows(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_filled_template_loads_back(csp_env: Path, tmp_path: Path) -> None:
    settings = Settings.from_env()

    def leave_triage_blank(ws, col):
        ws.cell(row_of(ws, col, "triage_referrals"), col["value"]).value = None

    path = filled(settings, tmp_path, leave_triage_blank)
    result = load_file(SOURCE, path, settings)
    assert result.status == "loaded", result.errors
    assert result.periods == ["2026-07", "2026-08", "2026-09"]
    wb = openpyxl.load_workbook(blank(settings, tmp_path))
    ws = wb["Return"]
    col = {c.value: c.column for c in ws[4]}
    listed = ws.max_row - 4
    assert result.rows_loaded == listed - 1
    (warning,) = result.warnings
    triage = row_of(ws, col, "triage_referrals")
    assert f"{NAME}, row {triage}: 1 row(s) left out: has no value" in warning
    rows = raw_rows(
        settings,
        "SELECT indicator_code, period, value, numerator, denominator, unit, csp_code "
        "FROM raw.indicator_returns ORDER BY _row_number",
    )
    assert len(rows) == listed - 1
    assert ("victim_satisfaction", QUARTER, 82.0, 41, 50, "%", CSP) in rows
    assert (
        "fpn_issued",
        "2026-08",
        5.0 + row_of(ws, col, "fpn_issued", "2026-08"),
        None,
        None,
        "count",
        CSP,
    ) in rows
    assert "triage_referrals" not in {r[0] for r in rows}


def test_a_newer_return_of_a_figure_replaces_it(csp_env: Path, tmp_path: Path) -> None:
    settings = Settings.from_env()
    assert load_file(SOURCE, filled(settings, tmp_path), settings).status == "loaded"

    def only_ksi(ws, col):
        ksi = row_of(ws, col, "ksi_casualties")
        for r in range(5, ws.max_row + 1):
            for h in ("value", "numerator", "denominator"):
                ws.cell(r, col[h]).value = 77 if (r, h) == (ksi, "value") else None

    restated = filled(settings, tmp_path, only_ksi, NAME.replace(".xlsx", ".restated-1.xlsx"))
    result = load_file(SOURCE, restated, settings)
    assert (result.status, result.rows_loaded, result.rows_replaced) == ("loaded", 1, 1)
    assert raw_rows(
        settings,
        "SELECT value, _source_file FROM raw.indicator_returns "
        "WHERE indicator_code = 'ksi_casualties'",
    ) == [(77.0, restated.name)]
    assert raw_rows(
        settings,
        "SELECT indicator_code, _source_file FROM raw.indicator_returns__superseded",
    ) == [("ksi_casualties", NAME)]
    # the other figures of the quarter stay as first returned
    assert raw_rows(
        settings,
        "SELECT count(*) FROM raw.indicator_returns WHERE _source_file = '" + NAME + "'",
    ) == [(len(raw_rows(settings, "SELECT 1 FROM raw.indicator_returns")) - 1,)]


def _changed_header(ws, col):
    ws.cell(4, col["value"]).value = "Value (%)"


def _fraction_for_a_percentage(ws, col):
    r = row_of(ws, col, "proven_reoffending_predicted")
    for h, v in (("value", 0.9), ("numerator", None), ("denominator", None)):
        ws.cell(r, col[h]).value = v


def _fraction_with_its_numerator(ws, col):
    ws.cell(row_of(ws, col, "victim_satisfaction"), col["value"]).value = 0.82


def _fraction_for_a_count(ws, col):
    ws.cell(row_of(ws, col, "people_trained"), col["value"]).value = 12.5


def _unknown_code(ws, col):
    ws.cell(row_of(ws, col, "triage_referrals"), col["indicator_code"]).value = "triage_referals"


def _period_outside(ws, col):
    ws.cell(row_of(ws, col, "fpn_issued", "2026-09"), col["period"]).value = "2026-10"


def _quarter_outside(ws, col):
    ws.cell(row_of(ws, col, "ksi_casualties"), col["period"]).value = "2026/27 Q1"


def _text_in_a_value_cell(ws, col):
    ws.cell(row_of(ws, col, "fly_tipping_cleared", "2026-07"), col["value"]).value = "about 40"


def _month_for_a_quarterly_indicator(ws, col):
    ws.cell(row_of(ws, col, "people_trained"), col["period"]).value = "2026-08"


def _title_names_another_quarter(ws, col):
    ws["A2"].value = "Period: 2026/27 Q3"


BAD = [
    # (case, change, the row's indicator (None: the header row 4), column, words of the reason)
    ("changed header", _changed_header, None, "value", "renamed column: expected column 'value'"),
    (
        "a percentage as a fraction",
        _fraction_for_a_percentage,
        "proven_reoffending_predicted",
        "value",
        "value in the wrong unit: '0.9' looks like a fraction",
    ),
    (
        "a percentage as numerator / denominator",
        _fraction_with_its_numerator,
        "victim_satisfaction",
        "value",
        "value in the wrong unit: '0.82' is numerator / denominator as a fraction",
    ),
    (
        "a fraction for a count",
        _fraction_for_a_count,
        "people_trained",
        "value",
        "value in the wrong unit: a count is a whole number, not '12.5'",
    ),
    (
        "unknown indicator code",
        _unknown_code,
        "triage_referals",
        "indicator_code",
        "unknown indicator code 'triage_referals'",
    ),
    (
        "a month outside the file's quarter",
        _period_outside,
        "fpn_issued",
        "period",
        "period '2026-10' is outside the file's period (2026/27 Q2)",
    ),
    (
        "a quarter outside the file's quarter",
        _quarter_outside,
        "ksi_casualties",
        "period",
        "period '2026/27 Q1' is outside the file's period (2026/27 Q2)",
    ),
    (
        "text in a value cell",
        _text_in_a_value_cell,
        "fly_tipping_cleared",
        "value",
        "bad number: not a number: 'about 40'",
    ),
    (
        "a month for a quarterly indicator",
        _month_for_a_quarterly_indicator,
        "people_trained",
        "period",
        "bad period '2026-08' for a quarterly indicator: expected YYYY/YY Qn",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "code", "column", "reason"), BAD, ids=[b[0] for b in BAD]
)
def test_a_bad_return_is_rejected_whole_naming_file_row_column_and_reason(
    csp_env: Path, tmp_path: Path, case, change, code, column, reason
) -> None:
    settings = Settings.from_env()
    path = filled(settings, tmp_path, change)
    ws = openpyxl.load_workbook(path)["Return"]
    col = {c.value: c.column for c in ws[4]}
    row = (
        4
        if code is None
        else next(
            r
            for r in range(5, ws.max_row + 1)
            if ws.cell(r, col["indicator_code"]).value == code
            and (
                case != "a month outside the file's quarter"
                or ws.cell(r, col["period"]).value == "2026-10"
            )
        )
    )
    result = load_file(SOURCE, path, settings)
    assert result.status == "rejected", case
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].startswith(f"{NAME}, row {row}, column '{column}': {reason}"), (
        result.errors
    )
    quarantined = settings.quarantine_dir / SOURCE / NAME
    assert quarantined.is_file() and not path.exists()
    report = Path(f"{quarantined}.error.txt").read_text(encoding="utf-8")
    assert f"row {row}, column '{column}'" in report
    assert raw_rows(settings, "SELECT count(*) FROM raw.indicator_returns") == [(0,)]


def test_the_title_and_the_file_name_must_name_the_same_quarter(csp_env: Path, tmp_path: Path):
    settings = Settings.from_env()
    path = filled(settings, tmp_path, _title_names_another_quarter)
    result = load_file(SOURCE, path, settings)
    assert result.status == "rejected"
    assert result.errors == [
        f"{NAME}, row 2: two periods: the title says 2026/27 Q3 but the file name says 2026/27 Q2"
    ]


def test_a_return_named_by_its_title_alone_loads(csp_env: Path, tmp_path: Path):
    settings = Settings.from_env()
    path = filled(settings, tmp_path, name="Medway return.xlsx")
    assert load_file(SOURCE, path, settings).status == "loaded"


def test_the_demos_returns_load(csp_env: Path, tmp_path: Path) -> None:
    settings = Settings.from_env()
    out = tmp_path / "demo"
    generate(out, start="2026-04", end="2026-09")
    shutil.copytree(out / SOURCE, settings.landing_dir / SOURCE)
    results = load_landing(settings, SOURCE)
    assert results and {r.status for r in results} == {"loaded"}, [r.errors for r in results]
    assert {tuple(r.periods) for r in results} == {
        ("2026-04", "2026-05", "2026-06"),
        ("2026-07", "2026-08", "2026-09"),
    }
