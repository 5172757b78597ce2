"""The real `dbt build` on a small synthetic warehouse: specific scorecard figures.

The raw tables are created by ingest.load.ensure_raw_schema (the contracts' DDL, what
ingest writes) and filled with a handful of crimes built in the test, so every expected figure
can be counted by hand. Geography (areas, population) is synthetic too; the reference
seeds that define the measures (measures, offence classification, crime types, forces)
are the project's own.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dbt_support import (
    CRIME_MEASURES,
    SCORECARD_COLUMNS,
    SEEDS,
    copy_project,
    measure_catalogue,
    raw_warehouse,
    run_dbt,
    sources_of,
    target_path,
    warehouse_path,
)

REFERENCE_SEEDS = (
    "measures.csv",
    "planned_sources.csv",
    "offence_classification.csv",
    "cost_of_crime.csv",
    "targets.csv",
    "police_uk_crime_types.csv",
    "forces.csv",
    "most_similar_groups.csv",
    "ons_offence_measures.csv",
)

TV, KENT = "E23000029", "E23000032"
MK, AYLESBURY, MEDWAY = "E22000307", "E22000304", "E22000143"
LSOA_MK, LSOA_AV, LSOA_MEDWAY = "E01000001", "E01000002", "E01000003"


def write_csv(path: Path, header: str, rows: list[str]) -> None:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def write_synthetic_seeds(seeds: Path) -> None:
    for name in REFERENCE_SEEDS:
        shutil.copy(SEEDS / name, seeds / name)
    write_csv(
        seeds / "areas.csv",
        "lsoa_code,lsoa_name,district_code,district_name,csp_code,csp_name,force_code,"
        "force_name,derivation",
        [
            f"{LSOA_MK},Milton Keynes 001A,E06000042,Milton Keynes,{MK},Milton Keynes,{TV},"
            "Thames Valley,test",
            f"{LSOA_AV},Aylesbury Vale 001A,E07000004,Aylesbury Vale,{AYLESBURY},Aylesbury Vale,"
            f"{TV},Thames Valley,test",
            f"{LSOA_MEDWAY},Medway 001A,E06000035,Medway,{MEDWAY},Medway,{KENT},Kent,test",
        ],
    )
    write_csv(
        seeds / "population.csv",
        "area_code,area_type,year,population,households,source",
        [
            f"{MK},csp,2023,250000,100000,test",
            f"{MK},csp,2024,260000,104000,test",
            f"{AYLESBURY},csp,2024,200000,80000,test",
            f"{MEDWAY},csp,2024,280000,112000,test",
            f"{TV},force,2024,2400000,960000,test",
            f"{KENT},force,2024,1850000,770000,test",
        ],
    )


def month_label(d: date) -> str:
    return d.strftime("%Y-%m")


def months(start: date, end: date) -> list[date]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


LOADED = datetime(2024, 7, 10, 9, 0, 0)

# Thames Valley police_crime: 'Other theft' (49) in Milton Keynes per month
TV_THEFTS = {
    date(2023, 4, 1): 10,
    date(2023, 5, 1): 20,
    date(2023, 6, 1): 30,
    date(2024, 4, 1): 12,
    date(2024, 5, 1): 25,
    date(2024, 6, 1): 40,
}


def build_raw(path: Path) -> None:
    con = raw_warehouse(path)

    crimes = []

    def crime(
        month: date,
        offence: str,
        lsoa: str | None,
        location: str = "other",
        race: bool = False,
        religion: bool = False,
    ) -> None:
        n = len(crimes) + 1
        crimes.append(
            (
                f"TV{n:05d}",
                TV,
                month.replace(day=15),
                offence,
                "desc",
                lsoa,
                location,
                False,
                race,
                religion,
                False,
                False,
                False,
                None,
                None,
                None,
                None,
                f"{month_label(month)}-thames-valley-crime.csv",
                f"hash-{month_label(month)}",
                1,
                n,
                LOADED,
            )
        )

    for month, n in TV_THEFTS.items():
        for _ in range(n):
            crime(month, "49", LSOA_MK)
    april = date(2024, 4, 1)
    crime(april, "8N", LSOA_MK, "public_place", race=True, religion=True)  # hate, 2 strands
    crime(april, "8N", LSOA_MK, "dwelling")  # violence with injury, not public place
    crime(april, "28E", None, "dwelling")  # domestic burglary with no LSOA: force level only
    con.executemany("INSERT INTO raw.police_crime VALUES (" + ", ".join(["?"] * 22) + ")", crimes)

    street = []

    def street_row(month: date, force_name: str, lsoa: str | None, crime_type: str) -> None:
        n = len(street) + 1
        street.append(
            (
                None if crime_type == "Anti-social behaviour" else f"{n:064x}",
                month_label(month),
                force_name,
                force_name,
                None,
                None,
                "On or near X",
                lsoa,
                None,
                crime_type,
                None,
                None,
                f"{month_label(month)}-{force_name}-street.csv",
                f"s-{force_name}-{month_label(month)}",
                2,
                n,
                LOADED,
            )
        )

    # Thames Valley street data every month 2023-04 .. 2024-06 except 2023-09 (no data)
    for month in months(date(2023, 4, 1), date(2024, 6, 1)):
        if month == date(2023, 9, 1):
            continue
        for _ in range(5):
            street_row(month, "Thames Valley Police", LSOA_MK, "Burglary")
        street_row(month, "Thames Valley Police", None, "Shoplifting")  # no location
        for _ in range(3):
            street_row(month, "Thames Valley Police", LSOA_MK, "Anti-social behaviour")
    # Kent: street data only; 2024-01 has 7 crimes, 2024-02 has ASB only (0 crimes)
    for _ in range(7):
        street_row(date(2024, 1, 1), "Kent Police", LSOA_MEDWAY, "Vehicle crime")
    for _ in range(3):
        street_row(date(2024, 1, 1), "Kent Police", LSOA_MEDWAY, "Anti-social behaviour")
    for _ in range(2):
        street_row(date(2024, 2, 1), "Kent Police", LSOA_MEDWAY, "Anti-social behaviour")
    con.executemany("INSERT INTO raw.police_street VALUES (" + ", ".join(["?"] * 17) + ")", street)
    con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp_path = tmp_path_factory.mktemp("dbt_build")
    project = copy_project(tmp_path, with_seeds=False)
    write_synthetic_seeds(tmp_path / "seeds")
    build_raw(warehouse_path(tmp_path))
    result = run_dbt(project, tmp_path, "build", timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    run_results = json.loads((target_path(tmp_path) / "run_results.json").read_text())
    statuses = {r["status"] for r in run_results["results"]}
    assert statuses <= {"success", "pass", "no-op"}, statuses
    con = duckdb.connect(str(warehouse_path(tmp_path)), read_only=True)
    yield con
    con.close()


def fig(con, measure: str, area: str, month: str, column: str = "count"):
    rows = con.execute(
        f'SELECT "{column}" FROM main_marts.scorecard '
        "WHERE measure_code = ? AND area_code = ? AND period_month = ?::DATE",
        [measure, area, month + "-01"],
    ).fetchall()
    assert len(rows) == 1, (measure, area, month, rows)
    return rows[0][0]


pytestmark = pytest.mark.slow


def test_every_crime_measure_for_every_area_and_month(built):
    measures = {
        r[0]
        for r in built.execute("SELECT DISTINCT measure_code FROM main_marts.scorecard").fetchall()
    }
    assert measures == CRIME_MEASURES
    per_area = dict(
        built.execute(
            "SELECT area_code || '/' || area_type, count(*) FROM main_marts.scorecard GROUP BY 1"
        ).fetchall()
    )
    # Thames Valley spine 2023-04..2024-06 = 15 months, both sources from 2023-04: every
    # crime measure; Kent 2024-01..2024-02 = 2 months of police_street only: only the
    # measures police_street can count (a measure none of whose sources the force ever sent
    # has no row, not a NULL row per month)
    n = len(CRIME_MEASURES)
    street = {
        r["measure_code"]
        for r in measure_catalogue()
        if r["measure_code"] in CRIME_MEASURES and "police_street" in sources_of(r)
    }
    assert 0 < len(street) < n
    assert per_area == {
        f"{TV}/force": n * 15,
        f"{MK}/csp": n * 15,
        f"{AYLESBURY}/csp": n * 15,
        f"{KENT}/force": len(street) * 2,
        f"{MEDWAY}/csp": len(street) * 2,
    }
    row = built.execute(
        "SELECT area_name, financial_year, measure_name FROM main_marts.scorecard "
        "WHERE area_code = ? AND measure_code = 'all_crime' AND period_month = '2024-04-01'",
        [MK],
    ).fetchone()
    assert row[0] == "Milton Keynes" and row[1] == "2024/25" and row[2]


def test_counts_ytd_and_change(built):
    assert fig(built, "all_crime", MK, "2024-04") == 14  # 12 thefts + 2 assaults
    assert fig(built, "all_crime", MK, "2024-06") == 40
    assert fig(built, "all_crime", MK, "2024-06", "ytd_count") == 14 + 25 + 40
    assert fig(built, "all_crime", MK, "2024-06", "ytd_count_last_year") == 60
    assert fig(built, "all_crime", MK, "2024-06", "ytd_change_pct") == pytest.approx(19 / 60 * 100)
    assert fig(built, "all_crime", MK, "2024-04", "ytd_change_pct") == pytest.approx(40.0)
    assert fig(built, "all_crime", MK, "2024-05", "direction") == "up"
    assert fig(built, "all_crime", MK, "2024-05", "previous_month_count") == 14
    assert fig(built, "all_crime", MK, "2024-06", "source") == "police_crime"
    assert fig(built, "all_crime", MK, "2024-06", "loaded_at") == LOADED


def test_rate_is_ytd_count_over_population_of_the_financial_year(built):
    assert fig(built, "all_crime", MK, "2024-06", "denominator") == 260000
    assert fig(built, "all_crime", MK, "2024-06", "value") == pytest.approx(79 / 260000 * 1000)
    assert fig(built, "all_crime", MK, "2023-05", "denominator") == 250000
    assert fig(built, "all_crime", MK, "2023-05", "value") == pytest.approx(30 / 250000 * 1000)
    # January 2024 is in FY 2023/24: mid-2023, never mid-2024
    assert fig(built, "all_crime", MK, "2024-01", "denominator") == 250000
    assert fig(built, "all_crime", MK, "2024-01", "denominator_year") == 2023
    # a year outside the series takes the nearest one, and says so (Aylesbury: only mid-2024)
    assert fig(built, "all_crime", AYLESBURY, "2023-05", "denominator_year") == 2024
    # the same point of last year's value (a rate here)
    assert fig(built, "all_crime", MK, "2024-06", "value_last_year") == pytest.approx(
        60 / 250000 * 1000
    )
    assert fig(built, "all_crime", MK, "2023-06", "value_last_year") is None
    assert fig(built, "all_crime", MK, "2024-06", "period_type") == "month"
    # count-only measure: value is the count, no denominator
    assert fig(built, "violence_with_injury", MK, "2024-04", "value") == 2
    assert fig(built, "violence_with_injury", MK, "2024-04", "denominator") is None


def test_no_data_is_null_never_zero(built):
    # Thames Valley has neither source for 2023-09
    for area in (TV, MK):
        for measure in ("all_crime", "asb_police", "sac"):
            assert fig(built, measure, area, "2023-09") is None
            assert fig(built, measure, area, "2023-09", "source") is None
    # ...so the YTD of 2023/24 is "no data" from September on
    assert fig(built, "all_crime", MK, "2023-08", "ytd_count") is not None
    assert fig(built, "all_crime", MK, "2023-10", "ytd_count") is None
    assert fig(built, "all_crime", MK, "2023-10", "direction") is None
    # Kent 2024-02: data (ASB rows) but no crimes -> 0, not NULL
    assert fig(built, "all_crime", MEDWAY, "2024-02") == 0
    assert fig(built, "all_crime", MEDWAY, "2024-02", "direction") == "down"
    assert fig(built, "all_crime", KENT, "2024-02") == 0
    # a police_crime month with no matching crime is 0
    assert fig(built, "sac", MK, "2024-05") == 0
    assert fig(built, "all_crime", AYLESBURY, "2024-05") == 0


def test_police_street_fills_the_measures_it_can_count(built):
    # 2023-07 has police_street but no police_crime: all_crime and ASB from police_street
    assert fig(built, "all_crime", MK, "2023-07") == 5
    assert fig(built, "all_crime", MK, "2023-07", "source") == "police_street"
    assert fig(built, "all_crime", TV, "2023-07") == 6  # incl. the row with no location
    assert fig(built, "asb_police", MK, "2023-07") == 3
    for measure in ("sac", "domestic_burglary", "hate_crime_total", "public_place_violence"):
        assert fig(built, measure, MK, "2023-07") is None
        assert fig(built, measure, MK, "2023-07", "source") is None
    # Kent has only police_street: vehicle crime falls back to its data.police.uk category
    assert fig(built, "all_crime", MEDWAY, "2024-01") == 7
    assert fig(built, "vehicle_crime", MEDWAY, "2024-01") == 7
    assert fig(built, "vehicle_crime", MEDWAY, "2024-01", "source") == "police_street"
    # a police_crime-only measure of a force that never sent police_crime: no row at all
    assert built.execute(
        "SELECT count(*) FROM main_marts.scorecard WHERE measure_code = 'sac' AND area_code = ?",
        [MEDWAY],
    ).fetchone() == (0,)
    assert fig(built, "asb_police", MEDWAY, "2024-01") == 3
    # where police_crime exists, police_street crimes are not added on top
    assert fig(built, "all_crime", TV, "2024-04") == 15
    # ASB always from police_street, also in police_crime months
    assert fig(built, "asb_police", MK, "2024-04") == 3
    assert fig(built, "asb_police", MK, "2024-04", "source") == "police_street"


def test_police_uk_categories_from_either_source(built):
    # a data.police.uk month: the published categories
    assert fig(built, "burglary", MK, "2023-07") == 5
    assert fig(built, "shoplifting", TV, "2023-07") == 1  # the row with no location
    assert fig(built, "shoplifting", MK, "2023-07") == 0
    assert fig(built, "burglary", MK, "2023-07", "source") == "police_street"
    # a record-level month: the crimes whose offence code maps to the category
    assert fig(built, "other_theft", MK, "2024-06") == 40
    assert fig(built, "burglary", TV, "2024-04") == 1  # 28E, no LSOA
    assert fig(built, "burglary", MK, "2024-04") == 0
    assert fig(built, "violence_and_sexual_offences", MK, "2024-04") == 2
    assert fig(built, "burglary", MK, "2024-04", "source") == "police_crime"
    # the categories add up to all crime, in either kind of month
    for area, month in ((MK, "2023-07"), (TV, "2023-07"), (MK, "2024-04"), (TV, "2024-04")):
        total = built.execute(
            "SELECT sum(count) FROM main_marts.scorecard s JOIN main_marts.dim_measure m "
            "USING (measure_code) WHERE m.numerator_rule LIKE 'police_uk_crime_type = %' "
            "AND s.area_code = ? AND s.period_month = ?::DATE",
            [area, month + "-01"],
        ).fetchone()[0]
        assert total == fig(built, "all_crime", area, month), (area, month)


def test_force_level_includes_crimes_without_lsoa(built):
    assert fig(built, "domestic_burglary", TV, "2024-04") == 1
    assert fig(built, "domestic_burglary", MK, "2024-04") == 0
    assert fig(built, "domestic_burglary", TV, "2024-04", "denominator") == 960000
    no_lsoa = built.execute(
        "SELECT count(*) FROM main_marts.fct_crime WHERE lsoa_code IS NULL AND force_code = ?", [TV]
    ).fetchone()[0]
    assert no_lsoa == 1 + 8  # the burglary + one police_street row per street-only month (8)


def test_hate_crime_with_two_strands_counts_once(built):
    assert fig(built, "hate_crime_total", MK, "2024-04") == 1
    assert fig(built, "hate_crime_race", MK, "2024-04") == 1
    assert fig(built, "hate_crime_religion", MK, "2024-04") == 1
    assert fig(built, "hate_crime_disability", MK, "2024-04") == 0
    assert fig(built, "hate_crime_total", MK, "2024-04", "value") == pytest.approx(
        1 / 260000 * 100000
    )


def test_public_place_violence_only_in_public_places(built):
    assert fig(built, "violence_with_injury", MK, "2024-04") == 2
    assert fig(built, "public_place_violence", MK, "2024-04") == 1
    assert fig(built, "violence_without_injury", MK, "2024-04") == 0


def test_marts_dimensions(built):
    fy = built.execute(
        "SELECT financial_year, fy_quarter, fy_month_number FROM main_marts.dim_date "
        "WHERE period_month = '2024-01-01'"
    ).fetchone()
    assert fy == ("2023/24", "Q4", 10)
    lo, hi = built.execute(
        "SELECT min(period_month), max(period_month) FROM main_marts.dim_date"
    ).fetchone()
    assert lo <= date(2022, 4, 1) and hi == date(2025, 3, 1)
    types = dict(built.execute("SELECT area_code, area_type FROM main_marts.dim_area").fetchall())
    assert types[MK] == "csp" and types[TV] == "force" and types[LSOA_MK] == "lsoa"
    cols = {r[0] for r in built.execute("DESCRIBE main_marts.scorecard").fetchall()}
    assert set(SCORECARD_COLUMNS) <= cols
