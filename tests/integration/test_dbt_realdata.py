"""The real data.police.uk files through the real dbt build: `all_crime` and `asb_police`
for Milton Keynes and Medway (and the two forces) equal an independent count of the CSV
files with the csv module. raw.police_street is filled here with DuckDB's read_csv (not
the ingest loader, which has its own tests) so this test isolates the dbt models.
"""

from __future__ import annotations

import collections
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
SEEDS = REPO_ROOT / "seeds"
MK, MEDWAY = "E22000307", "E22000143"
FORCES = {"Thames Valley Police": "E23000029", "Kent Police": "E23000032"}

pytestmark = pytest.mark.slow

RAW_DDL = """
CREATE SCHEMA raw;
CREATE TABLE raw.police_street (
    crime_id VARCHAR, month VARCHAR, reported_by VARCHAR, falls_within VARCHAR,
    longitude DOUBLE, latitude DOUBLE, location VARCHAR, lsoa_code VARCHAR, lsoa_name VARCHAR,
    crime_type VARCHAR, last_outcome_category VARCHAR, context VARCHAR,
    _source_file VARCHAR, _file_hash VARCHAR, _batch_id BIGINT, _row_number INTEGER,
    _loaded_at TIMESTAMP);
CREATE TABLE raw.police_crime (
    crime_ref VARCHAR, force_code VARCHAR, recorded_date DATE, offence_code VARCHAR,
    offence_description VARCHAR, lsoa_code VARCHAR, location_type VARCHAR,
    domestic_abuse BOOLEAN, hate_race BOOLEAN, hate_religion BOOLEAN,
    hate_sexual_orientation BOOLEAN, hate_disability BOOLEAN, hate_transgender BOOLEAN,
    victim_ref VARCHAR, victim_age INTEGER, victim_gender VARCHAR, outcome VARCHAR,
    _source_file VARCHAR, _file_hash VARCHAR, _batch_id BIGINT, _row_number INTEGER,
    _loaded_at TIMESTAMP);
"""


def independent_counts(files: list[Path]) -> collections.Counter:
    lsoa_csp = {
        r["lsoa_code"]: r["csp_code"]
        for r in csv.DictReader(open(SEEDS / "areas.csv", encoding="utf-8"))
    }
    counts: collections.Counter = collections.Counter()
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                measure = (
                    "asb_police" if row["Crime type"] == "Anti-social behaviour" else "all_crime"
                )
                period = row["Month"] + "-01"
                counts[(measure, FORCES[row["Falls within"]], period)] += 1
                csp = lsoa_csp.get(row["LSOA code"])
                if csp in (MK, MEDWAY):
                    counts[(measure, csp, period)] += 1
    return counts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    realdata = Path(os.environ.get("CSP_SHARED_DIR", REPO_ROOT.parent / "shared")) / "realdata"
    files = sorted((realdata / "police_uk").glob("*.csv"))
    if not files:
        pytest.fail(f"no real police files under {realdata}: set CSP_SHARED_DIR")
    if not (SEEDS / "areas.csv").exists():
        pytest.fail("seeds/areas.csv missing")
    tmp_path = tmp_path_factory.mktemp("dbt_real")
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT,
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    shutil.copytree(SEEDS, tmp_path / "seeds")
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute(RAW_DDL)
    for batch, path in enumerate(files, start=1):
        con.execute(
            """
            INSERT INTO raw.police_street
            SELECT nullif("Crime ID", ''), "Month", "Reported by", "Falls within",
                   "Longitude", "Latitude", nullif("Location", ''), nullif("LSOA code", ''),
                   nullif("LSOA name", ''), "Crime type", nullif("Last outcome category", ''),
                   nullif("Context", ''), ?, md5(?), ?, row_number() OVER ()::INTEGER,
                   now()::TIMESTAMP
            FROM read_csv(?, header = true, all_varchar = false)
            """,
            [path.name, path.name, batch, str(path)],
        )
    con.close()
    env = dict(os.environ, CSP_WAREHOUSE_PATH=str(db), DBT_LOG_PATH=str(tmp_path / "logs"))
    exe = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(exe) if exe.exists() else "dbt",
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con, independent_counts(files)
    con.close()


def test_all_crime_and_asb_equal_an_independent_count(built):
    con, expected = built
    rows = con.execute(
        """
        SELECT measure_code, area_code, strftime(period_month, '%Y-%m-%d'), "count", source
        FROM main_marts.scorecard
        WHERE measure_code IN ('all_crime', 'asb_police')
          AND area_code IN (?, ?, ?, ?) AND "count" IS NOT NULL
        """,
        [MK, MEDWAY, *FORCES.values()],
    ).fetchall()
    got = {(m, a, p): c for m, a, p, c, _ in rows}
    assert {s for *_, s in rows} == {"police_street"}
    # every (measure, area, month) of the files is in the scorecard with the same count
    assert got == dict(expected)
    # 11 files: Thames Valley 6 months, Kent 5 months, for 2 measures, CSP + force
    assert len(got) == 2 * 2 * (6 + 5)


def test_months_without_a_file_are_no_data(built):
    con, _ = built
    rows = con.execute(
        """
        SELECT strftime(period_month, '%Y-%m'), "count", source FROM main_marts.scorecard
        WHERE measure_code = 'all_crime' AND area_code = ?
          AND period_month BETWEEN '2018-07-01' AND '2018-09-01'
        ORDER BY 1
        """,
        [MK],
    ).fetchall()
    assert rows == [("2018-07", None, None), ("2018-08", None, None), ("2018-09", None, None)]


def test_police_crime_measures_are_no_data_from_police_street_alone(built):
    con, _ = built
    n_not_null = con.execute(
        """SELECT count(*) FROM main_marts.scorecard
           WHERE measure_code NOT IN ('all_crime', 'asb_police') AND "count" IS NOT NULL"""
    ).fetchone()[0]
    assert n_not_null == 0


def test_rows_without_lsoa_kept_at_force_level(built):
    con, _ = built
    no_lsoa = con.execute(
        "SELECT count(*) FROM main_marts.fct_crime WHERE lsoa_code IS NULL"
    ).fetchone()[0]
    assert no_lsoa > 0
    csps = con.execute(
        "SELECT count(DISTINCT area_code) FROM main_marts.scorecard WHERE area_type = 'csp'"
    ).fetchone()[0]
    assert csps > 10  # every CSP of Thames Valley and Kent, not only the two demo ones
