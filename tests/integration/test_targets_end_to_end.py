"""Targets and RAG, end to end from partner files: seed 002's plan and seed 000's completion.

Milton Keynes's partner files for FY 2011/12 to 2015/16 are written as the partners send them
(data.police.uk street files, the force's record-level crime extract, a treatment provider's
snapshot) and built with `csp build` (ingest, dbt, publish) in a subprocess, against a copy
of the dbt project whose targets register (seeds/targets.csv) is this test's. The figures
are read from the published serving file. Every expected figure is computed here from the
files (the csv module, seeds/areas.csv, seeds/offence_classification.csv) by the rules of
spec/measures.md ("Targets and RAG"), never from the warehouse; the documents' rounded
figures are asserted beside them:

- seed 002's 1.3: ASB 12,043 in 2015/16 against the 3-year average 13,425 (2011/12 to
  2013/14): −10.3%, target 12,082.5 (−10%), Green; a baseline typed in the register for
  2014/15 (baseline_source 'register');
- seed 002's 2.1: violence with injury 1,440 against 2014/15's 1,146: +25.7%, Red;
- seed 002's 4.1: criminal damage 2,203 against the 3-year average 2,318: −5.0%, target
  2,202.1, Amber (within the 5% tolerance); better than last year in 2014/15, month by month;
- seed 000: adult successful completion 37.5% (3 of 8 exits, May 2012) against 48%:
  −10.5 points, Red; the months no snapshot covers: 'No data';
- the projected outturn of a month mid-year: YTD × last FY's full year / last FY's same
  months (last year's seasonal profile).
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from build_support import build_env, published_scorecard
from dbt_support import copy_project
from test_targets_register import HEADER

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CSP = "E22000307"  # Milton Keynes
FORCE = "E23000029"  # Thames Valley
FORCE_NAME = "Thames Valley Police"
FORCE_SLUG = "thames-valley"
SLUG = "milton-keynes"
KEY = "targets-worked-example-key"
FIRST_FY, LAST_FY = 2011, 2015  # FY 2011/12 ... 2015/16

STREET_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
CRIME_HEADER = [
    "crime_ref",
    "force_code",
    "recorded_date",
    "offence_code",
    "offence_description",
    "lsoa_code",
    "location_type",
    "domestic_abuse",
    "hate_race",
    "hate_religion",
    "hate_sexual_orientation",
    "hate_disability",
    "hate_transgender",
    "victim_ref",
    "victim_age",
    "victim_gender",
    "outcome",
]
TREATMENT_HEADER = [
    "episode_ref",
    "extract_month",
    "client_ref",
    "csp_code",
    "cohort",
    "substance_group",
    "criminal_justice_referral",
    "start_date",
    "end_date",
    "exit_reason",
    "client_gender",
    "client_age",
]

# The documents' figures (seed 002): yearly totals, and quarters where the report gives them
# (Q1, the year to date at Q2, Q3 and Q4, differenced). FY start year -> total or quarters.
ASB_YEARS = {2011: 13_000, 2012: 13_425, 2013: 13_850, 2014: 12_469, 2015: [3109, 3387, 2954, 2593]}
VIOLENCE_YEARS = {2014: [260, 303, 303, 280], 2015: [326, 347, 355, 412]}
DAMAGE_YEARS = {
    2011: 2_300,
    2012: 2_318,
    2013: [480, 560, 650, 646],  # 2,336: a first quarter below 2014/15's
    2014: [536, 490, 544, 541],  # 2,111
    2015: [531, 530, 625, 517],  # 2,203
}
# Uneven monthly profiles (April first), so last year's seasonal profile is not a straight line
PROFILES = {
    "asb": [1.00, 1.10, 1.18, 1.22, 1.15, 0.98, 0.95, 0.86, 0.80, 0.78, 0.84, 0.94],
    "asb_2014": [0.90, 1.02, 1.25, 1.30, 1.20, 1.00, 0.92, 0.85, 0.78, 0.80, 0.86, 0.95],
    "crime": [0.95, 1.05, 1.02, 1.10, 1.08, 0.97, 1.04, 0.99, 0.96, 0.90, 0.92, 1.02],
}

# The register (seeds/targets.csv): seed 002's plan for 2015/16 (and two rows for 2014/15),
# seed 000's completion target for 2012/13
REGISTER_HEADER = HEADER  # the register's columns, as test_targets_register writes them
REGISTER = [
    ["asb_police", "csp", CSP, "2015/16", "reduce_by_pct", "10", "mean_3fy", "2013/14", "", "",
     "Seed 002 1.3: baseline 13,425 incidents, 3 yr average"],
    ["violence_with_injury", "csp", CSP, "2015/16", "reduce_by_pct", "5", "previous_fy", "", "",
     "", "Seed 002 2.1: baseline 2014/15, 1,146 offences"],
    ["criminal_damage", "csp", CSP, "2015/16", "reduce_by_pct", "5", "mean_3fy", "2013/14", "",
     "", "Seed 002 4.1: baseline 2,318 crimes, 3 yr average (2011/12 to 2013/14)"],
    ["treatment_adult_successful_completion", "csp", CSP, "2012/13", "at_or_above", "48", "", "",
     "", "", "Seed 000: adults successfully completing treatment, =<48%"],
    ["criminal_damage", "csp", CSP, "2014/15", "better_than_last_year", "", "", "", "", "",
     "Fewer criminal damage offences than last year"],
    ["asb_police", "csp", CSP, "2014/15", "reduce_by_pct", "10", "", "", "13425", "",
     "Seed 002 1.3, Year 1: the plan's baseline, typed"],
]  # fmt: skip
TYPED_BASELINE = 13_425.0

# Seed 000, May 2012: 8 adults exited treatment since 1 April, 3 successfully (37.5%).
# (episode, client, cohort, substance, start, end, exit reason)
EPISODES_MAY_2012 = [
    ("E01", "C01", "adult", "opiate", "2011-09-01", "2012-04-12", "successful completion"),
    ("E02", "C02", "adult", "non-opiate", "2011-11-15", "2012-04-20", "dropped out"),
    ("E03", "C03", "adult", "alcohol", "2012-01-09", "2012-04-27", "transferred - not in custody"),
    ("E04", "C04", "adult", "opiate", "2011-06-01", "2012-05-03", "successful completion"),
    ("E05", "C05", "adult", "non-opiate and alcohol", "2012-02-01", "2012-05-10", "dropped out"),
    ("E06", "C06", "adult", "alcohol", "2012-03-05", "2012-05-18", "successful completion"),
    ("E07", "C07", "adult", "opiate", "2010-12-01", "2012-05-22", "treatment withdrawn"),
    ("E08", "C08", "adult", "non-opiate", "2012-04-02", "2012-05-30", "moved away"),
    ("E09", "C09", "adult", "opiate", "2012-01-20", "", ""),
    ("E10", "C10", "adult", "alcohol", "2012-05-07", "", ""),
    ("E11", "C11", "young person", "non-opiate", "2012-03-01", "2012-05-15",
     "successful completion"),
]  # fmt: skip


def _fy_months(fy: int) -> list[tuple[int, int]]:
    return [(fy, m) for m in range(4, 13)] + [(fy + 1, m) for m in range(1, 4)]


MONTHS = [f"{y}-{m:02d}" for fy in range(FIRST_FY, LAST_FY + 1) for y, m in _fy_months(fy)]


def _fy_of(month: str) -> int:
    y, m = map(int, month.split("-"))
    return y if m >= 4 else y - 1


def _fy_label(fy: int) -> str:
    return f"{fy}/{(fy + 1) % 100:02d}"


def _month_number(month: str) -> int:
    """1 = April ... 12 = March."""
    return (int(month[5:]) - 4) % 12 + 1


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` over len(weights) parts in proportion (largest remainder): integers summing to it."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _monthly(years: dict[int, int | list[int]], profile: list[float]) -> dict[str, int]:
    """Month -> count: a year's total spread by `profile`, a year's quarters each over theirs."""
    out = {}
    for fy, figure in years.items():
        if isinstance(figure, int):
            counts = _split(figure, profile)
        else:
            counts = [
                n for q, t in enumerate(figure) for n in _split(t, profile[3 * q : 3 * q + 3])
            ]
        for (y, m), n in zip(_fy_months(fy), counts, strict=True):
            out[f"{y}-{m:02d}"] = n
    return out


def _seed(name: str) -> list[dict[str, str]]:
    with open(REPO / "seeds" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _lsoas() -> dict[str, str]:
    """Milton Keynes's LSOAs: code -> name."""
    return {r["lsoa_code"]: r["lsoa_name"] for r in _seed("areas.csv") if r["csp_code"] == CSP}


