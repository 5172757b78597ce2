"""OHID's public NDTMS ViewIt export (ndtms_viewit): the real local authority file loads
through the real loader, as published, against a real DuckDB file under tmp_path; no mocks.

The file is wide (244 columns, the contract pins 21: the rest is one warning), rounded to 5,
writes `NULL` for a figure it does not publish and its total rows `Total` in most years but
`TOTAL` in 2021/22: all kept as published. A bad input is rejected whole, naming file, row,
column and reason, and nothing is written. dbt's staging and area-year models give Barnet's
published totals, mapped to the Barnet CSP.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt_support import copy_project, run_dbt, warehouse_path

from demo import generate
from ingest.config import Settings
from ingest.contracts import get_contract
from ingest.load import load_file, load_landing
from ingest.status import source_status

SOURCE = "ndtms_viewit"
REAL_NAME = "ViewIt Export Data_LAs.csv"
BARNET_CSP = "E22000187"
#: Barnet's published totals (sex, age group and drug group all total): year ->
#: (in treatment, successful completions).
BARNET = {"2009/10": (1105, 190), "2012/13": (1315, 270), "2021/22": (1465, 290)}


def real_file(realdata_dir: Path) -> Path:
    return realdata_dir / "ndtms" / REAL_NAME


def real_rows(realdata_dir: Path) -> tuple[list[str], list[list[str]]]:
    with real_file(realdata_dir).open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def write(settings: Settings, file_name: str, data: bytes) -> Path:
    path = settings.landing_dir / SOURCE / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rows_of(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


TOTALS_SQL = """
    SELECT reporting_period, sex, age_group, intreatment_allintx,
        exits_successfulcompletion_allintx
    FROM raw.ndtms_viewit
    WHERE area = 'Barnet' AND upper(sex) = 'TOTAL' AND upper(age_group) = 'TOTAL'
        AND upper(drug_group) = 'TOTAL'
    ORDER BY reporting_period
