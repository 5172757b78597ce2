"""The real data.police.uk files through the real dbt build: `all_crime` and `asb_police`
for Milton Keynes and Medway (and the two forces) equal an independent count of the CSV
files with the csv module. raw.police_street is filled here with DuckDB's read_csv (not
the ingest loader, which has its own tests) so this test isolates the dbt models.
"""

from __future__ import annotations

import collections
import csv
import os
from pathlib import Path

import duckdb
import pytest
from dbt_support import REPO_ROOT, SEEDS, copy_project, raw_warehouse, run_dbt, warehouse_path

MK, MEDWAY = "E22000307", "E22000143"
FORCES = {"Thames Valley Police": "E23000029", "Kent Police": "E23000032"}

pytestmark = pytest.mark.slow


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
    project = copy_project(tmp_path)
    db = warehouse_path(tmp_path)
    con = raw_warehouse(db)
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
    result = run_dbt(project, tmp_path, "build", timeout=900)
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
