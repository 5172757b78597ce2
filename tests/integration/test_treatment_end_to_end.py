"""Drug and alcohol treatment and court orders, end to end from partner files.

The treatment provider's monthly snapshots and probation's quarterly snapshot for Milton
Keynes are written as the partners send them and built with `csp build` (ingest, dbt,
publish); the figures are read from the published serving file. Every expected figure is
counted here from the files by the catalogue's definition (the csv module), and the hand
count of the worked example is asserted beside it:

- adults in drug treatment (one client with two episodes, counted once), adults in
  alcohol-only treatment, young people: distinct clients with an episode open at any time
  from 1 April to the month's end; an episode that ended before 1 April counted nowhere;
- seed 000's "37.5%": 3 successful completions of 8 adult exits in the FY to date, with its
  Wilson interval, under the definition in force in 2024/25 (those exiting);
- a newer snapshot for the same month replaces the older one (no double counting), and the
  year's figures come from the newest snapshot of the year (June restated by July's);
- from 2025/26 the adult rate's second definition (all in treatment) counts and labels the
  figures: a new definition from a date, never a silent jump;
- DRRs and ATRs commenced, completed and revoked by month, from the quarter's snapshot.
"""

from __future__ import annotations

import calendar
import csv
import math
from datetime import date
from pathlib import Path

import duckdb
import pytest
from build_support import build_env, published_scorecard

