"""Bad input at national scale, through `csp build` (the real loader, dbt and publish) with real
data.police.uk files, three of them made bad as a national download makes them:

- a file of a force that is not in seeds/forces.csv (a real Kent file published as British
  Transport Police): rejected at the door, every row of it counted in the rejection, the
  rest published;
- rows whose LSOA seeds/areas.csv does not hold (a 2021 LSOA code on rows of a real Thames
  Valley file): counted in the force's figures, in no CSP's, and reported in unplaced_events
  with their number, so the force less its CSPs is explained;
- a file of a month far outside the history (a real Kent file dated 2109-10): counted
  nowhere, reported in unplaced_events, and on no spine, calendar or status.

Every expected figure is counted here from the CSV text with the csv module.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REALDATA_DIR

from orchestration import build

pytestmark = pytest.mark.slow

TVP, KENT = "E23000029", "E23000032"
UNKNOWN_LSOA = "E01035001"  # a 2021 LSOA code: well-formed, not in seeds/areas.csv (2011)
REWRITTEN = 300  # rows of the Thames Valley file given it


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory: pytest.TempPathFactory):
    if not REALDATA_DIR.is_dir():
        pytest.fail(f"real data folder not found at {REALDATA_DIR}: set CSP_SHARED_DIR")
    realdata = REALDATA_DIR / "police_uk"
    tmp = tmp_path_factory.mktemp("bad_input")
    data = tmp / "data"
    folder = data / "landing" / "police_street"
    folder.mkdir(parents=True)
    mp = pytest.MonkeyPatch()
    for name, value in {
        "CSP_DATA_DIR": data,
        "CSP_LANDING_DIR": data / "landing",
        "CSP_WAREHOUSE_PATH": data / "warehouse.duckdb",
        "CSP_DEMO": "1",
    }.items():
        mp.setenv(name, str(value))
    for name in ("DAGSTER_HOME", "CSP_PSEUDONYM_KEY", "CSP_AS_OF", "CSP_HISTORY_DIR"):
        mp.delenv(name, raising=False)

    # a good Kent month, as published
    shutil.copy(realdata / "2018-11-kent-street.csv", folder / "2018-11-kent-street.csv")
    # Thames Valley: the first REWRITTEN rows that have an LSOA get one the reference lacks
    header, tvp = _rows(realdata / "2018-10-thames-valley-street.csv")
    rewritten = []
    for row in tvp:
        if row["LSOA code"] and len(rewritten) < REWRITTEN:
            row["LSOA code"] = UNKNOWN_LSOA
            rewritten.append(row)
    _write(folder / "2018-10-thames-valley-street.csv", header, tvp)
    # a Kent file dated a century ahead (a typo of 2019-10)
    header, far = _rows(realdata / "2018-10-kent-street.csv")
    for row in far:
        row["Month"] = "2109-10"
    _write(folder / "2109-10-kent-street.csv", header, far)
    # a force the reference does not hold
    header, btp = _rows(realdata / "2018-12-kent-street.csv")
    for row in btp:
        row["Reported by"] = row["Falls within"] = "British Transport Police"
    _write(folder / "2018-12-btp-street.csv", header, btp)

    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = build.main([])
    finally:
        mp.undo()
    yield {
        "code": code,
        "out": out.getvalue(),
        "data": data,
        "tvp": tvp,
        "rewritten": rewritten,
        "far": far,
        "btp": btp,
    }


def _q(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_the_rest_is_published(bad_build):
    # a rejected file fails the build's result, but what loaded is built and published
    assert bad_build["code"] == 1, bad_build["out"][-3000:]
    assert "serving: NOT published" not in bad_build["out"]
    serving = bad_build["data"] / "serving.duckdb"
    months = _q(
        serving,
        "SELECT DISTINCT area_code, period_month FROM main.scorecard "
        "WHERE area_type = 'force' AND count IS NOT NULL ORDER BY 1, 2",
    )
    assert months == [(TVP, date(2018, 10, 1)), (KENT, date(2018, 11, 1))]


def test_a_force_not_in_the_reference_is_rejected_with_every_row_counted(bad_build):
    name = "2018-12-btp-street.csv"
    quarantined = bad_build["data"] / "quarantine" / "police_street"
    assert (quarantined / name).is_file()
    report = (quarantined / f"{name}.error.txt").read_text()
    assert "'Falls within': unknown code: not in seeds/forces.csv" in report
    assert "'British Transport Police'" in report
    # every row is in the rejection: the rows named one by one plus "N more rows"
    named = len(re.findall(r"row \d+, column 'Falls within'", report))
    more = re.search(r"column 'Falls within'.*?: (\d+) more rows", report)
    assert named + (int(more.group(1)) if more else 0) == len(bad_build["btp"])
    assert f"REJECTED police_street/{name}" in bad_build["out"]
    # nothing of it reached the warehouse
    wh = bad_build["data"] / "warehouse.duckdb"
    assert _q(wh, "SELECT count(*) FROM raw.police_street WHERE falls_within NOT IN "
                  "('Kent Police', 'Thames Valley Police')") == [(0,)]  # fmt: skip


def test_an_lsoa_of_no_csp_counts_in_its_force_and_is_reported(bad_build):
    tvp, rewritten = bad_build["tvp"], bad_build["rewritten"]
    serving = bad_build["data"] / "serving.duckdb"
    wh = bad_build["data"] / "warehouse.duckdb"
    crimes = [r for r in tvp if r["Crime type"] != "Anti-social behaviour"]
    (force,) = _q(
        serving,
        "SELECT count FROM main.scorecard WHERE measure_code = 'all_crime' "
        "AND area_code = ? AND period_month = '2018-10-01'",
        [TVP],
    )
    assert force[0] == len(crimes)  # every row of the file, LSOA or not
    (csps,) = _q(
        serving,
        "SELECT sum(s.count) FROM main.scorecard s JOIN main.dim_area a "
        "ON a.area_code = s.area_code AND a.area_type = 'csp' "
        "WHERE s.measure_code = 'all_crime' AND a.force_code = ? "
        "AND s.period_month = '2018-10-01'",
        [TVP],
    )
    placed = [r for r in crimes if r["LSOA code"] and r["LSOA code"] != UNKNOWN_LSOA]
    assert csps[0] == len(placed)
    rows = _q(
        wh,
        "SELECT reason, counted_in, force_code, period_month, sum(events), max(lsoas), "
        "min(example_lsoa_code) FROM main_marts.unplaced_events "
        "WHERE source = 'police_street' AND force_code = ? GROUP BY ALL ORDER BY 1",
        [TVP],
    )
    no_lsoa = sum(1 for r in tvp if not r["LSOA code"])
    assert rows == [
        ("lsoa_not_in_areas", "force", TVP, date(2018, 10, 1), len(rewritten), 1, UNKNOWN_LSOA),
        ("no_lsoa", "force", TVP, date(2018, 10, 1), no_lsoa, 0, None),
    ]
    # the force less its CSPs is exactly the unplaced crimes counted in the force
    unplaced_crimes = [r for r in crimes if not r["LSOA code"] or r["LSOA code"] == UNKNOWN_LSOA]
    assert force[0] - csps[0] == len(unplaced_crimes)


def test_a_month_far_outside_the_history_is_counted_nowhere_and_reported(bad_build):
    serving = bad_build["data"] / "serving.duckdb"
    wh = bad_build["data"] / "warehouse.duckdb"
    assert _q(
        wh,
        "SELECT reason, counted_in, force_code, sum(events) FROM main_marts.unplaced_events "
        "WHERE period_month = '2109-10-01' GROUP BY ALL",
    ) == [("month_outside_history", "nowhere", KENT, len(bad_build["far"]))]
    # on no spine, calendar or status: the history still ends in November 2018
    assert _q(serving, "SELECT max(period_month) FROM main.scorecard") == [(date(2018, 11, 1),)]
    assert _q(serving, "SELECT max(period_month) FROM main.dim_date") == [(date(2019, 3, 1),)]
    assert _q(
        serving,
        "SELECT DISTINCT last_period_received FROM main.source_status WHERE source = "
        "'police_street' AND area_code IN (SELECT area_code FROM main.dim_area "
        "WHERE area_type = 'csp' AND force_code = ?)",
        [KENT],
    ) == [(date(2018, 11, 1),)]
    # and the build says so, as a warning that does not stop the publish
    assert "assert_every_event_placed" in bad_build["out"]
