"""The ``serving`` asset: the published serving file (``Settings.serving_path``), replaced
atomically.

``publish_serving`` writes a NEW file beside the serving file
(``serving.duckdb.<pid>-<random>.tmp``), copies the aggregate marts into it from the
warehouse (attached READ_ONLY) with their table and column comments, checks the row counts,
then ``os.replace``-s it over the serving file. The new file starts as a copy of the
published one, and a table with a ``period_month`` column and the same columns as published
gets only its changed months rewritten (compared month by month by row count and a sum of
row hashes): one more month of a national history rewrites that month, not ten years. The
fingerprints of an incremental model's months are kept by the warehouse as dbt writes them,
and those of what was published in the serving file (``_publish_months``), so neither file's
rows are read again to find the changed months.
A reader holding the old file open keeps reading the old file; a failure at any step
removes the temporary file and leaves the old serving file untouched.

A publish holds an exclusive lock (``.serving.duckdb.lock`` beside the serving file) from
start to swap, so publishes from several processes run one at a time. A publish killed
mid-copy (``kill -9``, a lost container) leaves its ``.tmp`` and ``.tmp.wal`` behind: the
next publish, holding the lock, knows no live publish owns them, removes them and reports
them (``PublishResult.removed``; the asset's log and metadata; the build summary).

An empty scorecard is refused while any raw table has rows (the build is broken) and
published when none has (no partner has sent data yet: "no data").

Given a history folder, a publish also records what it published new or changed there
(``history.py``: the figures as first reported survive a rebuild of the warehouse).
"""

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from orchestration.defs.common import PUBLISH_GROUP, SERVING_TABLES, WAREHOUSE_POOL
from orchestration.defs.publish.history import StagedHistory, stage_history

MARTS_SCHEMA = "main_marts"
#: The warehouse schema ingest loads partner files into (``raw.<source>``).
RAW_SCHEMA = "raw"
#: Tables that must not be empty for a publish to go ahead, unless no raw table has a row.
REQUIRED_NONEMPTY = ("scorecard",)
#: Column-name endings that would mean a person identifier reached the serving file.
PERSON_COLUMN_SUFFIXES = ("_ref",)
#: How long a publish waits for another process's publish to finish.
LOCK_TIMEOUT_SECONDS = 600.0
#: The warehouse's fingerprints of its incremental models' rows by month (dbt macro
#: record_output_months) and the serving file's of what it published: compared, they give
#: the months to rewrite without reading every row of both files.
OUTPUT_MONTHS_TABLE = "_incremental_output_months"
PUBLISHED_MONTHS_TABLE = "_publish_months"


class PublishError(RuntimeError):
    """The serving file was not replaced. ``removed``: leftovers of a dead publish that were
    removed before this one failed."""

    removed: Sequence[str] = ()


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: ``counts`` = rows per published table; ``removed`` = leftover
    temporary files of a publish that died, removed before this one; ``no_data`` = the
    scorecard is empty because no raw table has a row yet."""

    counts: dict[str, int]
    removed: list[str] = field(default_factory=list)
    no_data: bool = False
    #: the history file written (None: no history folder, or nothing new or changed)
    history_file: Path | None = None
    first_published: int = 0  # figures published for the first time
    restated: int = 0  # figures published with a count different from before
    #: tables brought up to date month by month: how many months each rewrote (a table not
    #: here was copied whole)
    months_rewritten: dict[str, int] = field(default_factory=dict)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lock_path(serving_path: Path) -> Path:
    """The lock file every publish of ``serving_path`` holds (kept; never deleted)."""
    serving_path = Path(serving_path)
    return serving_path.with_name(f".{serving_path.name}.lock")


def temporary_files(serving_path: Path) -> list[Path]:
    """The temporary files of publishes of ``serving_path`` now beside it:
    ``<name>.<id>.tmp`` and DuckDB's ``<name>.<id>.tmp.wal``."""
    serving_path = Path(serving_path)
    prefix = serving_path.name + "."
    if not serving_path.parent.is_dir():
        return []
    return sorted(
        p
        for p in serving_path.parent.iterdir()
        if p.name.startswith(prefix) and p.name.endswith((".tmp", ".tmp.wal"))
    )


