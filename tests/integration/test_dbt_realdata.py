"""The real data.police.uk files through the real dbt build: every measure the catalogue
counts from data.police.uk (all crime, ASB and each published category, vehicle crime and
criminal damage included) for Milton Keynes and Medway and the two forces equals an
independent count of the CSV files with the csv module, the CSP taken from the LSOA name
(never from seeds/areas.csv). raw.police_street is filled here with DuckDB's read_csv (not
the ingest loader, which has its own tests) so this test isolates the dbt models.
"""

from __future__ import annotations

import collections
import csv
import os
import re
from pathlib import Path

import duckdb
import pytest
from dbt_support import (
    REPO_ROOT,
    SEEDS,
    copy_project,
    measure_catalogue,
    police_uk_measures,
    raw_warehouse,
    run_dbt,
    sources_of,
    warehouse_path,
)

MK, MEDWAY = "E22000307", "E22000143"
FORCES = {"Thames Valley Police": "E23000029", "Kent Police": "E23000032"}

pytestmark = pytest.mark.slow


CSP_DISTRICTS = {"Milton Keynes": MK, "Medway": MEDWAY}


def category_of_rule() -> dict[str, str | None]:
    """code -> the data.police.uk category its catalogue rule counts (None = every crime,
    'ASB' = anti-social behaviour), for the measures data.police.uk alone can give."""
    out: dict[str, str | None] = {}
    for code, rule in police_uk_measures().items():
        m = re.fullmatch(r"police_uk_crime_type = '([^']+)'", rule)
        out[code] = m.group(1) if m else {"not is_asb": None, "is_asb": "ASB"}[rule]
    return out


def independent_counts(files: list[Path]) -> collections.Counter:
    """(measure, area, month) -> rows, from the CSV text alone."""
    categories = category_of_rule()
    counts: collections.Counter = collections.Counter()
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                asb = row["Crime type"] == "Anti-social behaviour"
                areas = [FORCES[row["Falls within"]]]
                district = (row["LSOA name"] or "").rsplit(" ", 1)[0]
                if district in CSP_DISTRICTS:
                    areas.append(CSP_DISTRICTS[district])
                for code, category in categories.items():
                    if (category == "ASB" and asb) or (
                        not asb and category in (None, row["Crime type"])
                    ):
                        for area in areas:
                            counts[(code, area, row["Month"] + "-01")] += 1
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