from orchestration import build

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CSP = "E22000307"  # Milton Keynes
SLUG = "milton-keynes"
KEY = "treatment-worked-example-key"
HEADER = [  # the contract's columns, in the provider's own order
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
ORDER_HEADER = [
    "extract_month",
    "order_ref",
    "offender_ref",
    "csp_code",
    "order_type",
    "commenced_date",
    "end_date",
    "end_reason",
]
DRUGS = ("opiate", "non-opiate", "non-opiate and alcohol")

# The worked example, FY 2024/25 as known at the end of July 2024:
# (episode, client, cohort, substance, start, end, exit reason)
EPISODES_2024 = [
    ("E01", "C001", "adult", "opiate", "2024-01-15", "2024-05-10", "successful completion"),
    ("E02", "C001", "adult", "opiate", "2024-06-01", "", ""),  # C001's second episode
    ("E03", "C002", "adult", "non-opiate", "2024-04-20", "2024-06-30", "successful completion"),
    ("E04", "C003", "adult", "non-opiate and alcohol", "2023-12-01", "2024-04-30", "dropped out"),
    ("E05", "C004", "adult", "opiate", "2024-05-05", "", ""),
    # ended before 1 April: in the snapshot, counted nowhere
    ("E06", "C005", "adult", "opiate", "2023-10-01", "2024-03-20", "dropped out"),
    (
        "E07",
        "C006",
        "adult",
        "non-opiate",
        "2024-06-10",
        "2024-07-15",
        "transferred - not in custody",
    ),
    ("E08", "C007", "adult", "opiate", "2024-02-01", "2024-07-20", "died"),
    ("E09", "C010", "adult", "alcohol", "2024-03-01", "2024-06-15", "successful completion"),
    ("E10", "C011", "adult", "alcohol", "2024-05-01", "", ""),
    ("E11", "C012", "adult", "alcohol", "2024-04-02", "2024-07-01", "dropped out"),
    ("E12", "C013", "adult", "alcohol", "2024-04-10", "2024-05-25", "treatment withdrawn"),
    ("E13", "C020", "young person", "non-opiate", "2024-04-05", "", ""),
    ("E14", "C021", "young person", "alcohol", "2024-02-01", "2024-06-01", "successful completion"),
]
# April 2025 (FY 2025/26): the adult rate's second definition applies
EPISODES_2025 = [
    ("E05", "C004", "adult", "opiate", "2024-05-05", "", ""),
    ("E10", "C011", "adult", "alcohol", "2024-05-01", "", ""),
    ("E20", "C030", "adult", "alcohol", "2025-04-03", "2025-04-28", "successful completion"),
]
# Probation's Q1 2024/25 snapshot: (order, offender, type, commenced, end, reason)
ORDERS_Q1 = [
    ("O1", "P1", "DRR", "2024-04-03", "", ""),
    ("O2", "P2", "DRR", "2024-04-17", "", ""),
    ("O3", "P3", "DRR", "2024-05-09", "", ""),
    ("O4", "P4", "ATR", "2024-06-12", "", ""),
    ("O5", "P5", "DRR", "2023-11-01", "2024-05-20", "completed"),
    ("O6", "P6", "DRR", "2023-12-01", "2024-06-05", "revoked for further offending"),
    ("O7", "P7", "ATR", "2024-01-08", "2024-04-30", "completed"),
    ("O8", "P8", "DRR", "2023-09-01", "2024-03-15", "completed"),  # ended last FY
]


def _month_end(month: str) -> date:
    y, m = map(int, month.split("-"))
    return date(y, m, calendar.monthrange(y, m)[1])


def _fy_start(month: str) -> date:
    y, m = map(int, month.split("-"))
    return date(y if m >= 4 else y - 1, 4, 1)


def _known_at(episodes: list[tuple], month: str, keep: tuple[str, ...] = ()) -> list[tuple]:
    """The snapshot of `month`: the episodes started by its end and open at some time in its
    FY (and those of `keep`, which the provider sent although they ended before 1 April), an
    end after the month not known yet."""
    end, start = _month_end(month), _fy_start(month)
    out = []
    for e in episodes:
        began, ended = date.fromisoformat(e[4]), (date.fromisoformat(e[5]) if e[5] else None)
        if began > end or (ended is not None and ended < start and e[0] not in keep):
            continue
        out.append(e if ended is None or ended <= end else (*e[:5], "", ""))
    return out


def _july() -> list[tuple]:
    """July 2024's snapshot as restated: with E06, which ended on 20 March."""
    return _known_at(EPISODES_2024, "2024-07", keep=("E06",))


def _write_snapshot(landing: Path, month: str, episodes: list[tuple], suffix: str = "") -> None:
    path = landing / "treatment_episodes" / f"{month}-{SLUG}-treatment-episodes{suffix}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for ref, client, cohort, subst, start, end, reason in episodes:
            age = "16" if cohort == "young person" else "34"
            w.writerow(
                [ref, month, client, CSP, cohort, subst, "N", start, end, reason, "male", age]
            )


def _write_orders(landing: Path, month: str, orders: list[tuple]) -> None:
    path = landing / "court_orders" / f"2024-25-Q1-{SLUG}-court-orders.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(ORDER_HEADER)
        for ref, who, kind, start, end, reason in orders:
            w.writerow([month, ref, who, CSP, kind, start, end, reason])


def _clients(episodes: list[tuple], month: str, rule) -> int:
    """Distinct clients with an episode meeting `rule` open at any time from 1 April to the
    end of `month` (the catalogue's distinct_ytd definition)."""
    start, end = _fy_start(month), _month_end(month)
    return len(
        {
            e[1]
            for e in episodes
            if rule(e)
            and date.fromisoformat(e[4]) <= end
            and (not e[5] or date.fromisoformat(e[5]) >= start)
        }
    )


def _exits(episodes: list[tuple], month: str, cohort: str) -> tuple[int, int]:
    """(successful completions, exits) of the cohort from 1 April to the end of `month`."""
    start, end = _fy_start(month), _month_end(month)
    ended = [
        e for e in episodes if e[2] == cohort and e[5] and start <= date.fromisoformat(e[5]) <= end
    ]
    return sum(e[6] == "successful completion" for e in ended), len(ended)


def _wilson(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denom = 1 + z * z / trials
    return 100 * (centre - half) / denom, 100 * (centre + half) / denom


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """June and July 2024 snapshots (July's first extract wrong), the quarter's court
    orders and April 2025's snapshot, built; then July's restated extract, built again."""
    data = tmp_path_factory.mktemp("treatment") / "data"
    landing = data / "landing"
    _write_snapshot(landing, "2024-06", _known_at(EPISODES_2024, "2024-06"))
    # July's first extract: E12's exit not yet recorded, and an episode entered in error
    first = [e if e[0] != "E12" else (*e[:5], "", "") for e in _july()]
    first.append(("E99", "C099", "adult", "opiate", "2024-07-02", "", ""))
    _write_snapshot(landing, "2024-07", first)
    _write_snapshot(landing, "2025-04", EPISODES_2025)
    _write_orders(landing, "2024-06", ORDERS_Q1)
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        assert build.main([]) == 0
        before = published_scorecard(data, CSP)
        _write_snapshot(landing, "2024-07", _july(), suffix=".restated-1")
        assert build.main([]) == 0
        after = published_scorecard(data, CSP)
    return {"before": before, "after": after, "data": data}


def test_clients_counted_once_in_the_year_from_the_newest_snapshot(built):
    card = built["after"]
    july = _july()
    drug = lambda e: e[2] == "adult" and e[3] in DRUGS  # noqa: E731
    alcohol = lambda e: e[2] == "adult" and e[3] == "alcohol"  # noqa: E731
    young = lambda e: e[2] == "young person"  # noqa: E731
    expected = {
        # the hand count: C001 (two episodes) once, C005 (ended 20 March) nowhere
        ("treatment_adult_drug_clients", "2024-04"): 4,
        ("treatment_adult_drug_clients", "2024-05"): 5,
        ("treatment_adult_drug_clients", "2024-06"): 6,
        ("treatment_adult_drug_clients", "2024-07"): 6,
        ("treatment_adult_alcohol_clients", "2024-04"): 3,
        ("treatment_adult_alcohol_clients", "2024-07"): 4,
        ("treatment_yp_clients", "2024-07"): 2,
    }
    for (code, month), n in expected.items():
        rule = {"treatment_adult_drug_clients": drug, "treatment_adult_alcohol_clients": alcohol}
        assert _clients(july, month, rule.get(code, young)) == n  # the definition, on the file
        row = card[(code, month)]
        assert (row["count"], row["value"], row["source"]) == (n, n, "treatment_episodes"), (
            code,
            month,
        )
        # the year's figures come from the newest snapshot of the year: July's
        assert row["source_file"] == f"2024-07-{SLUG}-treatment-episodes.restated-1.csv"
    # the months after the newest snapshot of 2024/25 have no data
    assert card[("treatment_adult_drug_clients", "2024-08")]["count"] is None
    # this FY against last: April 2025's snapshot, C004 still open
    april = card[("treatment_adult_drug_clients", "2025-04")]
    assert (april["count"], april["ytd_count_last_year"]) == (1, 4)


def test_seed_000_completion_rate_three_of_eight_exits(built):
    card = built["after"]
    july = _july()
    assert _exits(july, "2024-07", "adult") == (3, 8)
    row = card[("treatment_adult_successful_completion", "2024-07")]
    assert (row["count"], row["denominator"], row["value"]) == (3, 8, 37.5)
    lower, upper = _wilson(3, 8)
    assert row["ci_lower"] == pytest.approx(lower) and row["ci_upper"] == pytest.approx(upper)
    assert row["definition_number"] == 1 and row["definition_valid_from"] is None
    assert "ended" in row["denominator_definition"]
    # April alone: E04 dropped out (0 of 1); May adds E01's success and E12's withdrawal
    assert _exits(july, "2024-04", "adult") == (0, 1)
    may = card[("treatment_adult_successful_completion", "2024-05")]
    assert (may["count"], may["denominator"]) == _exits(july, "2024-05", "adult") == (1, 3)
    yp = card[("treatment_yp_successful_completion", "2024-07")]
    assert (yp["count"], yp["denominator"], yp["value"]) == (1, 1, 100.0)


def test_a_newer_snapshot_for_the_month_replaces_the_older(built):
    before, after = built["before"], built["after"]
    # July's first extract: E99 entered in error (a seventh drug client), E12 still open
    assert before[("treatment_adult_drug_clients", "2024-07")]["count"] == 7
    exits = before[("treatment_adult_successful_completion", "2024-07")]
    assert (exits["count"], exits["denominator"]) == (3, 7)
    # the restated July extract replaces it, for July and for every month it covers
    assert after[("treatment_adult_drug_clients", "2024-07")]["count"] == 6
    may = after[("treatment_adult_successful_completion", "2024-05")]
    assert (may["count"], may["denominator"]) == (1, 3)
    con = duckdb.connect(str(built["data"] / "warehouse.duckdb"), read_only=True)
    try:
        snapshots = con.execute(
            "SELECT source_file, count(*) FROM main_staging.stg_treatment__episodes "
            "WHERE snapshot_month = DATE '2024-07-01' GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert snapshots == [(f"2024-07-{SLUG}-treatment-episodes.restated-1.csv", len(_july()))]
    # the change of a published figure is recorded as a restatement
    row = after[("treatment_adult_drug_clients", "2024-07")]
    assert (row["first_reported_count"], row["is_restated"]) == (7, True)


def test_the_new_definition_counts_and_labels_its_years(built):
    card = built["after"]
    row = card[("treatment_adult_successful_completion", "2025-04")]
    # all adults in treatment: C004, C011, C030; one successful completion (C030)
    assert (row["count"], row["denominator"]) == (1, 3)
    assert row["value"] == pytest.approx(100 / 3)
    assert row["definition_number"] == 2
    assert row["definition_valid_from"] == date(2025, 4, 1)
    assert "all in treatment" in row["denominator_definition"]
    con = duckdb.connect(str(built["data"] / "serving.duckdb"), read_only=True)
    try:
        definitions = con.execute(
            "SELECT definition_number, valid_from, valid_to, is_current "
            "FROM main.dim_measure_definition "
            "WHERE measure_code = 'treatment_adult_successful_completion' ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert definitions == [
        (1, None, date(2025, 4, 1), False),
        (2, date(2025, 4, 1), None, True),
    ]


def test_court_orders_by_month_of_commencement_and_end(built):
    card = built["after"]
    expected = {}
    for month in ("2024-04", "2024-05", "2024-06"):
        for code, kind, event, reason in [
            ("drr_commenced", "DRR", "start", None),
            ("drr_completed", "DRR", "end", "completed"),
            ("drr_revoked", "DRR", "end", "revoked for further offending"),
            ("atr_commenced", "ATR", "start", None),
            ("atr_completed", "ATR", "end", "completed"),
        ]:
            expected[(code, month)] = sum(
                o[2] == kind
                and (o[3] if event == "start" else o[4])[:7] == month
                and (reason is None or o[5] == reason)
                for o in ORDERS_Q1
            )
    # the hand count
    assert expected[("drr_commenced", "2024-04")] == 2
    assert expected[("drr_completed", "2024-05")] == 1
    assert expected[("drr_revoked", "2024-06")] == 1
    assert expected[("atr_completed", "2024-04")] == 1
    for key, n in expected.items():
        row = card[key]
        assert (row["count"], row["source"]) == (n, "court_orders"), key
    # O8 ended in March 2024: last year, not this one
    assert ("drr_completed", "2024-03") not in card