class _PublishLock:
    """An exclusive ``flock`` on ``lock_path(serving_path)``: released by the kernel when the
    holder exits, however it dies, so no stale lock outlives a killed publish."""

    def __init__(self, serving_path: Path, timeout: float) -> None:
        self.path = lock_path(serving_path)
        self.timeout = timeout
        self._fh = None

    def __enter__(self) -> "_PublishLock":
        fh = open(self.path, "a+")  # noqa: SIM115 - held until __exit__
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "unknown"
                    fh.close()
                    raise PublishError(
                        f"another publish (pid {holder}) has held {self.path} for more than "
                        f"{self.timeout:.0f} s"
                    ) from None
                time.sleep(0.1)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def remove_leftovers(serving_path: Path) -> list[str]:
    """Remove the temporary files of publishes that died. Call it holding the publish lock:
    then no live publish owns any of them. Returns the names removed."""
    removed = []
    for path in temporary_files(serving_path):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path.name)
    return removed


def leftovers_message(removed: Sequence[str]) -> str:
    """One line for people about the leftovers of a dead publish that were removed."""
    return f"removed {len(removed)} leftover file(s) of a publish that died: " + ", ".join(removed)


def copy_comments(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> int:
    """Copy the table's and its columns' comments (dbt writes the model YAML's descriptions
    as DuckDB comments, `persist_docs`) from ``database.schema.table`` onto ``main.table``,
    so that an analyst sees them in the serving file. Returns how many were copied."""
    rows = con.execute(
        "SELECT NULL AS column_name, comment FROM duckdb_tables() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? AND comment IS NOT NULL "
        "UNION ALL SELECT column_name, comment FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? AND comment IS NOT NULL",
        [database, schema, table, database, schema, table],
    ).fetchall()
    target = f"main.{_quote_ident(table)}"
    for column, comment in rows:
        if column is None:
            con.execute(f"COMMENT ON TABLE {target} IS {_quote_literal(comment)}")
        else:
            con.execute(
                f"COMMENT ON COLUMN {target}.{_quote_ident(column)} IS {_quote_literal(comment)}"
            )
    return len(rows)


def raw_row_counts(
    con: duckdb.DuckDBPyConnection, database: str, schema: str = RAW_SCHEMA
) -> dict[str, int]:
    """Rows of each partner table of ``database.schema`` (not the load log ``_loads`` nor
    the ``__superseded`` tables); empty when the schema does not exist."""
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
            "ORDER BY table_name",
            [database, schema],
        ).fetchall()
        if not name.startswith("_") and not name.endswith("__superseded")
    ]
    return {
        name: con.execute(
            f"SELECT count(*) FROM {_quote_ident(database)}.{_quote_ident(schema)}."
            f"{_quote_ident(name)}"
        ).fetchone()[0]
        for name in tables
    }