def test_every_police_uk_measure_equals_an_independent_count(built):
    con, expected = built
    codes = sorted(police_uk_measures())
    assert len(codes) == 15  # all crime, ASB, the 11 categories, vehicle crime, criminal damage
    rows = con.execute(
        f"""
        SELECT measure_code, area_code, strftime(period_month, '%Y-%m-%d'), "count", source
        FROM main_marts.scorecard
        WHERE measure_code IN ({", ".join("?" * len(codes))})
          AND area_code IN (?, ?, ?, ?) AND "count" IS NOT NULL
        """,
        [*codes, MK, MEDWAY, *FORCES.values()],
    ).fetchall()
    got = {(m, a, p): c for m, a, p, c, _ in rows}
    assert {s for *_, s in rows} == {"police_street"}
    # every (measure, area, month) of the files has the file's count (0 where it has none)
    for key, count in got.items():
        assert count == expected.get(key, 0), key
    assert {k for k, v in expected.items()} <= set(got)
    # 11 files: Thames Valley 6 months, Kent 5 months; each measure for CSP and force
    assert len(got) == len(codes) * 2 * (6 + 5)
    # the 13 published categories (vehicle crime and criminal damage among them) add up to
    # all crime
    categories = [c for c, cat in category_of_rule().items() if cat not in (None, "ASB")]
    assert len(categories) == 13
    for area in (MK, MEDWAY, *FORCES.values()):
        for month in {p for (_, a, p) in got if a == area}:
            parts = sum(got[(c, area, month)] for c in categories)
            assert parts == got[("all_crime", area, month)], (area, month)


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
    street = sorted(police_uk_measures())
    n_not_null = con.execute(
        f"""SELECT count(*) FROM main_marts.scorecard
           WHERE measure_code NOT IN ({", ".join("?" * len(street))}) AND "count" IS NOT NULL""",
        street,
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


def test_lsoa_counts_equal_an_independent_count(built):
    """crime_by_lsoa_month for the LSOAs of Milton Keynes and Medway (found by their names,
    not through seeds/areas.csv) against a csv-module count of the files, per LSOA, month and
    data.police.uk measure: every counted LSOA-month, and no other."""
    con, _ = built
    categories = category_of_rule()
    expected: collections.Counter = collections.Counter()
    files = sorted((Path(os.environ.get("CSP_SHARED_DIR", REPO_ROOT.parent / "shared"))
                    / "realdata" / "police_uk").glob("*.csv"))  # fmt: skip
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if (row["LSOA name"] or "").rsplit(" ", 1)[0] not in CSP_DISTRICTS:
                    continue
                asb = row["Crime type"] == "Anti-social behaviour"
                for code, category in categories.items():
                    if (category == "ASB" and asb) or (
                        not asb and category in (None, row["Crime type"])
                    ):
                        expected[(code, row["LSOA code"], row["Month"] + "-01")] += 1
    rows = con.execute(
        """
        SELECT measure_code, lsoa_code, strftime(period_month, '%Y-%m-%d'), "count"
        FROM main_marts.crime_by_lsoa_month
        WHERE split_part(lsoa_name, ' ', 1) IN ('Milton', 'Medway')
        """
    ).fetchall()
    got = {(m, lsoa, p): n for m, lsoa, p, n in rows if m in categories}
    assert got == dict(expected)
    assert len(got) > 10000


def test_every_csp_of_the_forces_has_its_figures_and_ons_population(built):
    """National reference data: every CSP seeds/areas.csv puts in Thames Valley or Kent (not
    only the two demo CSPs) has all crime for each month its force sent, with the ONS mid-2018
    population of seeds/population.csv as its rate's denominator, and no denominator (never a
    made-up one) where the ONS release has none (CSPs merged away by 2021 boundaries, such as
    Aylesbury Vale); and no row for a measure none of whose sources was sent."""
    con, expected = built
    with open(SEEDS / "areas.csv", newline="", encoding="utf-8") as fh:
        csps = {
            r["csp_code"]: r["force_code"]
            for r in csv.DictReader(fh)
            if r["force_code"] in FORCES.values() and r["csp_code"]
        }
    with open(SEEDS / "population.csv", newline="", encoding="utf-8") as fh:
        ons = {
            r["area_code"]: int(r["population"])
            for r in csv.DictReader(fh)
            if r["area_type"] == "csp" and r["year"] == "2018"
        }
    months = {f: {p for (m, a, p) in expected if a == f} for f in FORCES.values()}
    rows = con.execute(
        """SELECT area_code, strftime(period_month, '%Y-%m-%d'), "count", denominator,
                  denominator_year
           FROM main_marts.scorecard
           WHERE measure_code = 'all_crime' AND area_type = 'csp' AND "count" IS NOT NULL"""
    ).fetchall()
    got = {(a, p): (d, y) for a, p, _, d, y in rows}
    assert {(a, p) for a, p in got} == {(c, p) for c, f in csps.items() for p in months[f]}
    for (area, _), (denominator, year) in got.items():
        assert (denominator, year) == ((ons[area], 2018) if area in ons else (None, None)), area
    assert len(csps) > 20 and len(set(csps) - set(ons)) > 0  # the gap is real, and shown
    recorded_only = [
        r["measure_code"] for r in measure_catalogue() if sources_of(r) == {"police_crime"}
    ]
    assert recorded_only
    n = con.execute(
        f"""SELECT count(*) FROM main_marts.scorecard
            WHERE measure_code IN ({", ".join("?" * len(recorded_only))})""",
        recorded_only,
    ).fetchone()[0]
    assert n == 0
