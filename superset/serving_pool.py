"""Read-only DuckDB connections to the published serving file, kept open between queries.

Superset creates a SQLAlchemy engine with a NullPool for every query, so each chart query
used to open the serving file (``duckdb.connect(path, read_only=True)``: read the header
and the catalog, some 70 ms on a 9 MiB file) and close it again. This module keeps one
DuckDB database per serving file open in each Superset worker process and gives every
query a new connection to it (``cursor()``: some microseconds), closed when the query
returns it. No connection is reused, so nothing one query sets (a temporary table, a
schema) reaches another.

A publish never changes the serving file in place: it writes a new file and renames it
over the old one. The pool compares the file's identity (device, inode, size,
modification time: one ``os.stat``) on every checkout; when it has changed, the next
query opens the new file, and the old database is closed as soon as the last query using
it returns it. A query never reads a file older than the one the path named when it
asked for its connection.

Each open file is a database of its own: an in-memory DuckDB database with the file
attached read-only under its usual name (the file's stem, as a direct open names it), so
that DuckDB's process-wide cache of open databases (keyed by path) can never hand a new
query the database of a file that has since been replaced; then the settings in
``lock_settings`` (external access off, the configuration locked) are applied, so a
query can read the attached file's tables and nothing else.

Used by superset_config.py's DB_CONNECTION_MUTATOR (a SQLAlchemy ``creator``); needs only
duckdb (and duckdb_engine's connection wrapper for SQLAlchemy, imported when used).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb

Identity = tuple[int, int, int, int]


def file_identity(path: str | os.PathLike[str]) -> Identity:
    """What changes when a file is replaced or rewritten: device, inode, size, mtime."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Database:
    """One opened version of a file: its in-memory database and the queries using it."""

    def __init__(
        self,
        path: str,
        identity: Identity,
        config: Mapping[str, Any],
        lock_settings: Mapping[str, Any],
    ) -> None:
        self.path = path
        self.identity = identity
        self.catalog = Path(path).stem
        self.use = f"USE {_identifier(self.catalog)}"
        self.in_use = 0
        self.retired = False
        # Spill beside the file, as DuckDB does for a file it opens itself (an in-memory
        # database would spill into the working directory).
        self.root = duckdb.connect(":memory:", config={"temp_directory": f"{path}.tmp", **config})
        try:
            self.root.execute(f"ATTACH {_literal(path)} AS {_identifier(self.catalog)} (READ_ONLY)")
            self.root.execute(self.use)
            for name, value in lock_settings.items():
                self.root.execute(f"SET {name} = {_literal(value)}")
        except BaseException:
            self.root.close()
            raise

    def close(self) -> None:
        self.root.close()


class ServingPool:
    """Open serving files by (path, config), one version of each at a time per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, tuple[tuple[str, str], ...]], _Database] = {}
        self._pid = os.getpid()
        #: How many files this process has opened (tests and benchmarks read it).
        self.opened = 0

    def connect(
        self,
        path: str | os.PathLike[str],
        config: Mapping[str, Any] | None = None,
        lock_settings: Mapping[str, Any] | None = None,
    ) -> tuple[duckdb.DuckDBPyConnection, Callable[[], None]]:
        """A new connection to the current version of `path` and the function that
        returns it (call it exactly once, after closing nothing: it closes the
        connection). `config` configures the database (e.g. memory_limit), applied when
        the file is opened; `lock_settings` are SET after the file is attached."""
        path = os.path.abspath(path)
        config = dict(config or {})
        lock_settings = dict(lock_settings or {})
        key = (
            path,
            tuple(sorted((k, repr(v)) for k, v in {**config, **lock_settings}.items())),
        )
        try:
            identity = file_identity(path)
        except OSError as exc:
            # What duckdb.connect raises for a missing file, so Superset reports it alike.
            raise duckdb.IOException(f'Cannot open database "{path}": {exc.strerror}') from exc
        for attempt in (1, 2):
            db, cursor = self._checkout(key, path, identity, config, lock_settings)
            try:
                # Fails only when the file is no longer attached (a DETACH): then the
                # file is opened afresh, once.
                cursor.execute(db.use)
                break
            except duckdb.Error:
                cursor.close()
                with self._lock:
                    self._release(db)
                    if attempt == 2:
                        raise
                    if self._open.get(key) is db:
                        del self._open[key]
                        self._retire(db)
        done = threading.Lock()

        def give_back() -> None:
            if not done.acquire(blocking=False):
                return  # already given back
            try:
                cursor.close()
            finally:
                with self._lock:
                    self._release(db)

        return cursor, give_back

    def _checkout(
        self,
        key: tuple[str, tuple[tuple[str, str], ...]],
        path: str,
        identity: Identity,
        config: Mapping[str, Any],
        lock_settings: Mapping[str, Any],
    ) -> tuple[_Database, duckdb.DuckDBPyConnection]:
        with self._lock:
            if os.getpid() != self._pid:
                # A forked child: the parent's databases are not this process's to use.
                self._open, self._pid = {}, os.getpid()
            db = self._open.get(key)
            if db is None or db.identity != identity:
                if db is not None:
                    self._retire(db)
                db = _Database(path, identity, config, lock_settings)
                self._open[key] = db
                self.opened += 1
            db.in_use += 1
            try:
                return db, db.root.cursor()
            except BaseException:
                self._release(db)
                raise

    def _retire(self, db: _Database) -> None:
        db.retired = True
        if db.in_use == 0:
            db.close()

    def _release(self, db: _Database) -> None:
        db.in_use -= 1
        if db.retired and db.in_use == 0:
            db.close()

    def close(self) -> None:
        """Close every file no query is using (the rest when their queries return)."""
        with self._lock:
            for db in self._open.values():
                self._retire(db)
            self._open = {}


POOL = ServingPool()


@functools.cache
def _pooled_connection_class() -> type:
    """duckdb_engine's connection wrapper, whose close gives the connection back."""
    from duckdb_engine import ConnectionWrapper

    class PooledConnection(ConnectionWrapper):
        def __init__(
            self, cursor: duckdb.DuckDBPyConnection, give_back: Callable[[], None]
        ) -> None:
            super().__init__(cursor)
            self._give_back = give_back

        def close(self) -> None:
            self.closed = True
            self._give_back()

    return PooledConnection


def sqlalchemy_creator(
    path: str | os.PathLike[str],
    config: Mapping[str, Any] | None = None,
    lock_settings: Mapping[str, Any] | None = None,
    pool: ServingPool = POOL,
) -> Callable[[], Any]:
    """A SQLAlchemy ``creator``: each call returns a duckdb_engine connection wrapper on
    a new connection to the current version of `path`, given back to the pool when
    SQLAlchemy closes it (Superset's NullPool closes it after every query)."""
    wrapper = _pooled_connection_class()

    def creator() -> Any:
        return wrapper(*pool.connect(path, config, lock_settings))

    return creator