def scorecard_sources(con: duckdb.DuckDBPyConnection, database: str) -> set[str] | None:
    """The sources the scorecard counts from (every source named in the measure catalogue's
    `source`, e.g. `police_crime|police_street`, `iom_cohort+iom_convictions`), as the
    warehouse's seed holds it; None when the seed is not there. A raw table of another source
    (the Home Office table of crime by CSP, read by the peer ranking only) leaves the
    scorecard empty honestly."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
        "AND schema_name = 'main_seeds' AND table_name = 'measures'",
        [database],
    ).fetchone()[0]
    if not found:
        return None
    rows = con.execute(
        "SELECT DISTINCT trim(unnest(regexp_split_to_array(source, '[|+]'))) "
        f"FROM {_quote_ident(database)}.main_seeds.measures WHERE source IS NOT NULL"
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def publish_serving(
    warehouse_path: Path,
    serving_path: Path,
    tables: Sequence[str] = SERVING_TABLES,
    schema: str = MARTS_SCHEMA,
    required_nonempty: Sequence[str] = REQUIRED_NONEMPTY,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    history_dir: Path | None = None,
) -> PublishResult:
    """Copy ``<schema>.<table>`` for each table into a new serving file, swap it in.

    Holds the publish lock throughout; first removes the temporary files of publishes that
    died. With ``history_dir``, records the figures published new or changed there.
    Raises PublishError (old serving file untouched) when the warehouse or a table is
    missing, a required table is empty while raw data exists, a count differs after the
    copy, or a column looks like a person identifier.
    """
    warehouse_path = Path(warehouse_path)
    serving_path = Path(serving_path)
    if not warehouse_path.is_file():
        raise PublishError(f"warehouse not found: {warehouse_path}")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    with _PublishLock(serving_path, lock_timeout):
        removed = remove_leftovers(serving_path)
        try:
            counts, no_data, history, rewritten = _publish(
                warehouse_path, serving_path, tables, schema, required_nonempty, history_dir
            )
        except PublishError as exc:
            exc.removed = removed
            raise
    return PublishResult(
        counts=counts,
        removed=removed,
        no_data=no_data,
        history_file=history.path if history else None,
        first_published=history.first_published if history else 0,
        restated=history.restated if history else 0,
        months_rewritten=rewritten,
    )


def _publish(
    warehouse_path: Path,
    serving_path: Path,
    tables: Sequence[str],
    schema: str,
    required_nonempty: Sequence[str],
    history_dir: Path | None = None,
) -> tuple[dict[str, int], bool, StagedHistory | None, dict[str, int]]:
    tmp = serving_path.with_name(f"{serving_path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp")
    counts: dict[str, int] = {}
    rewritten: dict[str, int] = {}
    no_data = False
    history: StagedHistory | None = None
    try:
        reusable = _start_from(serving_path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            for stale in sorted(reusable - set(tables)):  # no longer published
                con.execute(f"DROP TABLE main.{_quote_ident(stale)}")
            con.execute(f"ATTACH {_quote_literal(str(warehouse_path))} AS wh (READ_ONLY)")
            for table in tables:
                src = f"wh.{_quote_ident(schema)}.{_quote_ident(table)}"
                exists = con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' "
                    "AND schema_name = ? AND table_name = ? "
                    "UNION ALL SELECT count(*) FROM duckdb_views() WHERE database_name = 'wh' "
                    "AND schema_name = ? AND view_name = ?",
                    [schema, table, schema, table],
                ).fetchall()
                if sum(n for (n,) in exists) == 0:
                    raise PublishError(f"{schema}.{table} not found in {warehouse_path}")
                columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
                person = [c for c in columns if c.lower().endswith(PERSON_COLUMN_SUFFIXES)]
                if person:
                    raise PublishError(f"{schema}.{table} has person-level columns {person}")
                expected = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
                if expected == 0 and table in required_nonempty:
                    feeding = scorecard_sources(con, "wh")
                    raw = {
                        t: n
                        for t, n in raw_row_counts(con, "wh").items()
                        if n and (feeding is None or t in feeding)
                    }
                    if raw:
                        held = ", ".join(f"{RAW_SCHEMA}.{t} {n} rows" for t, n in raw.items())
                        raise PublishError(
                            f"{schema}.{table} is empty although the warehouse holds raw data "
                            f"({held}): not publishing"
                        )
                    no_data = True  # no partner data yet: an honestly empty scorecard
                months = (
                    _copy_changed_months(con, src, table, schema, expected)
                    if table in reusable
                    else None
                )
                if months is not None:
                    rewritten[table] = months
                else:
                    con.execute(
                        f"CREATE OR REPLACE TABLE main.{_quote_ident(table)} AS SELECT * FROM {src}"
                    )
                    kept = _month_fingerprints(con, schema, table, expected)
                    if kept:
                        _keep_published_fingerprints(con, table, kept)
                copied = con.execute(f"SELECT count(*) FROM main.{_quote_ident(table)}").fetchone()[
                    0
                ]
                if copied != expected:
                    raise PublishError(f"{table}: copied {copied} rows, expected {expected}")
                counts[table] = int(copied)
                copy_comments(con, "wh", schema, table)
            con.execute("DETACH wh")
            if history_dir is not None:
                try:
                    history = stage_history(con, history_dir)
                except (OSError, duckdb.IOException) as exc:
                    raise PublishError(
                        f"the publish history {history_dir} cannot be written ({exc}): "
                        "not publishing (set CSP_HISTORY_DIR to a folder you can write)"
                    ) from exc
            con.execute(
                "CREATE OR REPLACE TABLE main._publish_log AS "
                "SELECT current_timestamp::TIMESTAMP AS published_at, t.table_name, t.row_count "
                "FROM (VALUES "
                + ", ".join(f"({_quote_literal(t)}, {n})" for t, n in counts.items())
                + ") AS t(table_name, row_count)"
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, serving_path)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if history is not None:
            history.discard()
        raise
    if history is not None:
        history.commit()
    return counts, no_data, history, rewritten


def _start_from(serving_path: Path, tmp: Path) -> set[str]:
    """Start the new file as a copy of the published one, whose tables a publish may then
    bring up to date month by month (`_copy_changed_months`); returns its tables (none when
    there is no serving file yet, or it cannot be read: the publish then copies all)."""
    if not serving_path.is_file():
        return set()
    try:
        shutil.copyfile(serving_path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            return {
                name
                for (name,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                    "AND database_name = current_database() AND NOT temporary"
                ).fetchall()
                if name not in ("_publish_log", PUBLISHED_MONTHS_TABLE)
            }
        finally:
            con.close()
    except (OSError, duckdb.Error):
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        return set()


def _kept_fingerprints(
    con: duckdb.DuckDBPyConnection, database: str, table: str, column: str, key: str, rows: int
) -> str | None:
    """SQL of the fingerprints by month kept in ``<database>.main.<table>`` for the rows
    whose ``column`` is ``key``; None when none are kept, or they do not account for
    ``rows`` rows (then the caller reads the rows themselves)."""
    kept = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
        "AND schema_name = 'main' AND table_name = ? AND NOT temporary",
        [database, table],
    ).fetchone()[0]
    if not kept:
        return None
    found = (
        f"FROM {_quote_ident(database)}.main.{_quote_ident(table)} "
        f"WHERE {column} = {_quote_literal(key)}"
    )
    months, total = con.execute(f"SELECT count(*), sum(n) {found}").fetchone()
    if not months or total != rows:
        return None
    return f"SELECT period_month, n, h {found}"


def _month_fingerprints(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, expected: int
) -> str | None:
    """The warehouse's fingerprints of ``<schema>.<table>`` by month: dbt's incremental
    strategies keep them for the months each run rewrites (``record_output_months``)."""
    return _kept_fingerprints(
        con, "wh", OUTPUT_MONTHS_TABLE, "relation", f"{schema}.{table}", expected
    )


def _published_fingerprints(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The fingerprints by month of ``main.<table>`` as last published (the serving file's
    ``_publish_months``)."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    rows = con.execute(f"SELECT count(*) FROM main.{_quote_ident(table)}").fetchone()[0]
    return _kept_fingerprints(con, database, PUBLISHED_MONTHS_TABLE, "table_name", table, rows)


def _keep_published_fingerprints(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    """Record ``source`` (SQL of period_month, n, h) as the fingerprints of ``table`` as now
    published, for the next publish to compare with."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS main.{PUBLISHED_MONTHS_TABLE} "
        "(table_name VARCHAR, period_month DATE, n BIGINT, h HUGEINT)"
    )
    con.execute(f"DELETE FROM main.{PUBLISHED_MONTHS_TABLE} WHERE table_name = ?", [table])
    con.execute(
        f"INSERT INTO main.{PUBLISHED_MONTHS_TABLE} "
        f"SELECT {_quote_literal(table)}, period_month, n, h FROM ({source})"
    )


