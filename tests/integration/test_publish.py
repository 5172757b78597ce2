"""Publishing the serving file: atomic swap, untouched on failure, aggregates only; an empty
scorecard only when there is no raw data; the leftovers of a publish killed mid-copy removed
by the next publish, never those of a publish still running."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.build import BuildSummary
from orchestration.defs.common import SERVING_TABLES
from orchestration.defs.publish.serving import (
    PublishError,
    build_serving_asset,
    lock_path,
    publish_serving,
    temporary_files,
)


def _warehouse(
    path: Path,
    scorecard_rows: int = 3,
    with_dim_date: bool = True,
    with_lsoa: bool = True,
    lsoa_person_column: bool = False,
    raw_rows: int | None = None,
    lsoa_rows: int | None = None,
) -> Path:
    """A warehouse with the marts a publish reads; ``raw_rows``: a ``raw`` schema with a
    partner table of that many rows (and the load log), ``lsoa_rows``: a big
    ``crime_by_lsoa_month`` (a publish of 1M rows takes a few seconds)."""
    con = duckdb.connect(str(path))
    if raw_rows is not None:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE OR REPLACE TABLE raw._loads AS SELECT 1 AS batch_id")
        con.execute(
            "CREATE OR REPLACE TABLE raw.police_street AS SELECT i AS crime_id FROM range(?) t(i)",
            [raw_rows],
        )
        con.execute("CREATE OR REPLACE TABLE raw.police_street__superseded AS SELECT 1 AS crime_id")
    con.execute("CREATE SCHEMA IF NOT EXISTS main_marts")
    con.execute("DROP TABLE IF EXISTS main_marts.scorecard")
    con.execute(
        "CREATE TABLE main_marts.scorecard AS SELECT 'all_crime' AS measure_code, "
        "'E22000307' AS area_code, DATE '2024-01-01' + to_months(i::INTEGER) AS period_month, "
        "(100 + i)::BIGINT AS count FROM range(?) t(i)",
        [scorecard_rows],
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.dim_area AS "
        "SELECT 'E22000307' AS area_code, 'Milton Keynes' AS area_name"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.dim_measure AS "
        "SELECT 'all_crime' AS measure_code, 'All crime' AS measure_name"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.dim_measure_definition AS "
        "SELECT 'all_crime' AS measure_code, 1 AS definition_number, "
        "NULL::DATE AS valid_from, NULL::DATE AS valid_to, true AS is_current"
    )
    # what dbt's persist_docs writes from the model YAML
    con.execute("COMMENT ON TABLE main_marts.scorecard IS 'The long-format scorecard.'")
    con.execute(
        "COMMENT ON COLUMN main_marts.scorecard.count IS "
        "'Events in the month; it''s NULL for no data.'"
    )
    if with_dim_date:
        con.execute(
            "CREATE OR REPLACE TABLE main_marts.dim_date AS SELECT DATE '2024-01-01' AS date_day"
        )
    else:
        con.execute("DROP TABLE IF EXISTS main_marts.dim_date")
    con.execute("DROP TABLE IF EXISTS main_marts.crime_by_lsoa_month")
    if with_lsoa:
        con.execute(
            "CREATE TABLE main_marts.crime_by_lsoa_month AS SELECT 'E01000001' AS lsoa_code, "
            "'Milton Keynes 001A' AS lsoa_name, 'E22000307' AS csp_code, "
            "'Milton Keynes' AS csp_name, DATE '2024-01-01' AS period_month, "
            "'2023/24' AS financial_year, m AS measure_code, m AS measure_name, "
            "2::BIGINT AS count"
            + (", 'v1' AS victim_ref" if lsoa_person_column else "")
            + " FROM (VALUES ('all_crime'), ('asb_police')) t(m)"
        )
        if lsoa_rows:
            con.execute(
                "INSERT INTO main_marts.crime_by_lsoa_month SELECT "
                "'E01' || lpad((i % 32000)::VARCHAR, 6, '0'), 'LSOA ' || (i % 32000), "
                "'E22000307', 'Milton Keynes', "
                "DATE '2019-01-01' + to_months((i // 32000 % 60)::INTEGER), '2019/20', "
                "'m' || (hash(i) % 50), 'measure', (hash(i) % 1000)::BIGINT FROM range(?) t(i)",
                [lsoa_rows],
            )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.marac_cases_by_agency AS SELECT 'csp' AS area_type, "
        "'E22000307' AS area_code, DATE '2024-01-01' AS period_month, "
        "'Police' AS referring_agency, 3::BIGINT AS cases, 1::BIGINT AS repeat_cases"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.repeat_flag_agreement AS SELECT "
        "'marac_cases' AS source, 'E22000307' AS area_code, DATE '2024-01-01' AS period_month, "
        "3::BIGINT AS events, 1::BIGINT AS disagreements"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.asb_reports_by_category AS SELECT 'csp' AS area_type, "
        "'E22000307' AS area_code, DATE '2024-01-01' AS period_month, 'noise' AS category, "
        "'online' AS channel, 4::BIGINT AS reports"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.probation_needs AS SELECT 'csp' AS area_type, "
        "'E22000307' AS area_code, 'Milton Keynes' AS team, 'initial' AS event_type, "
        "3 AS need_section, DATE '2024-01-01' AS period_month, 47::BIGINT AS assessments, "
        "11::BIGINT AS with_need"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.peer_ranking AS SELECT 'csp' AS area_type, "
        "'E22000307' AS area_code, 'all_crime' AS measure_code, DATE '2024-03-01' AS period_month, "
        "13 AS rank_in_group, 15 AS group_size"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.restatements AS SELECT 'asb_council' AS measure_code, "
        "'csp' AS area_type, 'E22000307' AS area_code, DATE '2024-01-01' AS period_month, "
        "4::BIGINT AS count_before, 5::BIGINT AS count_after, "
        "TIMESTAMP '2024-02-10 09:00:00' AS restated_at, 'a.restated-1.csv' AS source_file"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.source_status AS SELECT 'asb_council' AS source, "
        "'E22000307' AS area_code, DATE '2024-01-01' AS last_period_received, "
        "false AS is_overdue"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.partner_returns_due AS SELECT 'E22000307' AS "
        "area_code, 'fpn_issued' AS measure_code, DATE '2024-01-01' AS period_month, "
        "'received' AS status"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.fct_crime AS "
        "SELECT 'c1' AS crime_ref, 'v1' AS victim_ref, 'E22000307' AS area_code"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.fct_marac_case AS "
        "SELECT 'm1' AS case_ref, 'v1' AS victim_ref, 'E22000307' AS csp_code"
    )
    con.close()
    return path


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def _scorecard_total(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT sum(count) FROM main.scorecard").fetchone()[0]


def test_publish_copies_aggregates_only(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    result = publish_serving(warehouse, serving)
    counts = result.counts
    assert result.removed == [] and not result.no_data
    assert counts == {
        "scorecard": 3,
        "dim_measure": 1,
        "dim_measure_definition": 1,
        "dim_area": 1,
        "dim_date": 1,
        "crime_by_lsoa_month": 2,
        "peer_ranking": 1,
        "marac_cases_by_agency": 1,
        "repeat_flag_agreement": 1,
        "asb_reports_by_category": 1,
        "probation_needs": 1,
        "restatements": 1,
        "source_status": 1,
        "partner_returns_due": 1,
    }
    tables = _tables(serving)
    assert {"scorecard", "dim_area", "dim_date", "crime_by_lsoa_month"} <= tables
    assert "fct_crime" not in tables and "fct_marac_case" not in tables
    con = duckdb.connect(str(serving), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE main.crime_by_lsoa_month").fetchall()]
        logged = dict(con.execute("SELECT table_name, row_count FROM main._publish_log").fetchall())
        table_comment = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'scorecard'"
        ).fetchone()[0]
        column_comments = dict(
            con.execute(
                "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'scorecard'"
            ).fetchall()
        )
    finally:
        con.close()
    assert columns == [
        "lsoa_code",
        "lsoa_name",
        "csp_code",
        "csp_name",
        "period_month",
        "financial_year",
        "measure_code",
        "measure_name",
        "count",
    ]
    assert logged == counts
    # the descriptions of the dbt YAML travel with the tables, for analysts in any SQL client
    assert table_comment == "The long-format scorecard."
    assert column_comments["count"] == "Events in the month; it's NULL for no data."
    assert column_comments["measure_code"] is None
    # no temporary files left beside it; the publish lock file stays (never deleted)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".serving.duckdb.lock",
        "serving.duckdb",
        "warehouse.duckdb",
    ]


def _history_scorecard(warehouse: Path, counts: list[int], published: dict | None = None) -> None:
    """Give the warehouse a scorecard and restatements as dbt makes them with the publish
    history ``published`` ((month index) -> (first count, first published at, last count)):
    first_reported_at NULL for a figure never published, a restatement pending (restated_at
    NULL) where the count differs from the last published one."""
    published = published or {}
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("DROP TABLE IF EXISTS main_marts.scorecard")
        con.execute(
            "CREATE TABLE main_marts.scorecard (measure_code VARCHAR, area_type VARCHAR, "
            "area_code VARCHAR, period_month DATE, count BIGINT, source VARCHAR, "
            "first_reported_count BIGINT, first_reported_at TIMESTAMP, source_file VARCHAR)"
        )
        con.execute("DELETE FROM main_marts.restatements")
        for i, count in enumerate(counts):
            month = date(2024, 1 + i, 1)
            first = published.get(i)
            con.execute(
                "INSERT INTO main_marts.scorecard VALUES ('asb_council', 'csp', 'E22000307', "
                "?, ?, 'asb_council', ?, ?, ?)",
                [
                    month,
                    count,
                    first[0] if first else count,
                    first[1] if first else None,
                    f"f{i}-{count}.csv",
                ],
            )
            if first and first[2] != count:
                con.execute(
                    "INSERT INTO main_marts.restatements VALUES ('asb_council', 'csp', "
                    "'E22000307', ?, ?, ?, NULL, ?)",
                    [month, first[2], count, f"f{i}-{count}.csv"],
                )
    finally:
        con.close()


def _history(folder: Path) -> list[tuple]:
    return duckdb.execute(
        "SELECT publish_id, published_at, strftime(period_month, '%Y-%m'), count, source_file "
        f"FROM read_parquet('{folder}/published-*.parquet') ORDER BY published_at, period_month"
    ).fetchall()


def test_publish_records_what_it_published_new_or_changed_outside_the_warehouse(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    serving, history = tmp_path / "serving.duckdb", tmp_path / "history"
    _history_scorecard(warehouse, [10, 20, 30])
    first = publish_serving(warehouse, serving, history_dir=history)
    assert (first.first_published, first.restated) == (3, 0)
    recorded = _history(history)
    assert [r[2:] for r in recorded] == [
        ("2024-01", 10, "f0-10.csv"),
        ("2024-02", 20, "f1-20.csv"),
        ("2024-03", 30, "f2-30.csv"),
    ]
    (publish_id,), (stamp,) = {r[0] for r in recorded}, {r[1] for r in recorded}
    assert first.history_file == history / f"published-{publish_id}.parquet"
    con = duckdb.connect(str(serving), read_only=True)
    try:
        stamped = con.execute("SELECT DISTINCT first_reported_at FROM main.scorecard").fetchall()
    finally:
        con.close()
    assert stamped == [(stamp,)]  # the serving file says when each figure was first published
    # published again before a rebuild: the history already has them, with their time
    repeat = publish_serving(warehouse, serving, history_dir=history)
    assert (repeat.first_published, repeat.restated, repeat.history_file) == (0, 0, None)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("SELECT DISTINCT first_reported_at FROM main.scorecard").fetchall() == [
            (stamp,)
        ]
    finally:
        con.close()

    # the next build: February restated (20 -> 25), the rest as published
    _history_scorecard(
        warehouse, [10, 25, 30], {i: (c, stamp, c) for i, c in enumerate([10, 20, 30])}
    )
    second = publish_serving(warehouse, serving, history_dir=history)
    assert (second.first_published, second.restated) == (0, 1)
    later = [r for r in _history(history) if r[0] != publish_id]
    assert [r[2:] for r in later] == [("2024-02", 25, "f1-25.csv")]
    con = duckdb.connect(str(serving), read_only=True)
    try:
        restated = con.execute("SELECT restated_at FROM main.restatements").fetchall()
        kept = con.execute("SELECT DISTINCT first_reported_at FROM main.scorecard").fetchall()
    finally:
        con.close()
    assert restated == [(later[0][1],)] and later[0][1] > stamp
    assert kept == [(stamp,)]

    # the same build published again (publish_job): nothing new or changed, no history file,
    # and the serving file keeps the times of the publish that first published them
    files = sorted(history.iterdir())
    again = publish_serving(warehouse, serving, history_dir=history)
    assert (again.first_published, again.restated, again.history_file) == (0, 0, None)
    assert sorted(history.iterdir()) == files
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("SELECT restated_at FROM main.restatements").fetchall() == restated
        assert (
            con.execute("SELECT DISTINCT first_reported_at FROM main.scorecard").fetchall() == kept
        )
    finally:
        con.close()
    # a failed publish writes no history (the serving file and the history stay as they were)
    _history_scorecard(
        warehouse, [11, 25, 30], {i: (c, stamp, c) for i, c in enumerate([10, 25, 30])}
    )
    con = duckdb.connect(str(warehouse))
    con.execute("DROP TABLE main_marts.dim_date")
    con.close()
    before = sorted(history.iterdir())
    with pytest.raises(PublishError):
        publish_serving(warehouse, serving, history_dir=history)
    assert sorted(history.iterdir()) == before
    assert files == before[: len(files)]


def test_reader_of_old_file_keeps_reading_across_swap(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", scorecard_rows=3)
    serving = tmp_path / "serving.duckdb"
    publish_serving(warehouse, serving)

    reader = duckdb.connect(str(serving), read_only=True)
    try:
        before = _scorecard_total(reader)  # 100 + 101 + 102
        assert before == 303
        _warehouse(warehouse, scorecard_rows=5)
        publish_serving(warehouse, serving)  # swapped while the reader holds the old file
        assert _scorecard_total(reader) == before
        assert reader.execute("SELECT count(*) FROM main.scorecard").fetchone()[0] == 3
    finally:
        reader.close()

    fresh = duckdb.connect(str(serving), read_only=True)
    try:
        assert fresh.execute("SELECT count(*) FROM main.scorecard").fetchone()[0] == 5
    finally:
        fresh.close()


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda wh: _warehouse(wh, scorecard_rows=0, raw_rows=5), "empty although"),
        (lambda wh: _warehouse(wh, with_dim_date=False), "dim_date not found"),
        (lambda wh: _warehouse(wh, with_lsoa=False), "crime_by_lsoa_month not found"),
        (lambda wh: _warehouse(wh, lsoa_person_column=True), "person-level"),
    ],
)
def test_failed_publish_leaves_old_serving_file(tmp_path: Path, break_it, message):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    publish_serving(warehouse, serving)
    old_bytes = serving.read_bytes()
    old_inode = serving.stat().st_ino

    break_it(warehouse)
    with pytest.raises(PublishError, match=message):
        publish_serving(warehouse, serving)
    assert serving.stat().st_ino == old_inode
    assert serving.read_bytes() == old_bytes
    assert not list(tmp_path.glob("serving.duckdb.*.tmp*"))


def test_raw_data_the_scorecard_does_not_count_leaves_it_honestly_empty(tmp_path: Path):
    """Only the Home Office table of crime by CSP has arrived: the peer ranking reads it, no
    catalogue measure does (main_seeds.measures names its sources), so the empty scorecard is
    "no data" and the publish goes ahead; a raw table of a scorecard source still refuses."""
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", scorecard_rows=0, raw_rows=5)
    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE raw.police_street RENAME TO ons_csp_crime")
    con.execute("CREATE SCHEMA main_seeds")
    con.execute(
        "CREATE TABLE main_seeds.measures AS SELECT * FROM (VALUES "
        "('all_crime', 'police_crime|police_street'), ('iom_convictions', "
        "'iom_cohort+iom_convictions')) t(measure_code, source)"
    )
    con.close()
    result = publish_serving(warehouse, tmp_path / "serving.duckdb")
    assert result.no_data and result.counts["scorecard"] == 0

    con = duckdb.connect(str(warehouse))
    con.execute("CREATE TABLE raw.iom_cohort AS SELECT 1 AS offender_ref")
    con.close()
    with pytest.raises(PublishError, match=r"empty although .*raw\.iom_cohort 1 rows\)"):
        publish_serving(warehouse, tmp_path / "serving.duckdb")


def test_person_level_columns_are_refused(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    with pytest.raises(PublishError, match="person-level"):
        publish_serving(warehouse, tmp_path / "serving.duckdb", tables=("fct_crime",))
    assert not (tmp_path / "serving.duckdb").exists()


def test_missing_warehouse_is_an_error(tmp_path: Path):
    with pytest.raises(PublishError, match="warehouse not found"):
        publish_serving(tmp_path / "nope.duckdb", tmp_path / "serving.duckdb")


def test_empty_scorecard_is_published_when_no_raw_table_has_a_row(tmp_path: Path):
    """No partner has sent a file yet: every raw table exists and is empty (ingest creates
    them), the scorecard is honestly empty, and that is published ("no data")."""
    from ingest.load import ensure_raw_schema

    warehouse = _warehouse(tmp_path / "warehouse.duckdb", scorecard_rows=0)
    con = duckdb.connect(str(warehouse))
    try:
        ensure_raw_schema(con)
        # rows that were superseded, or the load log, are not partner data in the warehouse
        con.execute("INSERT INTO raw._loads (batch_id, source) VALUES (1, 'police_street')")
    finally:
        con.close()
    serving = tmp_path / "serving.duckdb"
    result = publish_serving(warehouse, serving)
    assert result.no_data
    assert result.counts["scorecard"] == 0
    assert "scorecard" in _tables(serving)


PUBLISH_IN_A_SUBPROCESS = (
    "import sys; from pathlib import Path; "
    "from orchestration.defs.publish.serving import publish_serving; "
    "publish_serving(Path(sys.argv[1]), Path(sys.argv[2]))"
)


def _start_publish(repo_root: Path, warehouse: Path, serving: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISH_IN_A_SUBPROCESS, str(warehouse), str(serving)],
        cwd=repo_root,
        env={**os.environ, "PYTHONPATH": str(repo_root)},
    )


def _wait_for_temporary_files(
    proc: subprocess.Popen, serving: Path, suffixes: tuple[str, ...] = (".tmp",), timeout=60.0
) -> None:
    """Until the publish in ``proc`` has written a temporary file of each suffix."""
    deadline = time.monotonic() + timeout
    while not all(
        any(p.name.endswith(suffix) for p in temporary_files(serving)) for suffix in suffixes
    ):
        assert proc.poll() is None, f"the publish ended (exit {proc.returncode}) before its copy"
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.01)


def test_publish_killed_mid_copy_keeps_the_serving_file_and_the_next_removes_its_leftovers(
    csp_env: Path, repo_root: Path
):
    warehouse = _warehouse(csp_env / "warehouse.duckdb")
    serving = csp_env / "serving.duckdb"
    publish_serving(warehouse, serving)
    before = serving.read_bytes()
    inode = serving.stat().st_ino
    _warehouse(warehouse, lsoa_rows=1_000_000)  # a copy of a few seconds

    proc = _start_publish(repo_root, warehouse, serving)
    try:
        # the new file and DuckDB's write-ahead log: the copy is under way
        _wait_for_temporary_files(proc, serving, (".tmp", ".tmp.wal"))
        assert proc.poll() is None, "the publish finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    leftovers = [p.name for p in temporary_files(serving)]
    assert {name.rsplit(".", 1)[-1] for name in leftovers} == {"tmp", "wal"}, leftovers
    assert any(name.startswith(f"serving.duckdb.{proc.pid}-") for name in leftovers), leftovers
    # the serving file is the old one, byte for byte, and nothing removed the leftovers
    assert serving.stat().st_ino == inode
    assert serving.read_bytes() == before
    time.sleep(0.5)
    assert [p.name for p in temporary_files(serving)] == leftovers
    assert serving.read_bytes() == before

    # The next publish (the serving asset, as a build runs it) removes them and says so.
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([build_serving_asset()], instance=instance)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("serving")
    assert materialization.metadata["removed_leftovers"].value == leftovers
    logged = [e.user_message for e in instance.all_logs(result.run_id) if e.level >= 30]
    assert any("leftover file(s) of a publish that died" in m for m in logged), logged
    assert temporary_files(serving) == []
    assert serving.stat().st_ino != inode
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM crime_by_lsoa_month").fetchone()[0] == 1_000_002
    finally:
        con.close()

    # ... and the build summary says so in one line
    summary = BuildSummary(removed_leftovers=leftovers).render()
    lines = [line for line in summary.splitlines() if "leftover" in line]
    assert lines == [
        f"serving: removed {len(leftovers)} leftover file(s) of a publish that died: "
        + ", ".join(leftovers)
    ]


def test_a_publish_waits_for_a_running_publish_and_never_removes_its_files(
    tmp_path: Path, repo_root: Path
):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", lsoa_rows=1_000_000)
    serving = tmp_path / "serving.duckdb"
    proc = _start_publish(repo_root, warehouse, serving)
    try:
        _wait_for_temporary_files(proc, serving)
        assert proc.poll() is None
        started = time.monotonic()
        result = publish_serving(warehouse, serving)  # waits for the lock the other holds
        waited = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.wait(timeout=120)
    # the running publish was not disturbed: it finished and swapped its file in
    assert proc.returncode == 0
    assert result.removed == []
    assert waited > 0.2
    assert temporary_files(serving) == []
    assert lock_path(serving).is_file()
    assert result.counts["crime_by_lsoa_month"] == 1_000_002


def test_an_unwritable_history_keeps_the_old_serving_file(tmp_path: Path):
    """A publish that cannot record what it publishes does not publish."""
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    publish_serving(warehouse, serving)
    before = serving.read_bytes()
    _history_scorecard(warehouse, [10, 20])
    blocked = tmp_path / "history"
    blocked.write_text("a file where the history folder should be")
    with pytest.raises(PublishError, match="the publish history .* cannot be written"):
        publish_serving(warehouse, serving, history_dir=blocked)
    assert serving.read_bytes() == before
    assert temporary_files(serving) == []


def _same_tables(warehouse: Path, serving: Path, tables: list[str]) -> None:
    con = duckdb.connect(str(serving), read_only=True)
    con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    try:
        for t in tables:
            for a, b in ((f"main.{t}", f"wh.main_marts.{t}"), (f"wh.main_marts.{t}", f"main.{t}")):
                extra = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
                ).fetchone()[0]
                assert extra == 0, (t, a, b, extra)
    finally:
        con.close()


def test_a_publish_rewrites_only_the_months_that_changed(tmp_path: Path):
    """The new file starts from the published one: a dated table whose columns are as
    published gets only its changed months rewritten (a restated month and a new one here),
    a table whose columns changed is copied whole, one no longer published is dropped; the
    result holds exactly the warehouse's rows."""
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", lsoa_rows=200_000)
    serving = tmp_path / "serving.duckdb"
    assert publish_serving(warehouse, serving).months_rewritten == {}  # no file yet: all

    con = duckdb.connect(str(warehouse))
    con.execute(
        "UPDATE main_marts.crime_by_lsoa_month SET count = count + 1 "
        "WHERE period_month = DATE '2019-03-01' AND lsoa_code = 'E01000007'"
    )
    con.execute(
        "INSERT INTO main_marts.crime_by_lsoa_month SELECT * REPLACE "
        "(DATE '2024-02-01' AS period_month) FROM main_marts.crime_by_lsoa_month "
        "WHERE period_month = DATE '2024-01-01'"
    )
    con.execute("ALTER TABLE main_marts.marac_cases_by_agency ADD COLUMN note VARCHAR")
    con.close()

    tables = [t for t in SERVING_TABLES if t != "peer_ranking"]
    result = publish_serving(warehouse, serving, tables=tables)
    assert result.months_rewritten["crime_by_lsoa_month"] == 2
    assert result.months_rewritten["repeat_flag_agreement"] == 0  # unchanged
    assert "marac_cases_by_agency" not in result.months_rewritten  # copied whole
    assert "dim_area" not in result.months_rewritten  # no period_month: copied whole
    assert "peer_ranking" not in _tables(serving)
    _same_tables(warehouse, serving, tables)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        logged = dict(con.execute("SELECT table_name, row_count FROM main._publish_log").fetchall())
    finally:
        con.close()
    assert logged == result.counts and logged["crime_by_lsoa_month"] == 200_004


