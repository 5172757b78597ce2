"""The targets register (seeds/targets.csv) is checked row by row before anything is built:
a bad row stops `dbt build` (and so the build, before any publish) naming its row, column and
reason; the good register of the repository passes the same check."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from dbt_support import copy_project, run_dbt, warehouse_path
from test_dbt_build import MK, TV, build_raw, write_synthetic_seeds

pytestmark = pytest.mark.slow

HEADER = [
    "measure_code",
    "area_type",
    "area_code",
    "financial_year",
    "target_type",
    "target_value",
    "baseline_method",
    "baseline_fy",
    "baseline_value",
    "tolerance",
    "note",
]


def _row(**kw: str) -> dict[str, str]:
    row = dict.fromkeys(HEADER, "")
    row.update(area_type="csp", area_code=MK, financial_year="2015/16")
    row.update(kw)
    return row


# (row, the message expected for it), the rows in file order from line 2
BAD = [
    (
        _row(measure_code="asb_polise", target_type="at_least", target_value="10"),
        "column 'measure_code': unknown measure 'asb_polise'",
    ),
    (
        _row(
            measure_code="all_crime",
            area_code="E22999999",
            target_type="reduce_by_pct",
            target_value="5",
            baseline_method="previous_fy",
        ),
        "column 'area_code': unknown csp 'E22999999'",
    ),
    (
        _row(
            measure_code="all_crime",
            area_type="ward",
            target_type="reduce_by_pct",
            target_value="5",
            baseline_method="previous_fy",
        ),
        "column 'area_type': unknown area type 'ward'",
    ),
    (
        _row(
            measure_code="all_crime",
            financial_year="2015/17",
            target_type="reduce_by_pct",
            target_value="5",
            baseline_method="previous_fy",
        ),
        "column 'financial_year': '2015/17' is not a financial year",
    ),
    (
        _row(measure_code="all_crime", target_type="reduce_to", target_value="5"),
        "column 'target_type': unknown target type 'reduce_to'",
    ),
    (
        _row(measure_code="criminal_damage", target_type="reduce_by_pct", target_value="5"),
        "column 'baseline_method': reduce_by_pct needs a baseline",
    ),
    (
        _row(
            measure_code="violence_with_injury",
            target_type="reduce_by_pct",
            target_value="5",
            baseline_method="previous_fy",
            tolerance="-1",
        ),
        "column 'tolerance': -1 is below zero",
    ),
    (
        _row(
            measure_code="marac_repeat_rate",
            target_type="reduce_by_pct",
            target_value="5",
            baseline_method="previous_fy",
        ),
        "column 'target_type': reduce_by_pct is for a count; 'marac_repeat_rate' is a % measure",
    ),
    (
        _row(
            measure_code="treatment_adult_drug_clients",
            target_type="at_least",
            target_value="five",
        ),
        "column 'target_value': 'five' is not a number",
    ),
]


def _write_register(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _built_relations(path: Path) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name <> 'raw' UNION ALL "
            "SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    finally:
        con.close()


def test_a_bad_register_row_stops_the_build_naming_row_column_and_reason(tmp_path: Path):
    copy_project(tmp_path, with_seeds=False)
    write_synthetic_seeds(tmp_path / "seeds")
    _write_register(tmp_path / "seeds" / "targets.csv", [row for row, _ in BAD])
    build_raw(warehouse_path(tmp_path))
    result = run_dbt(tmp_path / "dbt_project", tmp_path, "build", timeout=600)
    assert result.returncode != 0
    out = result.stdout
    assert f"the targets register has {len(BAD)} error(s); nothing was built" in out
    for line, (row, message) in enumerate(BAD, start=2):
        where = f"seeds/targets.csv row {line} (measure '{row['measure_code']}', "
        assert where in out, (line, out[-3000:])
        assert message in out, (message, out[-3000:])
    # before any model: nothing was built, so nothing can be published
    assert _built_relations(warehouse_path(tmp_path)) == []


def test_a_second_target_for_the_same_measure_area_and_year_is_refused(tmp_path: Path):
    copy_project(tmp_path, with_seeds=False)
    write_synthetic_seeds(tmp_path / "seeds")
    row = _row(
        measure_code="treatment_adult_drug_clients", target_type="at_least", target_value="300"
    )
    _write_register(tmp_path / "seeds" / "targets.csv", [row, dict(row, target_value="320")])
    build_raw(warehouse_path(tmp_path))
    result = run_dbt(tmp_path / "dbt_project", tmp_path, "build", timeout=600)
    assert result.returncode != 0
    assert (
        "seeds/targets.csv row 3 (measure 'treatment_adult_drug_clients', "
        f"{MK}, 2015/16), column 'measure_code': a second target for the same measure, "
        "area and year (also row 2)"
    ) in result.stdout


def test_the_repositorys_register_passes_and_reaches_the_register_model(tmp_path: Path):
    """The shipped register (the demo CSPs' example targets) passes its check; on the
    synthetic warehouse every row reaches int_targets__register, typed, with defaults."""
    copy_project(tmp_path, with_seeds=False)
    write_synthetic_seeds(tmp_path / "seeds")
    build_raw(warehouse_path(tmp_path))
    result = run_dbt(
        tmp_path / "dbt_project",
        tmp_path,
        "build",
        "--select",
        "+int_targets__register",
        # not the tests other models hang on the seeds: those models are not built here
        "--indirect-selection",
        "cautious",
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with open(tmp_path / "seeds" / "targets.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    con = duckdb.connect(str(warehouse_path(tmp_path)), read_only=True)
    try:
        got = con.execute(
            "SELECT measure_code, area_code, financial_year, target_type, tolerance, "
            "is_default_tolerance FROM main_intermediate.int_targets__register"
        ).fetchall()
    finally:
        con.close()
    assert len(got) == len(rows) > 0
    percent = {
        "treatment_adult_successful_completion",
        "marac_repeat_rate",
        "dv_repeat_rate",
        "asb_satisfaction",
    }
    by_key = {(g[0], g[1], g[2]): g for g in got}
    for r in rows:
        g = by_key[(r["measure_code"], r["area_code"], r["financial_year"])]
        default = 2 if r["measure_code"] in percent else 5
        assert g[4] == (float(r["tolerance"]) if r["tolerance"] else default)
        assert g[5] == (r["tolerance"] == "")
    assert TV  # the force of the synthetic areas: force targets are allowed too
