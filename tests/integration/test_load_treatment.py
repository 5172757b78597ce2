"""The snapshot sources of treatment and probation (treatment_episodes, court_orders):
load_file against a real DuckDB file under tmp_path, real CSV files, no mocks.

A snapshot loads typed, its person references only as their HMAC; a newer extract for the
same month and CSP replaces the older one (no double counting). Every bad input of the issue
is rejected whole, naming file, row, column and reason, and quarantined, nothing written:
the rules of each column and those across columns of a row (an end before the start, an
exit reason on an open episode or none on a closed one, an adult under 18, an episode that
starts or ends after its extract's month).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest

from demo import generate
from ingest.config import DEMO_PSEUDONYM_KEY, Settings
from ingest.contracts import get_contract
from ingest.load import load_file, load_landing

CSP = "E22000307"  # Milton Keynes
SLUG = "milton-keynes"
MONTH = "2024-06"


def episode(i: int, **over: str) -> dict[str, str]:
    closed = i % 3 == 0
    row = {
        "extract_month": MONTH,
        "episode_ref": f"TE1-{i:06d}",
        "client_ref": f"TC1{i % 5:06d}",  # clients with more than one episode
        "csp_code": CSP,
        "cohort": "young person" if i % 7 == 0 else "adult",
        "substance_group": ("opiate", "non-opiate", "alcohol", "non-opiate and alcohol")[i % 4],
        "criminal_justice_referral": "Y" if i % 5 == 0 else "N",
        "start_date": f"2024-0{1 + i % 5}-{1 + i % 27:02d}",
        "end_date": "2024-06-20" if closed else "",
        "exit_reason": ("successful completion" if i % 2 else "dropped out") if closed else "",
        "client_gender": "female" if i % 2 else "male",
        "client_age": "16" if i % 7 == 0 else str(20 + i),
    }
    row.update(over)
    return row


def order(i: int, **over: str) -> dict[str, str]:
    closed = i % 2 == 0
    row = {
        "extract_month": MONTH,
        "order_ref": f"CO1-{i:05d}",
        "offender_ref": f"O1{i:06d}",
        "csp_code": CSP,
        "order_type": "DRR" if i % 3 else "ATR",
        "commenced_date": f"2023-{6 + i % 6:02d}-{1 + i % 27:02d}",
        "end_date": "2024-05-31" if closed else "",
        "end_reason": ("completed", "revoked for further offending", "breached")[i % 3]
        if closed
        else "",
    }
    row.update(over)
    return row


ROWS = {"treatment_episodes": episode, "court_orders": order}
SOURCES = sorted(ROWS)


def name(source: str, restated: int = 0) -> str:
    tail = f".restated-{restated}" if restated else ""
    return f"{MONTH}-{SLUG}-{source.replace('_', '-')}{tail}.csv"


def to_csv(source: str, rows: list[dict[str, str]]) -> bytes:
    columns = list(get_contract(source).headers)[::-1]  # any order
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns])
    return buf.getvalue().encode()


def write(settings: Settings, source: str, file_name: str, data: bytes) -> Path:
    path = settings.landing_dir / source / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rows_of(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def pseudonym(value: str) -> str:
    return hmac.new(DEMO_PSEUDONYM_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_a_snapshot_loads_typed_and_a_newer_one_replaces_it(csp_env: Path) -> None:
    settings = Settings.from_env()
    first = [episode(i) for i in range(1, 13)]
    path = write(
        settings,
        "treatment_episodes",
        name("treatment_episodes"),
        to_csv("treatment_episodes", first),
    )
    result = load_file("treatment_episodes", path, settings)
    assert (result.status, result.rows_loaded, result.periods) == ("loaded", 12, [MONTH])
    (row,) = rows_of(
        settings,
        "SELECT client_ref, start_date, end_date, exit_reason, criminal_justice_referral, "
        "client_age FROM raw.treatment_episodes WHERE episode_ref = 'TE1-000003'",
    )
    assert row == (
        pseudonym("TC1000003"),
        date(2024, 4, 4),
        date(2024, 6, 20),
        "successful completion",
        False,
        23,
    )
    # the provider sends June again (a late exit recorded): it replaces the first, no double
    later = [episode(i) for i in range(1, 14)]
    again = write(
        settings,
        "treatment_episodes",
        name("treatment_episodes", 1),
        to_csv("treatment_episodes", later),
    )
    replaced = load_file("treatment_episodes", again, settings)
    assert (replaced.status, replaced.rows_loaded, replaced.rows_replaced) == ("loaded", 13, 12)
    assert rows_of(settings, "SELECT count(*) FROM raw.treatment_episodes") == [(13,)]
    # a snapshot of the next month is another period: both are kept
    july = [episode(i, extract_month="2024-07") for i in range(1, 5)]
    nxt = write(
        settings,
        "treatment_episodes",
        "2024-07-milton-keynes-treatment-episodes.csv",
        to_csv("treatment_episodes", july),
    )
    assert load_file("treatment_episodes", nxt, settings).status == "loaded"
    assert rows_of(
        settings,
        "SELECT extract_month, count(*) FROM raw.treatment_episodes GROUP BY ALL ORDER BY 1",
    ) == [(MONTH, 13), ("2024-07", 4)]


BAD = [
    (
        "unknown_cohort",
        "treatment_episodes",
        {"cohort": "child"},
        "cohort",
        "unknown category value 'child' (accepted: adult, young person)",
    ),
    (
        "unknown_substance",
        "treatment_episodes",
        {"substance_group": "cannabis"},
        "substance_group",
        "unknown category value 'cannabis'",
    ),
    (
        "unknown_exit",
        "treatment_episodes",
        {"end_date": "2024-06-02", "exit_reason": "completed"},
        "exit_reason",
        "unknown category value 'completed'",
    ),
    (
        "end_before_start",
        "treatment_episodes",
        {"start_date": "2024-05-10", "end_date": "2024-05-01", "exit_reason": "dropped out"},
        "end_date",
        "the episode ends before it starts (start_date): '2024-05-01'",
    ),
    (
        "exit_on_open_episode",
        "treatment_episodes",
        {"end_date": "", "exit_reason": "successful completion"},
        "exit_reason",
        "exit_reason given for an open episode (end_date blank): 'successful completion'",
    ),
    (
        "closed_without_exit",
        "treatment_episodes",
        {"end_date": "2024-06-02", "exit_reason": ""},
        "exit_reason",
        "exit_reason missing for a closed episode (end_date given)",
    ),
    (
        "adult_under_18",
        "treatment_episodes",
        {"cohort": "adult", "client_age": "17"},
        "client_age",
        "a client aged under 18 in the adult cohort: '17'",
    ),
    (
        "starts_after_extract",
        "treatment_episodes",
        {"start_date": "2024-07-01"},
        "start_date",
        "the episode starts after the extract month (extract_month)",
    ),
    (
        "ends_after_extract",
        "treatment_episodes",
        {"end_date": "2024-07-02", "exit_reason": "dropped out"},
        "end_date",
        "the episode ends after the extract month (extract_month): not known then",
    ),
    (
        "duplicate_episode",
        "treatment_episodes",
        {"episode_ref": "TE1-000011"},
        "episode_ref",
        "duplicate key value 'TE1-000011' (same as row 2)",
    ),
    (
        "bad_extract_month",
        "treatment_episodes",
        {"extract_month": "June 2024"},
        "extract_month",
        "bad format: expected YYYY-MM: 'June 2024'",
    ),
    (
        "unknown_order_type",
        "court_orders",
        {"order_type": "CSO"},
        "order_type",
        "unknown category value 'CSO' (accepted: DRR, ATR)",
    ),
    (
        "unknown_end_reason",
        "court_orders",
        {"end_date": "2024-05-31", "end_reason": "expired"},
        "end_reason",
        "unknown category value 'expired'",
    ),
    (
        "order_ends_before_it_commenced",
        "court_orders",
        {"commenced_date": "2024-03-01", "end_date": "2024-02-01", "end_reason": "breached"},
        "end_date",
        "the order ends before it starts (commenced_date): '2024-02-01'",
    ),
    (
        "reason_on_running_order",
        "court_orders",
        {"end_date": "", "end_reason": "completed"},
        "end_reason",
        "end_reason given for an open order (end_date blank): 'completed'",
    ),
    (
        "duplicate_order",
        "court_orders",
        {"order_ref": "CO1-00011"},
        "order_ref",
        "duplicate key value 'CO1-00011' (same as row 2)",
    ),
    ("not_a_csp", "court_orders", {"csp_code": "E22999999"}, "csp_code", "E22999999"),
]


@pytest.mark.parametrize("case,source,bad,column,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_input_rejects_the_whole_snapshot(
    csp_env: Path, case: str, source: str, bad: dict[str, str], column: str, reason: str
) -> None:
    settings = Settings.from_env()
    make = ROWS[source]
    good = write(settings, source, name(source), to_csv(source, [make(i) for i in (1, 2, 3)]))
    assert load_file(source, good, settings).status == "loaded"
    kept = rows_of(settings, f"SELECT * EXCLUDE (_loaded_at) FROM raw.{source} ORDER BY 1, 2")

    # a newer extract of the same month: the bad row is row 4 of the file
    rows = [make(11), make(12), make(13, **bad), make(14)]
    data = to_csv(source, rows)
    path = write(settings, source, name(source, 1), data)
    result = load_file(source, path, settings)
    assert result.status == "rejected", result
    where = f"{name(source, 1)}, row 4, column '{column}': "
    assert any(e.startswith(where) and reason in e for e in result.errors), result.errors
    # nothing written: the older snapshot stays whole, nothing superseded; quarantined
    assert (
        rows_of(settings, f"SELECT * EXCLUDE (_loaded_at) FROM raw.{source} ORDER BY 1, 2") == kept
    )
    assert rows_of(settings, f"SELECT count(*) FROM raw.{source}__superseded") == [(0,)]
    quarantined = settings.quarantine_dir / source / name(source, 1)
    assert quarantined.read_bytes() == data and not path.exists()
    assert Path(f"{quarantined}.error.txt").read_text().splitlines() == result.errors


def test_the_demo_snapshots_load(csp_env: Path) -> None:
    """The demo writes both sources with the contracts' headers; every file loads."""
    settings = Settings.from_env()
    generate(settings.landing_dir, start="2024-01", end="2024-06")
    results = [r for r in load_landing(settings) if r.source in ROWS]
    by_source = {s: [r for r in results if r.source == s] for s in SOURCES}
    assert all(by_source.values()), by_source
    bad = [(r.file_name, r.errors[:2]) for r in results if r.status != "loaded"]
    assert not bad, bad
    # a quarterly snapshot's period is its extract month, the quarter's last
    periods = rows_of(settings, "SELECT DISTINCT extract_month FROM raw.court_orders ORDER BY 1")
    assert periods == [("2024-03",), ("2024-06",)]