def _copy_changed_months(
    con: duckdb.DuckDBPyConnection, src: str, table: str, schema: str, expected: int
) -> int | None:
    """Bring ``main.<table>`` (as last published) up to ``src`` by replacing only the months
    whose rows differ (count or a sum of row hashes, per ``period_month``): one more month
    of a national history rewrites that month, not the history. The fingerprints come from
    what the warehouse and the last publish kept where they account for every row, else
    from reading the rows. Returns the months rewritten; None, with nothing done, when the
    table has no ``period_month`` or its columns changed (the caller copies it whole)."""
    target = f"main.{_quote_ident(table)}"
    columns = [tuple(r[:2]) for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
    if ("period_month", "DATE") not in columns:
        return None
    if columns != [tuple(r[:2]) for r in con.execute(f"DESCRIBE {target}").fetchall()]:
        return None
    months = "SELECT period_month, count(*) AS n, sum(hash(t)) AS h FROM {} AS t GROUP BY ALL"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _source_months AS "
        + (_month_fingerprints(con, schema, table, expected) or months.format(src))
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _changed_months AS "
        f"SELECT coalesce(a.period_month, b.period_month) AS period_month "
        f"FROM _source_months AS a "
        f"FULL JOIN ({_published_fingerprints(con, table) or months.format(target)}) AS b "
        "ON a.period_month IS NOT DISTINCT FROM b.period_month "
        "WHERE a.n IS DISTINCT FROM b.n OR a.h IS DISTINCT FROM b.h"
    )
    n, with_null = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE period_month IS NULL) FROM _changed_months"
    ).fetchone()
    if n:
        changed = "period_month IN (SELECT period_month FROM _changed_months)"
        if with_null:
            changed = f"({changed} OR period_month IS NULL)"
        con.execute(f"DELETE FROM {target} WHERE {changed}")
        con.execute(f"INSERT INTO {target} SELECT * FROM {src} WHERE {changed}")
    _keep_published_fingerprints(con, table, "SELECT * FROM _source_months")
    con.execute("DROP TABLE _changed_months")
    con.execute("DROP TABLE _source_months")
    return int(n)


