"""The publish history: what every publish published, kept outside the warehouse.

A publish records each scorecard figure (measure, area, month) it publishes for the first
time or with a count different from the one published before, in one Parquet file of
``Settings.publish_history_dir`` (``$CSP_DATA_DIR/history`` by default):
``published-<UTC time>-<id>.parquet``. dbt reads the folder back
(``macros/publish_history.sql``): the scorecard's ``first_reported_count`` /
``first_reported_at`` and the ``restatements`` mart come from it. The warehouse can be
deleted and rebuilt from landing; the history cannot be rebuilt (it records what people
were shown), so it lives beside the landing folder and is backed up with it.

The publish stamps its time on what it publishes new: in the serving file's copy of the
scorecard the figures not published before (``first_reported_at`` NULL in the warehouse),
and in its copy of ``restatements`` the changes not published before (``restated_at``
NULL). The history file is written beside the serving file's temporary file and renamed
into place only after the serving file is swapped in, so the history never claims a
publish that did not happen.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PREFIX = "published-"
#: The columns of a history file, in order (dbt's macros/publish_history.sql reads them).
COLUMNS = (
    "publish_id",
    "published_at",
    "measure_code",
    "area_type",
    "area_code",
    "period_month",
    "count",
    "source",
    "source_file",
)
_KEY = ("measure_code", "area_type", "area_code", "period_month")


@dataclass
class StagedHistory:
    """A publish's history file, written under a temporary name until the publish is done."""

    publish_id: str
    published_at: datetime
    temporary: Path | None  # None: nothing new or changed to record
    first_published: int = 0
    restated: int = 0

    @property
    def path(self) -> Path | None:
        if self.temporary is None:
            return None
        return self.temporary.with_name(f"{PREFIX}{self.publish_id}.parquet")

    def commit(self) -> Path | None:
        """Rename the file into the history (after the serving file was swapped in)."""
        if self.temporary is None:
            return None
        final = self.path
        os.replace(self.temporary, final)
        return final

    def discard(self) -> None:
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)


def _has_columns(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> bool:
    found = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ?",
            [table],
        ).fetchall()
    }
    return set(columns) <= found


def history_files(history_dir: Path) -> list[Path]:
    """The history's files, oldest first."""
    folder = Path(history_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*.parquet"))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_history(con: duckdb.DuckDBPyConnection, history_dir: Path) -> StagedHistory:
    """Stamp the figures of the new serving file (open in ``con``, tables in ``main``) that
    the history has never recorded with this publish's time, and write them, new or changed,
    to a temporary history file in ``history_dir``.

    The warehouse's scorecard knows the history as of its build; a figure it has as not yet
    published (first_reported_at NULL) or as changed (a restatement with restated_at NULL)
    may have been published since by a publish of the same build (``publish_job`` run
    again): the history says so, and its time is kept rather than this publish's."""
    published_at = datetime.now(UTC).replace(tzinfo=None)
    publish_id = f"{published_at.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:8]}"
    staged = StagedHistory(publish_id, published_at, None)
    if not _has_columns(con, "scorecard", (*_KEY, "count", "first_reported_at", "source_file")):
        return staged
    files = history_files(history_dir)
    keys = ", ".join(_KEY)
    if files:
        listed = ", ".join(_quote(str(f)) for f in files)
        con.execute(
            "CREATE TEMP TABLE published_before AS SELECT "
            f"{keys}, min(published_at) AS first_at, "
            'arg_max("count", published_at) AS last_count, max(published_at) AS last_at '
            f"FROM read_parquet([{listed}], union_by_name = true) GROUP BY ALL"
        )
    else:
        con.execute(
            "CREATE TEMP TABLE published_before (measure_code VARCHAR, area_type VARCHAR, "
            "area_code VARCHAR, period_month DATE, first_at TIMESTAMP, last_count BIGINT, "
            "last_at TIMESTAMP)"
        )
    on = " AND ".join(f"p.{k} = t.{k}" for k in _KEY)
    con.execute(
        "UPDATE main.scorecard AS t SET first_reported_at = coalesce(("
        f"SELECT p.first_at FROM published_before AS p WHERE {on}), $ts) "
        'WHERE t."count" IS NOT NULL AND t.first_reported_at IS NULL',
        {"ts": published_at},
    )
    parts = [
        'SELECT measure_code, area_type, area_code, period_month, "count", source, source_file '
        'FROM main.scorecard WHERE "count" IS NOT NULL AND first_reported_at = $ts'
    ]
    if _has_columns(con, "restatements", (*_KEY, "count_after", "restated_at", "source_file")):
        con.execute(
            "UPDATE main.restatements AS t SET restated_at = coalesce(("
            f"SELECT p.last_at FROM published_before AS p WHERE {on} "
            "AND p.last_count = t.count_after), $ts) WHERE t.restated_at IS NULL",
            {"ts": published_at},
        )
        parts.append(
            "SELECT r.measure_code, r.area_type, r.area_code, r.period_month, r.count_after, "
            "s.source, r.source_file FROM main.restatements AS r "
            "LEFT JOIN main.scorecard AS s USING (measure_code, area_type, area_code, "
            "period_month) WHERE r.restated_at = $ts"
        )
    counts = con.execute(
        "SELECT count(*) FILTER (WHERE n = 0), count(*) FILTER (WHERE n = 1) FROM ("
        + " UNION ALL ".join(f"SELECT {i} AS n FROM ({p})" for i, p in enumerate(parts))
        + ")",
        {"ts": published_at},
    ).fetchone()
    con.execute("DROP TABLE published_before")
    staged.first_published, staged.restated = int(counts[0]), int(counts[1])
    if staged.first_published + staged.restated == 0:
        return staged
    folder = Path(history_dir)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{PREFIX}{publish_id}.parquet.tmp"
    select = (
        "SELECT $id::VARCHAR AS publish_id, $ts::TIMESTAMP AS published_at, "
        "measure_code::VARCHAR AS measure_code, area_type::VARCHAR AS area_type, "
        "area_code::VARCHAR AS area_code, period_month::DATE AS period_month, "
        '"count"::BIGINT AS "count", source::VARCHAR AS source, '
        "source_file::VARCHAR AS source_file FROM (" + " UNION ALL ".join(parts) + ")"
    )
    con.execute(
        f"COPY ({select}) TO {_quote(str(temporary))} (FORMAT parquet)",
        {"id": publish_id, "ts": published_at},
    )
    staged.temporary = temporary
    return staged