"""


def test_the_real_viewit_export_loads_as_published(csp_env: Path, realdata_dir: Path) -> None:
    settings = Settings.from_env()
    path = write(settings, REAL_NAME, real_file(realdata_dir).read_bytes())
    (result,) = load_landing(settings)
    assert (result.source, result.status, result.rows_loaded) == (SOURCE, "loaded", 780)
    # a period is the reporting year's last month: 2009/10 .. 2021/22
    assert result.periods == [f"{y:04d}-03" for y in range(2010, 2023)]
    # 223 columns the contract does not pin: one warning, not 223
    assert len(result.warnings) == 1, result.warnings
    assert result.warnings[0].startswith(
        f"{REAL_NAME}, row 1: 223 unexpected extra columns, ignored (the contract pins 21): "
        "'eth_white_allintx', "
    )
    assert rows_of(settings, "SELECT count(*) FROM raw.ndtms_viewit") == [(780,)]

    totals = rows_of(settings, TOTALS_SQL)
    assert len(totals) == 13  # one total row per reporting year
    by_year = {r[0]: r for r in totals}
    assert by_year["2009/10"] == ("2009/10", "Total", "Total", 1105, 190)
    assert by_year["2012/13"] == ("2012/13", "Total", "Total", 1315, 270)
    # 2021/22 writes its totals TOTAL: kept as published
    assert by_year["2021/22"] == ("2021/22", "TOTAL", "TOTAL", 1465, 290)
    assert rows_of(
        settings, "SELECT sex, count(*) FROM raw.ndtms_viewit GROUP BY ALL ORDER BY 1"
    ) == [("F", 260), ("M", 260), ("TOTAL", 20), ("Total", 240)]
    assert rows_of(
        settings,
        "SELECT DISTINCT drug_group FROM raw.ndtms_viewit ORDER BY 1",
    ) == [
        ("Alcohol only",),
        ("Non-opiate & alcohol",),
        ("Non-opiate only",),
        ("Opiate",),
        ("Total",),
    ]
    # every figure of this file is published (its NULLs are in columns not loaded)
    assert rows_of(
        settings,
        "SELECT count(*) FROM raw.ndtms_viewit WHERE intreatment_allintx IS NULL "
        "OR exits_inconsistent_allintx IS NULL",
    ) == [(0,)]
    assert path.is_file()  # a loaded file stays in the landing folder
    # an annual source: after 2021/22 (2022-03) the next year is due 270 days after 2023-03
    (status,) = [s for s in source_status(settings, as_of=date(2024, 1, 1)) if s.source == SOURCE]
    assert (status.latest_period, status.next_period) == ("2022-03", "2023-03")
    assert (status.due_by, status.overdue, status.rows) == (date(2023, 12, 26), True, 780)


def test_null_loads_as_null_and_a_newer_export_replaces_its_years(
    csp_env: Path, realdata_dir: Path
) -> None:
    settings = Settings.from_env()
    path = write(settings, REAL_NAME, real_file(realdata_dir).read_bytes())
    first = load_file(SOURCE, path, settings)
    assert first.status == "loaded"
    header, rows = real_rows(realdata_dir)
    col = {h: i for i, h in enumerate(header)}
    # the next export restates 2021/22: a figure it does not publish is NULL, another blank
    restated = [r[:] for r in rows if r[col["ReportingPeriod"]] == "2021/22"]
    total = next(r for r in restated if r[col["sex"]] == r[col["age_group"]] == "TOTAL")
    total[col["exits_died_allintx"]] = "NULL"
    total[col["exits_prison_allintx"]] = ""
    total[col["newpresentation_newtx"]] = " NULL "
    name = "2022-03-ndtms-viewit-las.csv"
    again = load_file(SOURCE, write(settings, name, to_csv(header, restated)), settings)
    assert (again.status, again.rows_loaded, again.rows_replaced) == ("loaded", 60, 60)
    (row,) = rows_of(
        settings,
        "SELECT intreatment_allintx, newpresentation_newtx, exits_died_allintx, "
        "exits_prison_allintx, _source_file FROM raw.ndtms_viewit WHERE "
        "reporting_period = '2021/22' AND sex = 'TOTAL' AND age_group = 'TOTAL' "
        "AND drug_group = 'Total'",
    )
    assert row == (1465, None, None, None, name)
    # the other years stay as the first file loaded them
    assert rows_of(
        settings, "SELECT _source_file, count(*) FROM raw.ndtms_viewit GROUP BY ALL ORDER BY 1"
    ) == [(name, 60), (REAL_NAME, 720)]
    assert rows_of(settings, "SELECT count(*) FROM raw.ndtms_viewit__superseded") == [(60,)]


BAD = [
    (
        "unknown_drug_group",
        "drug_group",
        "Cannabis",
        "unknown category value 'Cannabis' (accepted: Opiate, Non-opiate only, Alcohol only, "
        "Non-opiate & alcohol, Total, OPIATE,",
    ),
    (
        "malformed_reporting_period",
        "ReportingPeriod",
        "2012-13",
        "bad format: expected YYYY/YY reporting year, e.g. 2012/13: '2012-13'",
    ),
    (
        "two_years_apart",
        "ReportingPeriod",
        "2012/14",
        "not one reporting year: the second year is not the first + 1 (e.g. 2012/13): '2012/14'",
    ),
    (
        "figure_not_a_number",
        "intreatment_allintx",
        "c. 1300",
        "bad number: not a whole number: 'c. 1300'",
    ),
    (
        "figure_not_whole",
        "exits_successfulcompletion_allintx",
        "270.5",
        "bad number: not a whole number: '270.5'",
    ),
    ("figure_negative", "exits_died_allintx", "-5", "out of range: must be between 0 and -"),
    ("unknown_sex", "sex", "NULL", "unknown category value 'NULL' (accepted: M, F, Total, TOTAL)"),
    ("blank_area", "Area", "", "required value is blank"),
]


@pytest.mark.parametrize("case,column,value,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_input_rejects_the_whole_file(
    csp_env: Path, realdata_dir: Path, case: str, column: str, value: str, reason: str
) -> None:
    settings = Settings.from_env()
    header, rows = real_rows(realdata_dir)
    good = write(settings, "2012-03-ndtms-viewit.csv", to_csv(header, rows[120:180]))  # 2011/12
    assert load_file(SOURCE, good, settings).status == "loaded"
    kept = rows_of(settings, "SELECT * EXCLUDE (_loaded_at) FROM raw.ndtms_viewit ORDER BY ALL")

    # the same year sent again, with one bad value on row 4 of the file
    bad_rows = [r[:] for r in rows[120:180]]
    bad_rows[2][header.index(column)] = value
    data = to_csv(header, bad_rows)
    name = "2012-03-ndtms-viewit.restated-1.csv"
    path = write(settings, name, data)
    result = load_file(SOURCE, path, settings)
    assert result.status == "rejected", result
    where = f"{name}, row 4, column '{column}': "
    assert any(e.startswith(where) and reason in e for e in result.errors), result.errors
    # nothing written: the first file's rows stay whole, nothing superseded; quarantined
    assert (
        rows_of(settings, "SELECT * EXCLUDE (_loaded_at) FROM raw.ndtms_viewit ORDER BY ALL")
        == kept
    )
    assert rows_of(settings, "SELECT count(*) FROM raw.ndtms_viewit__superseded") == [(0,)]
    quarantined = settings.quarantine_dir / SOURCE / name
    assert quarantined.read_bytes() == data and not path.exists()
    assert Path(f"{quarantined}.error.txt").read_text().splitlines() == result.errors


def test_a_few_extra_columns_are_still_named_one_by_one(csp_env: Path, realdata_dir: Path) -> None:
    """Only a wide file's extras are summed up in one warning: a file with a few extra
    columns names each (as every other source does)."""
    settings = Settings.from_env()
    header, rows = real_rows(realdata_dir)
    extras = ["eth_white_allintx", "eth_mixed_allintx"]
    keep = [header.index(h) for h in (*get_contract(SOURCE).headers, *extras)]
    narrow = to_csv([header[i] for i in keep], [[r[i] for i in keep] for r in rows[:60]])
    result = load_file(SOURCE, write(settings, "2010-03-ndtms-viewit.csv", narrow), settings)
    assert result.status == "loaded", result.errors
    assert result.warnings == [
        f"2010-03-ndtms-viewit.csv, row 1, column '{e}': unexpected extra column, ignored"
        for e in extras
    ]


def test_the_demo_export_loads(csp_env: Path) -> None:
    """The demo's ViewIt file (the two CSPs it models, `Total` rows, some `NULL`s) loads."""
    settings = Settings.from_env()
    generate(settings.landing_dir, start="2024-04", end="2024-06")
    (result,) = load_landing(settings, SOURCE)
    assert (result.status, result.periods, result.warnings) == ("loaded", ["2024-03"], [])
    assert rows_of(
        settings,
        "SELECT area, count(*), count(exits_inconsistent_allintx), "
        "bool_and(intreatment_allintx % 5 = 0) FROM raw.ndtms_viewit GROUP BY ALL ORDER BY 1",
    ) == [("Medway", 60, 0, True), ("Milton Keynes", 60, 0, True)]


