"""Council ASB and fire, end to end from partner files, and first reported against latest.

Files are written as the council's ASB team and the fire and rescue service send them (one
CSV per CSP and month; the council's in UTF-8 with a BOM and CRLF, as the demo's), beside
the real data.police.uk street files of Thames Valley for October and November 2018; they
are built with `csp build` (ingest, dbt, publish) and the figures read from the published
serving file. Every expected figure is computed here from the files themselves (the csv
module, seeds/areas.csv, seeds/population.csv), never from the warehouse.

- seed 000's ASB table: police + council ASB; "no data" for the combined figure in a month
  a part is missing (November: the police file, no council file);
- repeat callers, satisfaction (cumulative in the FY, Wilson interval), deliberate fires
  and malicious false alarms per 100,000 (YTD over the FY's mid-year population);
- a restated council file: the latest count, the first reported count, a `restatements`
  row, all kept when the warehouse is deleted and rebuilt from landing (the publish
  history lives outside the warehouse, in $CSP_DATA_DIR/history).
"""

from __future__ import annotations

import csv
import math
import random
import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from build_support import build_env, published_scorecard

from orchestration import build

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CSP = "E22000307"  # Milton Keynes (Thames Valley)
SLUG = "milton-keynes"
KEY = "asb-fire-worked-example-key"
POLICE_MONTHS = ("2018-10", "2018-11")
#: Council and fire files: April to October 2018 (a FY to date for the YTD figures).
PARTNER_MONTHS = tuple(f"2018-{m:02d}" for m in range(4, 11))
ASB_HEADER = [  # the contract's columns in the council's own order
    "report_date",
    "report_ref",
    "csp_code",
    "category",
    "channel",
    "caller_ref",
    "lsoa_code",
    "risk_level",
    "satisfaction",
]
FIRE_HEADER = [
    "incident_ref",
    "incident_datetime",
    "csp_code",
    "incident_type",
    "motive",
    "property_type",
    "lsoa_code",
]
CATEGORIES = ["noise", "fly-tipping", "nuisance neighbours", "graffiti", "youth nuisance"]
FIRE_TYPES = [
    ("primary fire", "dwelling"),
    ("secondary fire", "refuse"),
    ("chimney fire", "dwelling"),
    ("false alarm malicious", "other outdoor"),
    ("false alarm good intent", "dwelling"),
]
MOTIVES = ["deliberate", "accidental", "not known"]


def _lsoas_of(csp: str) -> set[str]:
    with open(REPO / "seeds" / "areas.csv", newline="", encoding="utf-8") as f:
        return {r["lsoa_code"] for r in csv.DictReader(f) if r["csp_code"] == csp}


