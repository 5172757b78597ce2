"""The README's recipe "Add a measure", done for real in a temporary copy of the project:
one new row in the measure catalogue (a measure that counts one Home Office offence code)
and nothing else, then the real `dbt build` and the real Superset asset generator. The new
measure must be in the scorecard, with the right figures, and in the dashboards' assets.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt_support import REPO_ROOT, copy_project, run_dbt, warehouse_path
from test_dbt_build import LSOA_MK, MK, TV, build_raw, write_synthetic_seeds

pytestmark = pytest.mark.slow

CODE = "assault_with_injury_8n"


def add_catalogue_row(catalogue: Path) -> None:
    """Append one measure the way an analyst would: a row of the catalogue, nothing else."""
    with open(catalogue, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    row = dict.fromkeys(header, "")
    row.update(
        measure_code=CODE,
        measure_name="Assault with injury (8N)",
        description="Assaults with injury, Home Office offence code 8N.",
        domain="crime",
        display_order=str(max(int(r["display_order"]) for r in rows) + 5),
        unit="count",
        period_type="month",
        method="count",
        source="police_crime",
        numerator_rule="offence_code = '8N'",
        higher_is_better="false",
        numerator_definition="Crimes recorded with Home Office offence code 8N",
    )
    with open(catalogue, "a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=header, lineterminator="\n").writerow(row)


@pytest.fixture(scope="module")
def copy_with_a_new_measure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("add_a_measure")
    copy_project(tmp, with_seeds=False)
    write_synthetic_seeds(tmp / "seeds")
    add_catalogue_row(tmp / "seeds" / "measures.csv")
    shutil.copytree(
        REPO_ROOT / "superset",
        tmp / "superset",
        ignore=shutil.ignore_patterns(".venv", "assets", "__pycache__"),
    )
    return tmp


def test_one_catalogue_row_reaches_the_scorecard_and_the_dashboards(copy_with_a_new_measure):
    tmp = copy_with_a_new_measure
    build_raw(warehouse_path(tmp))
    result = run_dbt(tmp / "dbt_project", tmp, "build", timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    con = duckdb.connect(str(warehouse_path(tmp)), read_only=True)
    try:
        rows = con.execute(
            'SELECT area_code, period_month::VARCHAR, "count", source, measure_name '
            "FROM main_marts.scorecard WHERE measure_code = ? AND period_month = '2024-04-01'",
            [CODE],
        ).fetchall()
        lsoa = con.execute(
            'SELECT sum("count") FROM main_marts.crime_by_lsoa_month '
            "WHERE measure_code = ? AND lsoa_code = ?",
            [CODE, LSOA_MK],
        ).fetchone()[0]
    finally:
        con.close()
    by_area = {area: (count, source, name) for area, _, count, source, name in rows}
    # the test's April 2024: two 8N assaults in Milton Keynes (one in a public place)
    assert by_area[MK] == (2, "police_crime", "Assault with injury (8N)")
    assert by_area[TV] == (2, "police_crime", "Assault with injury (8N)")
    assert lsoa == 2

    out = tmp / "assets"
    gen = subprocess.run(
        [
            sys.executable,
            str(tmp / "superset" / "generate_assets.py"),
            "--catalogue",
            str(tmp / "seeds" / "measures.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert gen.returncode == 0, gen.stdout + gen.stderr
    charts = [yaml.safe_load(p.read_text()) for p in (out / "charts").glob("*.yaml")]
    with_code = [c["slice_name"] for c in charts if CODE in yaml.safe_dump(c["params"])]
    assert with_code, "the new measure is in no chart of the dashboards"


def test_a_bad_catalogue_row_stops_the_build_naming_row_and_column(tmp_path: Path):
    """Bad input: an unknown source, method or period type, a duplicate code, a rate without
    a denominator: the build stops before any model runs, naming row and column."""
    copy_project(tmp_path, with_seeds=False)
    write_synthetic_seeds(tmp_path / "seeds")
    catalogue = tmp_path / "seeds" / "measures.csv"
    with open(catalogue, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    rows[1]["source"] = "police_crim"
    rows[2]["method"] = "cumulative"
    rows[3]["period_type"] = "week"
    rows[4]["measure_code"] = rows[0]["measure_code"]
    rows[5]["rate_denominator"], rows[5]["rate_per"] = "", "1000"
    with open(catalogue, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    build_raw(warehouse_path(tmp_path))
    result = run_dbt(tmp_path / "dbt_project", tmp_path, "build", timeout=600)
    assert result.returncode != 0
    out = result.stdout
    code = rows[0]["measure_code"]
    assert (
        f"seeds/measures.csv row 3 (measure '{rows[1]['measure_code']}'), column 'source': "
        "unknown source 'police_crim'"
    ) in out
    assert f"row 4 (measure '{rows[2]['measure_code']}'), column 'method': unknown method " in out
    assert (
        f"row 5 (measure '{rows[3]['measure_code']}'), column 'period_type': unknown period "
        "type 'week'"
    ) in out
    assert f"row 6 (measure '{code}'), column 'measure_code': duplicate code, also on row 2" in out
    assert f"row 7 (measure '{rows[5]['measure_code']}'), column 'rate_denominator': a rate" in out
    # before any model: nothing was built (only ingest's raw tables exist)
    con = duckdb.connect(str(warehouse_path(tmp_path)), read_only=True)
    try:
        built = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name <> 'raw' UNION ALL "
            "SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    finally:
        con.close()
    assert built == []


def test_a_bad_change_of_definition_stops_the_build_naming_row_and_column(tmp_path: Path):
    """A measure's second definition (a row with the same code and a valid_from): a date that
    is not the first of a month, a year-to-date measure changing other than on 1 April (a
    year would mix two definitions), a second row changing what is not a definition (the
    method), or two rows from the same date: the build stops, naming row and column."""
    copy_project(tmp_path)
    catalogue = tmp_path / "seeds" / "measures.csv"
    with open(catalogue, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])

    def again(code: str, **changes: str) -> dict[str, str]:
        (row,) = [r for r in rows if r["measure_code"] == code and not r["valid_from"]]
        return {**row, **changes}

    extra = [
        again("all_crime", valid_from="2025-04-15"),
        again("dv_repeat_rate", valid_from="2025-01-01", denominator_rule="true"),
        again("asb_council", valid_from="2025-06-01", method="repeat_people"),
        again("treatment_adult_successful_completion", valid_from="2025-04-01"),
    ]
    with open(catalogue, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + extra)
    first = len(rows) + 2  # the file's line of the first added row
    build_raw(warehouse_path(tmp_path))
    result = run_dbt(tmp_path / "dbt_project", tmp_path, "build", timeout=600)
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert (
        f"row {first} (measure 'all_crime'), column 'valid_from': '2025-04-15' is not the "
        "first day of a month"
    ) in out, result.stdout[-3000:]
    assert (
        f"row {first + 1} (measure 'dv_repeat_rate'), column 'valid_from': '2025-01-01': a "
        "year-to-date measure (ytd_proportion) changes definition on 1 April"
    ) in out
    assert (
        f"row {first + 2} (measure 'asb_council'), column 'method': 'repeat_people' differs "
        "from the measure's row"
    ) in out
    assert (
        f"row {first + 3} (measure 'treatment_adult_successful_completion'), column "
        "'measure_code': duplicate code, also on row"
    ) in out