def _offences() -> dict[str, dict[str, str]]:
    return {r["offence_code"]: r for r in _seed("offence_classification.csv")}


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _write_landing(landing: Path) -> None:
    """A month's police files for every month of FY 2011/12 to 2015/16, and May 2012's
    treatment snapshot."""
    lsoas = sorted(_lsoas().items())
    offences = _offences()
    violence = sorted(
        c for c, r in offences.items() if r["offence_group"] == "Violence with injury"
    )
    damage = sorted(
        c for c, r in offences.items() if r["police_uk_crime_type"] == "Criminal damage and arson"
    )
    asb = _monthly(ASB_YEARS, PROFILES["asb"]) | _monthly(
        {2014: ASB_YEARS[2014]}, PROFILES["asb_2014"]
    )
    vwi = _monthly(VIOLENCE_YEARS, PROFILES["crime"])
    cd = _monthly(DAMAGE_YEARS, PROFILES["crime"][::-1])
    serial = 0
    for month in MONTHS:
        y, m = map(int, month.split("-"))
        days = calendar.monthrange(y, m)[1]
        crimes = []
        for codes, n in ((violence, vwi.get(month, 0)), (damage, cd[month])):
            for i in range(n):
                serial += 1
                code = codes[i % len(codes)]
                lsoa = lsoas[(serial * 7) % len(lsoas)][0]
                crimes.append(
                    [
                        f"TVP-{y}-{serial:07d}",
                        FORCE,
                        date(y, m, 1 + i % days).isoformat(),
                        code,
                        offences[code]["offence_description"],
                        lsoa,
                        "dwelling" if i % 3 == 0 else "public_place",
                        "Y" if code in violence and i % 4 == 0 else "N",
                        *["N"] * 5,
                        f"V{serial:08d}",
                        str(18 + serial % 60),
                        ("female", "male")[serial % 2],
                        "Investigation complete; no suspect identified",
                    ]
                )
        _write(landing / "police_crime" / f"{month}-{FORCE_SLUG}-crime.csv", CRIME_HEADER, crimes)
        # data.police.uk: the crimes of the record-level file and the month's ASB incidents
        names = dict(lsoas)
        street = [
            [
                hashlib.sha256(c[0].encode()).hexdigest(),
                month,
                FORCE_NAME,
                FORCE_NAME,
                "-0.759",
                "52.041",
                "On or near Midsummer Boulevard",
                c[5],
                names[c[5]],
                offences[c[3]]["police_uk_crime_type"],
                "Investigation complete; no suspect identified",
                "",
            ]
            for c in crimes
        ]
        for i in range(asb[month]):
            code, name = lsoas[(i * 11 + m) % len(lsoas)]
            street.append(
                [
                    "",
                    month,
                    FORCE_NAME,
                    FORCE_NAME,
                    "-0.759",
                    "52.041",
                    "On or near Silbury Boulevard",
                    code,
                    name,
                    "Anti-social behaviour",
                    "",
                    "",
                ]
            )
        street.sort(key=lambda r: r[8])
        _write(
            landing / "police_street" / f"{month}-{FORCE_SLUG}-street.csv", STREET_HEADER, street
        )
    _write(
        landing / "treatment_episodes" / f"2012-05-{SLUG}-treatment-episodes.csv",
        TREATMENT_HEADER,
        [
            [ref, "2012-05", client, CSP, cohort, subst, "N", start, end, reason, "male",
             "16" if cohort == "young person" else "34"]
            for ref, client, cohort, subst, start, end, reason in EPISODES_MAY_2012
        ],
    )  # fmt: skip