def _population(csp: str, year: int) -> int:
    with open(REPO / "seeds" / "population.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["area_code"] == csp and r["area_type"] == "csp" and int(r["year"]) == year:
                return int(r["population"])
    raise KeyError((csp, year))


def _wilson(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The 95% Wilson score interval in % (Newcombe 1998, method 3)."""
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denom = 1 + z * z / trials
    return 100 * (centre - half) / denom, 100 * (centre + half) / denom


def _council_rows(month: str, n: int, prefix: str = "R") -> list[dict[str, str]]:
    """n reports of the month: callers drawn from a small pool (some call more than once),
    officer reports without a caller, a fifth of callers surveyed."""
    rng = random.Random(f"asb{month}{prefix}")
    lsoas = sorted(_lsoas_of(CSP))
    year, mon = map(int, month.split("-"))
    rows = []
    for i in range(n):
        channel = rng.choice(["hotline", "online", "officer"])
        caller = "" if channel == "officer" else f"C{rng.randrange(n // 2 + 1):06d}"
        surveyed = channel != "officer" and rng.random() < 0.3
        rows.append(
            {
                "report_ref": f"ASB-{month}-{prefix}{i:04d}",
                "report_date": date(year, mon, 1 + i % 28).isoformat(),
                "csp_code": CSP,
                "category": rng.choice(CATEGORIES),
                "lsoa_code": "" if i % 17 == 0 else rng.choice(lsoas),
                "channel": channel,
                "caller_ref": caller,
                "risk_level": rng.choice(["standard", "medium", "high"]),
                "satisfaction": (
                    rng.choice(["satisfied", "satisfied", "not satisfied"]) if surveyed else ""
                ),
            }
        )
    return rows


def _fire_rows(month: str, n: int) -> list[dict[str, str]]:
    rng = random.Random(f"fire{month}")
    lsoas = sorted(_lsoas_of(CSP))
    year, mon = map(int, month.split("-"))
    rows = []
    for i in range(n):
        kind, prop = rng.choice(FIRE_TYPES)
        motive = "deliberate" if kind == "false alarm malicious" else rng.choice(MOTIVES)
        if kind == "false alarm good intent":
            motive = "accidental"
        rows.append(
            {
                "incident_ref": f"FI-{month}-{i:04d}",
                "incident_datetime": f"{year}-{mon:02d}-{1 + i % 28:02d} "
                f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}",
                "csp_code": CSP,
                "incident_type": kind,
                "motive": motive,
                "property_type": prop,
                "lsoa_code": rng.choice(lsoas),
            }
        )
    return rows


def _write(path: Path, header: list[str], rows: list[dict[str, str]], **kw: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=kw.get("encoding", "utf-8")) as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator=kw.get("newline", "\n"))
        writer.writeheader()
        writer.writerows(rows)


def _write_council(landing: Path, month: str, rows: list[dict[str, str]], name: str = "") -> Path:
    path = landing / "asb_council" / (name or f"{month}-{SLUG}-asb-council.csv")
    _write(path, ASB_HEADER, rows, encoding="utf-8-sig", newline="\r\n")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """The real police files, seven months of council and fire files, built once."""
    data = tmp_path_factory.mktemp("asb_fire") / "data"
    landing = data / "landing"
    for month in POLICE_MONTHS:
        target = landing / "police_street" / f"{month}-thames-valley-street.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO.parent / "shared" / "realdata" / "police_uk" / target.name, target)
    council: dict[str, list[dict[str, str]]] = {}
    fire: dict[str, list[dict[str, str]]] = {}
    for i, month in enumerate(PARTNER_MONTHS):
        council[month] = _council_rows(month, 180 + 13 * i)
        _write_council(landing, month, council[month])
        fire[month] = _fire_rows(month, 60 + 7 * i)
        _write(
            landing / "fire_incidents" / f"{month}-{SLUG}-fire-incidents.csv",
            FIRE_HEADER,
            fire[month],
        )
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        assert build.main([]) == 0
        yield data, council, fire


def _police_asb(month: str) -> int:
    """ASB rows of the real data.police.uk file in Milton Keynes's LSOAs."""
    lsoas = _lsoas_of(CSP)
    path = REPO.parent / "shared" / "realdata" / "police_uk" / f"{month}-thames-valley-street.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return sum(
            1
            for r in csv.DictReader(f)
            if r["Crime type"] == "Anti-social behaviour" and r["LSOA code"] in lsoas
        )


def test_combined_asb_is_police_plus_council_and_no_data_without_a_part(built):
    data, council, _ = built
    card = published_scorecard(data, CSP, "domain = 'asb'")
    police_oct, police_nov = _police_asb("2018-10"), _police_asb("2018-11")
    assert police_oct > 100 and police_nov > 100  # the real files: hundreds a month
    assert card[("asb_police", "2018-10")]["count"] == police_oct
    assert card[("asb_council", "2018-10")]["count"] == len(council["2018-10"])
    combined = card[("asb_combined", "2018-10")]
    assert combined["count"] == police_oct + len(council["2018-10"])
    assert combined["source"] == "police_street+asb_council"
    # November: the police file and no council file -> the council and the sum have no data
    assert card[("asb_police", "2018-11")]["count"] == police_nov
    assert card[("asb_council", "2018-11")]["count"] is None
    assert card[("asb_combined", "2018-11")]["count"] is None
    # September: the council file and no police file -> no data for the sum either
    assert card[("asb_council", "2018-09")]["count"] == len(council["2018-09"])
    assert card[("asb_combined", "2018-09")]["count"] is None


def test_repeat_callers_and_satisfaction_from_the_files(built):
    data, council, _ = built
    card = published_scorecard(data, CSP, "domain = 'asb'")
    surveyed = satisfied = 0
    for month in PARTNER_MONTHS:
        calls = Counter(r["caller_ref"] for r in council[month] if r["caller_ref"])
        repeat = sum(1 for n in calls.values() if n > 1)
        assert repeat > 0
        assert card[("asb_repeat_callers", month)]["count"] == repeat, month
        surveyed += sum(1 for r in council[month] if r["satisfaction"])
        satisfied += sum(1 for r in council[month] if r["satisfaction"] == "satisfied")
        row = card[("asb_satisfaction", month)]
        # cumulative in the FY: satisfied / surveyed from April to the month
        assert (row["count"], row["denominator"]) == (satisfied, surveyed), month
        assert row["value"] == pytest.approx(100 * satisfied / surveyed)
        lower, upper = _wilson(satisfied, surveyed)
        assert row["ci_lower"] == pytest.approx(lower) and row["ci_upper"] == pytest.approx(upper)
        assert row["ci_lower"] < row["value"] < row["ci_upper"]


def test_fire_measures_per_100000_from_the_files(built):
    data, _, fire = built
    card = published_scorecard(data, CSP, "domain = 'fire'")
    population = _population(CSP, 2018)  # FY 2018/19 uses mid-2018
    rules = {
        "deliberate_fires_primary": lambda r: (
            r["incident_type"] == "primary fire" and r["motive"] == "deliberate"
        ),
        "deliberate_fires_secondary": lambda r: (
            r["incident_type"] == "secondary fire" and r["motive"] == "deliberate"
        ),
        "false_alarms_malicious": lambda r: r["incident_type"] == "false alarm malicious",
    }
    for code, rule in rules.items():
        ytd = 0
        for month in PARTNER_MONTHS:
            n = sum(1 for r in fire[month] if rule(r))
            ytd += n
            row = card[(code, month)]
            assert row["count"] == n and row["ytd_count"] == ytd, (code, month)
            assert row["value"] == pytest.approx(ytd / population * 100_000), (code, month)
            assert row["denominator"] == population and row["rate_per"] == 100_000
        assert ytd > 0, code


def test_a_restated_council_file_keeps_its_first_report_through_a_rebuild(tmp_path):
    data = tmp_path / "data"
    landing = data / "landing"
    month = "2018-10"
    first = _council_rows(month, 150)
    _write_council(landing, month, first)
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        assert build.main([]) == 0
        before = published_scorecard(data, CSP)[("asb_council", month)]
        assert before["count"] == 150 and before["first_reported_count"] == 150
        assert before["first_reported_at"] is not None and not before["is_restated"]

        # the council restates October: fly-tipping reports backdated into it; and the fire
        # service sends a bad file (an unknown motive) that must change nothing
        restated = first + _council_rows(month, 40, prefix="LATE")
        name = f"{month}-{SLUG}-asb-council.restated-1.csv"
        _write_council(landing, month, restated, name)
        bad = _fire_rows(month, 10)
        bad[6]["motive"] = "arson"  # the 7th data row: row 8 of the file
        _write(landing / "fire_incidents" / f"{month}-{SLUG}-fire-incidents.csv", FIRE_HEADER, bad)
        assert build.main([]) == 1  # a rejected file fails the build; the rest publishes
        report = next((data / "quarantine").rglob("*.error.txt")).read_text()
        assert "row 8" in report and "motive" in report and "arson" in report, report

        def check() -> datetime:
            card = published_scorecard(data, CSP)
            after = card[("asb_council", month)]
            assert after["count"] == 190  # the latest
            assert after["first_reported_count"] == 150  # as first published
            assert after["first_reported_at"] == before["first_reported_at"]
            assert after["is_restated"] and after["source_file"].endswith(name)
            assert not [k for k in card if k[0].startswith(("deliberate", "false_alarm"))]
            con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
            try:
                rows = con.execute(
                    "SELECT count_before, count_after, first_reported_count, restated_at, "
                    "source_file FROM main.restatements WHERE measure_code = 'asb_council' "
                    "AND area_code = ? AND period_month = ?",
                    [CSP, date(2018, 10, 1)],
                ).fetchall()
            finally:
                con.close()
            assert len(rows) == 1, rows
            ((b, a, f, at, file),) = rows
            assert (b, a, f) == (150, 190, 150) and file.endswith(name)
            assert at is not None and at > before["first_reported_at"]
            return at

        restated_at = check()

        # the warehouse is lost: rebuilt from landing, the publish history keeps the first report
        (data / "warehouse.duckdb").unlink()
        history = sorted((data / "history").glob("published-*.parquet"))
        assert len(history) == 2
        assert build.main([]) == 0  # the bad fire file was moved to quarantine
        assert check() == restated_at
        # nothing new or changed was published: the history did not grow
        assert sorted((data / "history").glob("published-*.parquet")) == history