def _keep_fingerprints(warehouse: Path, table: str, month: str | None = None) -> None:
    """Write the warehouse's kept fingerprints of main_marts.<table> for every month (or one
    month) as dbt's incremental strategies do (macro record_output_months)."""
    relation = f"main_marts.{table}"
    only = f"period_month = DATE '{month}'" if month else "true"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS main._incremental_output_months "
            "(relation VARCHAR, period_month DATE, n BIGINT, h HUGEINT)"
        )
        con.execute(
            f"DELETE FROM main._incremental_output_months WHERE relation = ? AND {only}",
            [relation],
        )
        con.execute(
            "INSERT INTO main._incremental_output_months SELECT ?, period_month, count(*), "
            f"sum(hash(t))::HUGEINT FROM {relation} AS t WHERE {only} GROUP BY ALL",
            [relation],
        )
    finally:
        con.close()


def _published_fingerprints(serving: Path, table: str) -> tuple[list, list]:
    """The fingerprints the serving file keeps for `table`, and those of its rows now."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        kept = con.execute(
            "SELECT period_month, n, h FROM main._publish_months WHERE table_name = ? ORDER BY 1",
            [table],
        ).fetchall()
        now = con.execute(
            f"SELECT period_month, count(*), sum(hash(t))::HUGEINT FROM main.{table} AS t "
            "GROUP BY ALL ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return kept, now


def test_a_publish_finds_the_changed_months_from_the_kept_fingerprints(tmp_path: Path):
    """Where the warehouse keeps its fingerprints by month (dbt writes them as an incremental
    model rewrites months) and the serving file those of what it published, the publish
    compares the two instead of reading both tables: a month dbt rewrote (its fingerprint
    rewritten with it) is republished, the others are not, and the serving file keeps the
    new fingerprints. Fingerprints that do not account for every row (a row added behind
    dbt's back) are not trusted: the rows are read, and the change is still found."""
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", lsoa_rows=50_000)
    _keep_fingerprints(warehouse, "crime_by_lsoa_month")
    serving = tmp_path / "serving.duckdb"
    publish_serving(warehouse, serving)  # copied whole, with its fingerprints
    kept, now = _published_fingerprints(serving, "crime_by_lsoa_month")
    assert kept == now and len(now) == 3

    # dbt rewrites January 2019 (a restatement) and records its fingerprint
    con = duckdb.connect(str(warehouse))
    con.execute(
        "UPDATE main_marts.crime_by_lsoa_month SET count = count + 1 "
        "WHERE period_month = DATE '2019-01-01' AND lsoa_code = 'E01000007'"
    )
    con.close()
    _keep_fingerprints(warehouse, "crime_by_lsoa_month", "2019-01-01")
    result = publish_serving(warehouse, serving)
    assert result.months_rewritten["crime_by_lsoa_month"] == 1
    _same_tables(warehouse, serving, ["crime_by_lsoa_month"])
    kept, now = _published_fingerprints(serving, "crime_by_lsoa_month")
    assert kept == now

    # a row added without its fingerprint: the kept ones miss a row, the rows are read
    con = duckdb.connect(str(warehouse))
    con.execute(
        "INSERT INTO main_marts.crime_by_lsoa_month SELECT * FROM main_marts.crime_by_lsoa_month "
        "WHERE period_month = DATE '2019-02-01' LIMIT 1"
    )
    con.close()
    result = publish_serving(warehouse, serving)
    assert result.months_rewritten["crime_by_lsoa_month"] == 1
    _same_tables(warehouse, serving, ["crime_by_lsoa_month"])
    kept, now = _published_fingerprints(serving, "crime_by_lsoa_month")
    assert kept == now