def _register(path: Path) -> None:
    _write(path, REGISTER_HEADER, REGISTER)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """Five years of police files and a treatment snapshot, built once with the test's
    register in a copy of the dbt project."""
    tmp = tmp_path_factory.mktemp("targets")
    data = tmp / "data"
    _write_landing(data / "landing")
    project = copy_project(tmp)
    _register(tmp / "seeds" / "targets.csv")
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        mp.setenv("CSP_DBT_PROJECT_DIR", str(project))
        started = time.monotonic()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "csp"), "build"],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        elapsed = time.monotonic() - started
    assert proc.returncode == 0, (proc.stdout[-4000:], proc.stderr[-4000:])
    print(f"csp build: {elapsed:.0f}s")
    return {"card": published_scorecard(data, CSP), "landing": data / "landing"}


# -- the figures, counted from the files ---------------------------------------------------


def _counts_from_files(landing: Path) -> dict[str, Counter]:
    """Month counts in Milton Keynes of each measure, by the catalogue's rules: ASB from the
    data.police.uk rows of the category; violence with injury and criminal damage from the
    record-level extract, by the offence code's group / data.police.uk category."""
    lsoas, offences = _lsoas(), _offences()
    counts: dict[str, Counter] = defaultdict(Counter)
    for path in sorted((landing / "police_street").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["Crime type"] == "Anti-social behaviour" and r["LSOA code"] in lsoas:
                    counts["asb_police"][r["Month"]] += 1
    for path in sorted((landing / "police_crime").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["lsoa_code"] not in lsoas:
                    continue
                offence = offences[r["offence_code"]]
                month = r["recorded_date"][:7]
                if offence["offence_group"] == "Violence with injury":
                    counts["violence_with_injury"][month] += 1
                if offence["police_uk_crime_type"] == "Criminal damage and arson":
                    counts["criminal_damage"][month] += 1
    return counts


def _ytd(monthly: Counter, month: str) -> int:
    fy, n = _fy_of(month), _month_number(month)
    return sum(monthly[f"{y}-{m:02d}"] for y, m in _fy_months(fy)[:n])


def _outturn(monthly: Counter, fy: int) -> int:
    return _ytd(monthly, f"{fy + 1}-03")


def _last_year(month: str) -> str:
    return f"{int(month[:4]) - 1}{month[4:]}"


def _projection(monthly: Counter, month: str) -> tuple[float, str]:
    """measures.md: YTD × last FY's full year / last FY's same months; YTD × 12 / months
    elapsed without last year; the outturn at the year's end."""
    ytd, n = _ytd(monthly, month), _month_number(month)
    if n == 12:
        return float(ytd), "outturn"
    fy = _fy_of(month)
    if fy - 1 >= FIRST_FY and _ytd(monthly, _last_year(month)) > 0:
        return ytd * _outturn(monthly, fy - 1) / _ytd(monthly, _last_year(month)), (
            "last_year_profile"
        )
    return ytd * 12 / n, "straight_line"


def _rag(judged: float, target: float, tolerance: float, *, lower: bool, at_is_green: bool) -> str:
    """Green on course; Amber within the tolerance of the target; Red beyond it."""
    if lower:
        judged, target = -judged, -target
    if judged > target or (judged == target and at_is_green):
        return "Green"
    return "Amber" if judged >= target - tolerance else "Red"


def _round_half_up(x: float, places: int = 1) -> float:
    """As a report rounds: −10.29 → −10.3, −4.96 → −5.0."""
    q = 10**places
    return (1 if x >= 0 else -1) * int(abs(x) * q + 0.5) / q


def _display(x: float) -> str:
    """A count as the reasons print it: 12,082.5 → "12,083" (half away from zero)."""
    return f"{_round_half_up(x, 0):,.0f}"


# -- the tests -----------------------------------------------------------------------------


def test_the_files_hold_the_documents_figures(built):
    counts = _counts_from_files(built["landing"])
    asb, vwi, cd = counts["asb_police"], counts["violence_with_injury"], counts["criminal_damage"]
    assert [_outturn(asb, fy) for fy in range(2011, 2016)] == [
        13_000,
        13_425,
        13_850,
        12_469,
        12_043,
    ]
    assert sum(_outturn(asb, fy) for fy in (2011, 2012, 2013)) / 3 == 13_425
    assert [_ytd(asb, f"2015-{m:02d}") for m in (6, 9, 12)] == [3109, 6496, 9450]
    assert (_outturn(vwi, 2014), _outturn(vwi, 2015)) == (1146, 1440)
    assert [_ytd(vwi, m) for m in ("2015-06", "2015-09", "2015-12")] == [326, 673, 1028]
    assert [_outturn(cd, fy) for fy in range(2011, 2016)] == [2300, 2318, 2336, 2111, 2203]
    assert sum(_outturn(cd, fy) for fy in (2011, 2012, 2013)) / 3 == 2318
    assert [_ytd(cd, m) for m in ("2015-06", "2015-09", "2015-12")] == [531, 1061, 1686]
    # spread unevenly: the seasonal profile matters
    assert len({asb[f"2015-{m:02d}"] for m in range(4, 13)}) > 6
    # and the scorecard counted what the files hold, every month
    card = built["card"]
    for code, monthly in counts.items():
        for month in MONTHS:
            row = card[(code, month)]
            assert (row["count"], row["ytd_count"]) == (monthly[month], _ytd(monthly, month)), (
                code,
                month,
            )


def test_asb_seed_002_against_the_three_year_average(built):
    card = built["card"]
    asb = _counts_from_files(built["landing"])["asb_police"]
    baseline = sum(_outturn(asb, fy) for fy in (2011, 2012, 2013)) / 3
    target = baseline * (1 - 10 / 100)
    assert (baseline, target) == (13_425, 12_082.5)
    row = card[("asb_police", "2016-03")]
    judged = _outturn(asb, 2015)
    assert judged == 12_043
    assert row["target_type"] == "reduce_by_pct"
    assert (row["baseline_method"], row["baseline_source"]) == ("mean_3fy", "data")
    assert row["baseline"] == pytest.approx(baseline)
    assert row["target"] == pytest.approx(target)
    assert (row["projected_outturn"], row["projection_method"]) == (judged, "outturn")
    assert row["judged_value"] == judged
    change = (judged - baseline) / baseline * 100
    assert row["change_vs_baseline_pct"] == pytest.approx(change)
    assert round(row["change_vs_baseline_pct"], 1) == _round_half_up(change) == -10.3
    assert row["distance_from_target"] == pytest.approx(judged - target)
    assert row["tolerance"] == pytest.approx(target * 5 / 100)
    assert row["rag"] == _rag(judged, target, target * 0.05, lower=True, at_is_green=True)
    assert row["rag"] == "Green"  # 12,043 ≤ 12,082.5
    reason = row["rag_reason"]
    assert reason.startswith("Outturn 12,043 against a target of at most 12,083 "), reason
    assert _display(target) == "12,083"
    assert "3-year average baseline 13,425 −10%" in reason and reason.endswith(": Green"), reason


def test_projected_outturn_follows_last_years_profile(built):
    card = built["card"]
    counts = _counts_from_files(built["landing"])
    for code, target_of in {
        "asb_police": lambda: 13_425 * 0.9,
        "criminal_damage": lambda: 2_318 * 0.95,
        "violence_with_injury": lambda: 1_146 * 0.95,
    }.items():
        monthly = counts[code]
        for month in MONTHS[-12:]:
            row = card[(code, month)]
            projected, method = _projection(monthly, month)
            assert row["projection_method"] == method, (code, month)
            assert row["projected_outturn"] == pytest.approx(projected), (code, month)
            assert row["judged_value"] == pytest.approx(projected), (code, month)
            target = target_of()
            assert row["target"] == pytest.approx(target), (code, month)
            expected = _rag(projected, target, target * 0.05, lower=True, at_is_green=True)
            assert row["rag"] == expected, (code, month, projected, target)
            word = "Outturn " if method == "outturn" else "Projected "
            assert row["rag_reason"].startswith(f"{word}{_display(projected)} against"), (
                code,
                row["rag_reason"],
            )
    # September 2015 by hand: YTD × 2014/15's year / 2014/15's April to September
    asb = counts["asb_police"]
    ytd, last_ytd = _ytd(asb, "2015-09"), _ytd(asb, "2014-09")
    assert ytd == 6496
    row = card[("asb_police", "2015-09")]
    assert row["projection_method"] == "last_year_profile"
    assert row["projected_outturn"] == pytest.approx(ytd * 12_469 / last_ytd)
    # not the straight line: last year's summer was busier than its winter
    assert abs(row["projected_outturn"] - ytd * 12 / 6) > 100


def test_violence_seed_002_against_last_years_outturn(built):
    card = built["card"]
    vwi = _counts_from_files(built["landing"])["violence_with_injury"]
    baseline, judged = _outturn(vwi, 2014), _outturn(vwi, 2015)
    assert (baseline, judged) == (1146, 1440)
    target = baseline * 0.95
    row = card[("violence_with_injury", "2016-03")]
    assert (row["baseline_method"], row["baseline_source"]) == ("previous_fy", "data")
    assert row["baseline"] == baseline and row["judged_value"] == judged
    assert row["target"] == pytest.approx(target)
    change = (judged - baseline) / baseline * 100
    assert row["change_vs_baseline_pct"] == pytest.approx(change)
    assert _round_half_up(row["change_vs_baseline_pct"]) == 25.7  # "an increase of 294 (25.7%)"
    assert row["ytd_count"] - row["ytd_count_last_year"] == 294
    assert row["ytd_change_pct"] == pytest.approx(change)
    assert row["rag"] == _rag(judged, target, target * 0.05, lower=True, at_is_green=True) == "Red"
    assert "a target of at most 1,089 (previous-year baseline 1,146 −5%)" in row["rag_reason"]
    assert row["rag_reason"].startswith("Outturn 1,440 against") and row["rag_reason"].endswith(
        ": Red"
    )


def test_criminal_damage_seed_002_amber_within_tolerance(built):
    card = built["card"]
    cd = _counts_from_files(built["landing"])["criminal_damage"]
    baseline = sum(_outturn(cd, fy) for fy in (2011, 2012, 2013)) / 3
    judged = _outturn(cd, 2015)
    target = baseline * (1 - 5 / 100)
    assert (baseline, judged) == (2318, 2203)
    assert round(target, 1) == 2202.1
    row = card[("criminal_damage", "2016-03")]
    assert row["source"] == "police_crime"  # the record-level extract, not data.police.uk
    assert row["baseline"] == pytest.approx(baseline) and row["baseline_source"] == "data"
    assert row["target"] == pytest.approx(target)
    assert row["judged_value"] == judged
    change = (judged - baseline) / baseline * 100
    assert row["change_vs_baseline_pct"] == pytest.approx(change)
    assert _round_half_up(row["change_vs_baseline_pct"]) == -5.0  # 115 crimes below 2,318
    assert baseline - judged == 115
    # 2,203 is above 2,202.1, within 5% of it: Amber, not Green
    assert row["tolerance"] == pytest.approx(target * 0.05)
    assert row["distance_from_target"] == pytest.approx(judged - target)
    assert row["rag"] == _rag(judged, target, target * 0.05, lower=True, at_is_green=True)
    assert row["rag"] == "Amber"
    reason = row["rag_reason"]
    assert reason.startswith("Outturn 2,203 against a target of at most 2,202 "), reason
    assert "3-year average baseline 2,318 −5%" in reason, reason
    assert reason.endswith(": Amber (within the tolerance of 5% of the target)"), reason


def test_criminal_damage_better_than_last_year_month_by_month(built):
    card = built["card"]
    cd = _counts_from_files(built["landing"])["criminal_damage"]
    seen = set()
    for month in MONTHS[36:48]:  # FY 2014/15
        row = card[("criminal_damage", month)]
        ytd, last = _ytd(cd, month), _ytd(cd, _last_year(month))
        assert row["target_type"] == "better_than_last_year", month
        assert (row["judged_value"], row["target"]) == (ytd, last), month
        expected = _rag(ytd, last, last * 0.05, lower=True, at_is_green=False)
        assert row["rag"] == expected, (month, ytd, last)
        assert row["baseline"] is None and row["baseline_source"] is None
        assert row["rag_reason"].startswith(
            f"Year to date {ytd:,} against {last:,} at the same point last year (lower is better)"
        ), row["rag_reason"]
        seen.add(expected)
    # seed 002's quarters: Q1 536 against 480 (Red); the year 2,111 against 2,336 (Green)
    assert {"Green", "Red"} <= seen
    assert card[("criminal_damage", "2014-06")]["rag"] == "Red"
    assert card[("criminal_damage", "2015-03")]["rag"] == "Green"
    # no target for 2013/14: no status
    assert card[("criminal_damage", "2014-03")]["rag"] is None


def test_a_baseline_typed_in_the_register(built):
    card = built["card"]
    asb = _counts_from_files(built["landing"])["asb_police"]
    target = TYPED_BASELINE * 0.9
    for month in MONTHS[36:48]:  # FY 2014/15
        row = card[("asb_police", month)]
        assert row["baseline"] == TYPED_BASELINE and row["baseline_source"] == "register", month
        assert row["baseline_method"] is None
        assert row["target"] == pytest.approx(target)
        assert "(typed baseline 13,425 −10%)" in row["rag_reason"], row["rag_reason"]
        projected, _ = _projection(asb, month)
        expected = _rag(projected, target, target * 0.05, lower=True, at_is_green=True)
        assert row["rag"] == expected, (month, projected)
    row = card[("asb_police", "2015-03")]
    assert row["judged_value"] == 12_469  # "Year 1 - 12,469 incidents - 2014/15"
    assert row["change_vs_baseline_pct"] == pytest.approx((12_469 - 13_425) / 13_425 * 100)
    # 12,469 is above 12,082.5 and within 5% of it: Amber
    assert row["rag"] == "Amber"


def test_seed_000_adult_completion_against_48_percent(built):
    card = built["card"]
    start, end = date(2012, 4, 1), date(2012, 5, 31)
    exits = [
        e
        for e in EPISODES_MAY_2012
        if e[2] == "adult" and e[5] and start <= date.fromisoformat(e[5]) <= end
    ]
    successes = sum(e[6] == "successful completion" for e in exits)
    assert (successes, len(exits)) == (3, 8)
    rate = 100 * successes / len(exits)
    row = card[("treatment_adult_successful_completion", "2012-05")]
    assert (row["count"], row["denominator"], row["value"]) == (3, 8, 37.5)
    assert row["definition_number"] == 1  # those exiting: the definition before 2025/26
    assert row["target_type"] == "at_or_above" and row["target"] == 48
    assert row["judged_value"] == rate
    assert row["distance_from_target"] == pytest.approx(rate - 48) == -10.5  # "=<48% -10.5%"
    assert row["tolerance"] == 2  # points, the default for a %
    assert row["change_vs_baseline_pct"] is None and row["baseline"] is None
    assert row["rag"] == _rag(rate, 48, 2, lower=False, at_is_green=True) == "Red"
    reason = row["rag_reason"]
    assert "37.5%" in reason and "48.0%" in reason and reason.endswith(": Red"), reason
    # April from the same snapshot: 1 of 3 exits
    april = card[("treatment_adult_successful_completion", "2012-04")]
    assert (april["count"], april["denominator"]) == (1, 3)
    assert april["rag"] == _rag(100 / 3, 48, 2, lower=False, at_is_green=True) == "Red"


def test_a_month_without_data_is_no_data_never_green(built):
    card = built["card"]
    # June 2012 to March 2013: no treatment snapshot covers them; the register's row is judged
    for month in MONTHS[14:24]:
        row = card[("treatment_adult_successful_completion", month)]
        assert row["value"] is None and row["target_type"] == "at_or_above", month
        assert row["judged_value"] is None and row["rag"] == "No data", month
        name = date(int(month[:4]), int(month[5:]), 1).strftime("%B %Y")
        assert row["rag_reason"] == f"No data for {name}: no status", row["rag_reason"]
    # nowhere is a status Green without a figure judged
    greens = [r for r in card.values() if r["rag"] == "Green"]
    assert greens and all(r["judged_value"] is not None for r in greens)
    # every register row judged something: its rows carry a status, other rows none
    judged = {(r["measure_code"], r["financial_year"]) for r in card.values() if r["rag"]}
    assert judged == {(r[0], r[3]) for r in REGISTER}
    assert all(r["rag_reason"] is None for r in card.values() if r["target_type"] is None)
