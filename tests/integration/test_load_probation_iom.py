"""The probation and IOM sources (probation_events, iom_cohort, iom_convictions; issue 11):
load_file against a real DuckDB file under tmp_path, real CSV files, no mocks.

The demo's files load; each source's `offender_ref` is stored only as its HMAC, under the one
key, so the cohort joins its convictions and no raw reference is anywhere in the warehouse.
Every bad input of the issue (an event type or need flag outside the accepted values, an
offence code not in the classification, a removal before the selection, a conviction date in
the future, a duplicated reference) is rejected whole, naming file, row, column and reason,
and quarantined beside its errors; nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from datetime import date, timedelta
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
HEX64 = "^[0-9a-f]{64}$"
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def event(i: int, **over: str) -> dict[str, str]:
    row = {
        "event_ref": f"PE1-202406-{i:04d}",
        "offender_ref": f"O1{i % 7:06d}",  # one offender assessed at start and end
        "csp_code": CSP,
        "team": "Milton Keynes IOM" if i % 5 == 0 else "Milton Keynes",
        "event_type": "termination" if i % 4 == 0 else "initial",
        "event_date": f"{MONTH}-{1 + i % 28:02d}",
        "age": str(18 + i),
        "gender": "female" if i % 3 == 0 else "male",
        **{f"need_section_{s}": "Y" if (i + s) % 3 == 0 else "N" for s in range(3, 13)},
    }
    row.update(over)
    return row


def cohort(i: int, **over: str) -> dict[str, str]:
    removed = i % 3 == 0
    row = {
        "extract_month": MONTH,
        "offender_ref": f"O1{i:06d}",
        "csp_code": CSP,
        "selected_date": f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}",
        "removed_date": "2024-05-31" if removed else "",
    }
    row.update(over)
    return row


def conviction(i: int, **over: str) -> dict[str, str]:
    row = {
        "conviction_ref": f"CV1-202406-{i:03d}",
        "offender_ref": f"O1{i % 4:06d}",  # offenders convicted more than once
        "csp_code": CSP,
        "conviction_date": f"{MONTH}-{1 + i % 28:02d}",
        "offence_code": ("46", "105A", "8N", "28E")[i % 4],
    }
    row.update(over)
    return row


ROWS = {"probation_events": event, "iom_cohort": cohort, "iom_convictions": conviction}
SOURCES = sorted(ROWS)


def name(source: str, restated: int = 0) -> str:
    tail = f".restated-{restated}" if restated else ""
    period = "2024-25-Q1" if source == "iom_cohort" else MONTH  # the cohort is quarterly
    return f"{period}-{SLUG}-{source.replace('_', '-')}{tail}.csv"


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


def test_the_three_load_typed_and_the_cohort_joins_its_convictions(csp_env: Path) -> None:
    settings = Settings.from_env()
    for source, make in ROWS.items():
        path = write(settings, source, name(source), to_csv(source, [make(i) for i in range(1, 9)]))
        result = load_file(source, path, settings)
        assert (result.status, result.rows_loaded, result.periods) == ("loaded", 8, [MONTH])

    (row,) = rows_of(
        settings,
        "SELECT offender_ref, team, event_type, event_date, age, need_section_3, "
        "need_section_4 FROM raw.probation_events WHERE event_ref = 'PE1-202406-0005'",
    )
    assert row == (
        pseudonym("O1000005"),
        "Milton Keynes IOM",
        "initial",
        date(2024, 6, 6),
        23,
        False,
        True,
    )
    assert rows_of(
        settings,
        "SELECT offender_ref, selected_date, removed_date FROM raw.iom_cohort "
        "WHERE removed_date IS NOT NULL ORDER BY selected_date",
    ) == [
        (pseudonym("O1000003"), date(2023, 4, 4), date(2024, 5, 31)),
        (pseudonym("O1000006"), date(2023, 7, 7), date(2024, 5, 31)),
    ]
    assert rows_of(
        settings,
        "SELECT conviction_date, offence_code FROM raw.iom_convictions "
        "WHERE conviction_ref = 'CV1-202406-005'",
    ) == [(date(2024, 6, 6), "105A")]
    # one key for the three sources: the cohort's offenders are found in the convictions
    # and the assessments by their pseudonyms alone (O1000001-O1000003 in all three)
    joined = rows_of(
        settings,
        "SELECT count(DISTINCT c.offender_ref) FROM raw.iom_cohort c "
        "JOIN raw.iom_convictions v USING (offender_ref) "
        "JOIN raw.probation_events e USING (offender_ref)",
    )
    assert joined == [(3,)]


def test_raw_offender_refs_never_reach_the_warehouse(csp_env: Path) -> None:
    settings = Settings.from_env()
    raw_refs: set[str] = set()
    for source, make in ROWS.items():
        rows = [make(i) for i in range(1, 21)]
        raw_refs |= {r["offender_ref"] for r in rows}
        path = write(settings, source, name(source), to_csv(source, rows))
        assert load_file(source, path, settings).status == "loaded"
        # a restatement moves the first rows to __superseded
        restated = [make(i, offender_ref=f"O9{i:06d}") for i in range(21, 24)]
        raw_refs |= {r["offender_ref"] for r in restated}
        path = write(settings, source, name(source, 1), to_csv(source, restated))
        assert load_file(source, path, settings).rows_replaced == 20
        # a rejected file with an offender_ref in it leaves its errors in raw._loads
        rejected = [make(i, offender_ref="O8123456", csp_code="E22999999") for i in (24, 25)]
        raw_refs.add("O8123456")
        path = write(settings, source, name(source, 2), to_csv(source, rejected))
        assert load_file(source, path, settings).status == "rejected"

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        for source in ROWS:
            for table in (f"raw.{source}", f"raw.{source}__superseded"):
                n, hashed = con.execute(
                    f"SELECT count(*), count(*) FILTER (WHERE regexp_matches(offender_ref, "
                    f"'{HEX64}')) FROM {table}"
                ).fetchone()
                assert n == hashed > 0, table
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall()
        for (table,) in tables:
            text = con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), '|') FROM {table} t")
            blob = text.fetchone()[0] or ""
            assert not [v for v in raw_refs if v in blob], table
    finally:
        con.close()
    # nor anywhere in the warehouse's bytes (its write-ahead log included, if any)
    files = [settings.warehouse_path, Path(f"{settings.warehouse_path}.wal")]
    data = b"".join(p.read_bytes() for p in files if p.exists())
    assert b"CV1-202406-021" in data  # the bytes are searchable: a plain value is found
    assert not [v for v in raw_refs if v.encode() in data]


BAD = [
    (
        "unknown_event_type",
        "probation_events",
        {"event_type": "review"},
        "event_type",
        "unknown category value 'review' (accepted: initial, termination)",
    ),
    (
        "need_flag_not_y_or_n",
        "probation_events",
        {"need_section_8": "Yes"},
        "need_section_8",
        "bad value: expected one of Y, N: 'Yes'",
    ),
    (
        "blank_need_flag",
        "probation_events",
        {"need_section_12": ""},
        "need_section_12",
        "required value is blank",
    ),
    (
        "duplicate_event_ref",
        "probation_events",
        {"event_ref": "PE1-202406-0011"},
        "event_ref",
        "duplicate key value 'PE1-202406-0011' (same as row 2)",
    ),
    (
        "probation_not_a_csp",
        "probation_events",
        {"csp_code": "E22999999"},
        "csp_code",
        "unknown code: not in seeds/areas.csv (csp_code): 'E22999999'",
    ),
    (
        "removed_before_selected",
        "iom_cohort",
        {"selected_date": "2024-03-10", "removed_date": "2024-03-01"},
        "removed_date",
        "the removal is before the selection (selected_date): '2024-03-01'",
    ),
    (
        "selected_after_extract",
        "iom_cohort",
        {"selected_date": "2024-07-01"},
        "selected_date",
        "the selection is after the extract month (extract_month): '2024-07-01'",
    ),
    (
        "removed_after_extract",
        "iom_cohort",
        {"removed_date": "2024-07-02"},
        "removed_date",
        "the removal is after the extract month (extract_month): not known then",
    ),
    (
        "bad_removed_date",
        "iom_cohort",
        {"removed_date": "31/05/2024"},
        "removed_date",
        "bad date: not a valid date in the form YYYY-MM-DD: '31/05/2024'",
    ),
    (
        "offence_code_not_in_classification",
        "iom_convictions",
        {"offence_code": "999Z"},
        "offence_code",
        "unknown code: not in seeds/offence_classification.csv (offence_code): '999Z'",
    ),
    (
        "conviction_in_the_future",
        "iom_convictions",
        {"conviction_date": TOMORROW},
        "conviction_date",
        f"a conviction dated in the future (after the day of the load): '{TOMORROW}'",
    ),
    (
        "duplicate_conviction_ref",
        "iom_convictions",
        {"conviction_ref": "CV1-202406-011"},
        "conviction_ref",
        "duplicate key value 'CV1-202406-011' (same as row 2)",
    ),
    (
        "blank_offender_ref",
        "iom_convictions",
        {"offender_ref": ""},
        "offender_ref",
        "required value is blank",
    ),
]


@pytest.mark.parametrize("case,source,bad,column,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_input_rejects_the_whole_file(
    csp_env: Path, case: str, source: str, bad: dict[str, str], column: str, reason: str
) -> None:
    settings = Settings.from_env()
    make = ROWS[source]
    good = write(settings, source, name(source), to_csv(source, [make(i) for i in (1, 2, 3)]))
    assert load_file(source, good, settings).status == "loaded"
    kept = rows_of(settings, f"SELECT * EXCLUDE (_loaded_at) FROM raw.{source} ORDER BY 1, 2")

    # a newer file of the same period and CSP: the bad row is row 4 of the file
    rows = [make(11), make(12), make(13, **bad), make(14)]
    data = to_csv(source, rows)
    path = write(settings, source, name(source, 1), data)
    result = load_file(source, path, settings)
    assert result.status == "rejected", result
    where = f"{name(source, 1)}, row 4, column '{column}': "
    assert any(e.startswith(where) and reason in e for e in result.errors), result.errors
    # nothing written: the earlier file stays whole, nothing superseded; quarantined
    assert (
        rows_of(settings, f"SELECT * EXCLUDE (_loaded_at) FROM raw.{source} ORDER BY 1, 2") == kept
    )
    assert rows_of(settings, f"SELECT count(*) FROM raw.{source}__superseded") == [(0,)]
    quarantined = settings.quarantine_dir / source / name(source, 1)
    assert quarantined.read_bytes() == data and not path.exists()
    assert Path(f"{quarantined}.error.txt").read_text().splitlines() == result.errors


def test_the_demo_files_load(csp_env: Path) -> None:
    """The demo writes the three sources with the contracts' headers; every file loads, and
    its offenders join across the sources by their pseudonyms."""
    settings = Settings.from_env()
    generate(settings.landing_dir, start="2024-01", end="2024-06")
    results = [r for s in SOURCES for r in load_landing(settings, source=s)]
    by_source = {s: [r for r in results if r.source == s] for s in SOURCES}
    assert all(by_source.values()), by_source
    bad = [(r.file_name, r.errors[:2]) for r in results if r.status != "loaded"]
    assert not bad, bad
    # the quarterly cohort's period is its extract month, the quarter's last
    periods = rows_of(settings, "SELECT DISTINCT extract_month FROM raw.iom_cohort ORDER BY 1")
    assert periods == [("2024-03",), ("2024-06",)]
    months = rows_of(
        settings,
        "SELECT DISTINCT strftime(conviction_date, '%Y-%m') FROM raw.iom_convictions ORDER BY 1",
    )
    assert months == [(f"2024-{m:02d}",) for m in range(1, 7)]
    for source in SOURCES:
        ((n, hashed),) = rows_of(
            settings,
            f"SELECT count(*), count(*) FILTER (WHERE regexp_matches(offender_ref, '{HEX64}')) "
            f"FROM raw.{source}",
        )
        assert n == hashed > 0, source
    ((joined,),) = rows_of(
        settings,
        "SELECT count(*) FROM raw.iom_convictions v "
        "WHERE offender_ref IN (SELECT offender_ref FROM raw.iom_cohort)",
    )
    assert joined > 0
