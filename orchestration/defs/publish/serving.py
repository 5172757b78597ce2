"""The ``serving`` asset: the published serving file (``Settings.serving_path``), replaced
atomically.

``publish_serving`` writes a NEW file beside the serving file
(``serving.duckdb.<uuid>.tmp``), copies the aggregate marts into it from the warehouse
(attached READ_ONLY) with their table and column comments, checks the row counts, then
``os.replace``-s it over the serving file.
A reader holding the old file open keeps reading the old file; a failure at any step
removes the temporary file and leaves the old serving file untouched.
"""

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from orchestration.defs.common import PUBLISH_GROUP, SERVING_TABLES, WAREHOUSE_POOL

MARTS_SCHEMA = "main_marts"
#: Tables that must not be empty for a publish to go ahead.
REQUIRED_NONEMPTY = ("scorecard",)
#: Column-name endings that would mean a person identifier reached the serving file.
PERSON_COLUMN_SUFFIXES = ("_ref",)


class PublishError(RuntimeError):
    """The serving file was not replaced."""


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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


def publish_serving(
    warehouse_path: Path,
    serving_path: Path,
    tables: Sequence[str] = SERVING_TABLES,
    schema: str = MARTS_SCHEMA,
    required_nonempty: Sequence[str] = REQUIRED_NONEMPTY,
) -> dict[str, int]:
    """Copy ``<schema>.<table>`` for each table into a new serving file, swap it in.

    Returns ``{table: rows}``. Raises PublishError (old serving file untouched) when the
    warehouse or a table is missing, a required table is empty, a count differs after the
    copy, or a column looks like a person identifier.
    """
    warehouse_path = Path(warehouse_path)
    serving_path = Path(serving_path)
    if not warehouse_path.is_file():
        raise PublishError(f"warehouse not found: {warehouse_path}")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.with_name(f"{serving_path.name}.{uuid.uuid4().hex}.tmp")
    counts: dict[str, int] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
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
                    raise PublishError(f"{schema}.{table} is empty: not publishing")
                con.execute(f"CREATE TABLE main.{_quote_ident(table)} AS SELECT * FROM {src}")
                copied = con.execute(f"SELECT count(*) FROM main.{_quote_ident(table)}").fetchone()[
                    0
                ]
                if copied != expected:
                    raise PublishError(f"{table}: copied {copied} rows, expected {expected}")
                counts[table] = int(copied)
                copy_comments(con, "wh", schema, table)
            con.execute("DETACH wh")
            con.execute(
                "CREATE TABLE main._publish_log AS "
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
        raise
    return counts


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
            counts = publish_serving(Path(settings.warehouse_path), Path(settings.serving_path))
        except PublishError as exc:
            raise dg.Failure(description=f"serving file not replaced: {exc}") from exc
        context.log.info(f"published {settings.serving_path}: {counts}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.serving_path)),
                "row_counts": dg.MetadataValue.json(counts),
                **{f"rows_{t}": n for t, n in counts.items()},
            }
        )

    return serving