def failed_blocking_checks(
    instance: dg.DagsterInstance, check_keys: Sequence[dg.AssetCheckKey]
) -> list[str]:
    """Those of ``check_keys`` whose latest evaluation failed with severity ERROR."""
    failed = []
    for key in check_keys:
        record = instance.get_latest_asset_check_evaluation_record(key)
        evaluation = record.evaluation if record is not None else None
        if (
            evaluation is not None
            and not evaluation.passed
            and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ):
            failed.append(key.to_user_string())
    return sorted(failed)


def build_serving_asset(
    guard_checks: Sequence[dg.AssetCheckKey] = (),
) -> dg.AssetsDefinition:
    """The ``serving`` asset.

    In a build run it follows the dbt step, so a failed dbt build (a test with severity
    error) skips it. ``guard_checks`` (the dbt checks on the published marts) also stop a
    publish run on its own (``publish_job``) while the latest evaluation of any of them
    failed with severity ERROR.
    """
    guard_checks = tuple(guard_checks)

    @dg.asset(
        key="serving",
        group_name=PUBLISH_GROUP,
        deps=[dg.AssetKey(t) for t in SERVING_TABLES],
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=(
            "The published DuckDB file, `$CSP_DATA_DIR/serving.duckdb` by default "
            "(aggregates only: "
            + ", ".join(SERVING_TABLES)
            + "), swapped in atomically after a build whose checks passed."
        ),
    )
    def serving(context: AssetExecutionContext) -> dg.MaterializeResult:
        from ingest.config import Settings

        failed = failed_blocking_checks(context.instance, guard_checks)
        if failed:
            raise dg.Failure(
                description="not publishing: failed dbt checks upstream: " + ", ".join(failed),
                metadata={"failed_checks": dg.MetadataValue.json(failed)},
            )
        settings = Settings.from_env()
        try:
            result = publish_serving(
                Path(settings.warehouse_path),
                Path(settings.serving_path),
                history_dir=settings.publish_history_dir,
            )
        except PublishError as exc:
            if exc.removed:
                context.log.warning(leftovers_message(exc.removed))
            raise dg.Failure(
                description=f"serving file not replaced: {exc}",
                metadata={"removed_leftovers": dg.MetadataValue.json(list(exc.removed))},
            ) from exc
        if result.removed:
            context.log.warning(leftovers_message(result.removed))
        context.log.info(
            f"published {settings.serving_path}: {result.counts}; months rewritten (the other "
            f"tables copied whole): {result.months_rewritten}; history: "
            f"{result.first_published} figure(s) published first, {result.restated} restated"
            + (" (no raw data yet: the scorecard is empty)" if result.no_data else "")
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.serving_path)),
                "row_counts": dg.MetadataValue.json(result.counts),
                **{f"rows_{t}": n for t, n in result.counts.items()},
                "no_data": result.no_data,
                "removed_leftovers": dg.MetadataValue.json(result.removed),
                "first_published": result.first_published,
                "restated": result.restated,
                "history_file": str(result.history_file or ""),
            }
        )

    return serving