def test_dbt_gives_barnets_published_totals_for_its_csp(
    csp_env: Path, realdata_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stg_ndtms__viewit and int_ndtms__area_years, built by the real dbt from the real file:
    one row per reporting year from the file's own total rows (`Total` and `TOTAL` alike),
    Barnet mapped to its CSP."""
    monkeypatch.setenv("CSP_WAREHOUSE_PATH", str(warehouse_path(tmp_path)))
    settings = Settings.from_env()
    shutil.copy(real_file(realdata_dir), settings.landing_dir / REAL_NAME)
    assert load_file(SOURCE, settings.landing_dir / REAL_NAME, settings).status == "loaded"
    project = copy_project(tmp_path)
    # cautious: not the tests other models (built elsewhere) hang on the shared seeds
    result = run_dbt(
        project,
        tmp_path,
        "build",
        "--select",
        "+int_ndtms__area_years",
        "--indirect-selection",
        "cautious",
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    con = duckdb.connect(str(warehouse_path(tmp_path)), read_only=True)
    try:
        rows = con.execute(
            "SELECT reporting_year, area_type, area_code, area_name, period_month, "
            "in_treatment, successful_completions, new_presentations, exits, source, "
            "source_file FROM main_intermediate.int_ndtms__area_years ORDER BY period_month"
        ).fetchall()
        staged = con.execute(
            "SELECT DISTINCT sex FROM main_staging.stg_ndtms__viewit ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 13
    assert {(r[1], r[2], r[3], r[9], r[10]) for r in rows} == {
        ("csp", BARNET_CSP, "Barnet", SOURCE, REAL_NAME)
    }
    by_year = {r[0]: r for r in rows}
    for year, (in_treatment, completions) in BARNET.items():
        assert (by_year[year][5], by_year[year][6]) == (in_treatment, completions), year
    assert str(by_year["2012/13"][4]) == "2013-03-01"
    assert (by_year["2012/13"][7], by_year["2012/13"][8]) == (710, 525)  # new, exits summed
    assert staged == [("f",), ("m",), ("total",)]
