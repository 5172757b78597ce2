"""Partners send in any order: ``csp build`` with any subset of the contracted sources (one,
or none at all) exits 0 and publishes what it has; the measures of a source with no file
yet have no scorecard row ("no data"), never a 0.

Each build is a real one (ingest, ``dbt build``, publish) in an ephemeral Dagster instance.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt_support import measure_catalogue, sources_of

from orchestration import build

pytestmark = pytest.mark.slow

MILTON_KEYNES = "E22000307"
THAMES_VALLEY = "E23000029"
REAL_STREET_FILE = "2019-01-thames-valley-street.csv"
#: Milton Keynes LSOAs (seeds/areas.csv).
MK_LSOAS = ("E01016710", "E01016711", "E01016713")
#: (offence code, description, location type, domestic abuse, hate race) of each crime.
CRIMES = (
    ("8N", "Assault with injury", "public_place", "N", "N"),
    ("8N", "Assault with injury", "dwelling", "Y", "N"),
    ("5D", "Assault with intent to cause serious harm", "public_place", "N", "N"),
    ("28E", "Burglary - residential (dwelling)", "dwelling", "N", "N"),
    ("34B", "Robbery of personal property", "public_place", "N", "N"),
    ("8M", "Racially or religiously aggravated harassment", "other", "N", "Y"),
)
CRIME_COLUMNS = (
    "crime_ref,force_code,recorded_date,offence_code,offence_description,lsoa_code,"
    "location_type,domestic_abuse,hate_race,hate_religion,hate_sexual_orientation,"
    "hate_disability,hate_transgender,victim_ref,victim_age,victim_gender,outcome"
)


def _measures_of_only(source: str) -> set[str]:
    """The catalogue's counted measures whose only source is ``source``."""
    return {
        r["measure_code"]
        for r in measure_catalogue()
        if r["method"] == "count" and sources_of(r) == {source}
    }


def _write_police_crime_file(folder: Path) -> Path:
    """A small valid police_crime extract (ingest/contracts/police_crime.py): Thames Valley,
    May 2024, every crime in Milton Keynes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2024-05-thames-valley-crime.csv"
    lines = [CRIME_COLUMNS]
    for i, (code, description, location, domestic, race) in enumerate(CRIMES, start=1):
        lines.append(
            f"TVP-2024-{i:07d},{THAMES_VALLEY},2024-05-{i + 1:02d},{code},{description},"
            f"{MK_LSOAS[i % len(MK_LSOAS)]},{location},{domestic},{race},N,N,N,N,"
            f"V{i:08d},{20 + i},female,Under investigation"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _scorecard(serving: Path, area: str, month: date) -> dict[str, int | None]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return dict(
            con.execute(
                "SELECT measure_code, count FROM main.scorecard WHERE area_code = ? "
                "AND period_month = ?",
                [area, month],
            ).fetchall()
        )
    finally:
        con.close()


def _build(capsys: pytest.CaptureFixture) -> str:
    code = build.main([])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "result: OK" in out
    return out


@pytest.fixture
def landing(csp_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # an ephemeral Dagster instance
    return csp_env / "landing"


def test_police_street_alone_publishes_and_police_crime_measures_are_no_data(
    csp_env, landing, realdata_dir, capsys
):
    folder = landing / "police_street"
    folder.mkdir(parents=True)
    shutil.copy(realdata_dir / "police_uk" / REAL_STREET_FILE, folder / REAL_STREET_FILE)

    out = _build(capsys)
    assert "ingest police_crime: no file yet (no data)" in out

    scorecard = _scorecard(csp_env / "serving.duckdb", MILTON_KEYNES, date(2019, 1, 1))
    with open(realdata_dir / "police_uk" / REAL_STREET_FILE, newline="", encoding="utf-8-sig") as f:
        asb = sum(
            1
            for row in csv.DictReader(f)
            if row["LSOA name"].startswith("Milton Keynes ")
            and row["Crime type"] == "Anti-social behaviour"
        )
    assert scorecard["asb_police"] == asb > 0
    assert scorecard["all_crime"] > 0
    police_crime_only = _measures_of_only("police_crime")
    assert police_crime_only
    for measure in police_crime_only:  # no data: no row (never a 0), as the source never came
        assert measure not in scorecard, (measure, scorecard)


def test_police_crime_alone_publishes_and_police_street_measures_are_no_data(
    csp_env, landing, capsys
):
    _write_police_crime_file(landing / "police_crime")

    out = _build(capsys)
    assert "ingest police_street: no file yet (no data)" in out
    assert "ingest police_crime: 1 file(s): 1 loaded" in out

    scorecard = _scorecard(csp_env / "serving.duckdb", MILTON_KEYNES, date(2024, 5, 1))
    assert scorecard["all_crime"] == len(CRIMES)
    assert scorecard["domestic_burglary"] == 1
    assert scorecard["robbery_personal"] == 1
    assert scorecard["hate_crime_race"] == 1
    police_street_only = _measures_of_only("police_street")
    assert police_street_only
    for measure in police_street_only:  # no data: no row (never a 0), as the source never came
        assert measure not in scorecard, (measure, scorecard)


def test_no_contracted_source_publishes_an_empty_scorecard(csp_env, landing, capsys):
    """Only a partner with no ingest contract yet has sent a file: nothing to load, every
    raw table exists and is empty, the scorecard published is empty ("no data")."""
    folder = landing / "cctv_incidents"  # a partner source with no contract (none has one)
    folder.mkdir(parents=True)
    (folder / "2024-01-x.csv").write_text("csp_code,offences\nE22000307,1\n")

    out = _build(capsys)
    assert "no ingest contract yet: 1 folder(s)" in out and "cctv_incidents" in out
    assert "no partner data yet: the scorecard is empty" in out

    serving = csp_env / "serving.duckdb"
    con = duckdb.connect(str(serving), read_only=True)
    try:
        counted = con.execute(
            "SELECT count(*) FILTER (WHERE count IS NOT NULL), "
            "count(*) FILTER (WHERE count = 0) FROM main.scorecard"
        ).fetchone()
        published = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert counted == (0, 0)  # no figure at all, and never a 0 for no data
    assert {
        "scorecard",
        "dim_measure",
        "dim_area",
        "dim_date",
        "crime_by_lsoa_month",
        "partner_returns_due",
    } <= published

    # every contract's raw table exists, empty: the partners that send later just add rows
    wh = duckdb.connect(str(csp_env / "warehouse.duckdb"), read_only=True)
    try:
        for source in (
            "police_crime",
            "police_street",
            "dv_incidents",
            "marac_cases",
            "indicator_returns",
        ):
            assert wh.execute(f"SELECT count(*) FROM raw.{source}").fetchone()[0] == 0
    finally:
        wh.close()
