"""superset/serving_pool.py on real DuckDB files, without Superset: a replaced serving file
is read by the next connection, a connection in use keeps its file until it is given
back, nothing one connection does reaches the next, and the lock settings hold."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pytest
from serving_pool import ServingPool

LOCK = {"enable_external_access": False, "lock_configuration": True}


def write_serving(path: Path, value: int) -> None:
    """A serving file published as the publish does it: written beside, renamed over."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("CREATE TABLE scorecard AS SELECT $v::INTEGER AS count", {"v": value})
    con.close()
    os.replace(tmp, path)


def count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count FROM main.scorecard").fetchone()[0]


@pytest.fixture
def serving(tmp_path: Path) -> Path:
    path = tmp_path / "serving.duckdb"
    write_serving(path, 1)
    return path


def test_the_next_connection_reads_a_replaced_file(serving):
    pool = ServingPool()
    con, give_back = pool.connect(serving, {}, LOCK)
    assert count(con) == 1
    assert con.execute("SELECT current_database()").fetchone()[0] == "serving"
    give_back()
    con, give_back = pool.connect(serving, {}, LOCK)
    assert count(con) == 1
    give_back()
    assert pool.opened == 1  # the second query used the open file

    write_serving(serving, 2)
    con, give_back = pool.connect(serving, {}, LOCK)
    assert count(con) == 2
    give_back()
    assert pool.opened == 2
    pool.close()


def test_a_connection_in_use_keeps_its_file_until_given_back(serving):
    pool = ServingPool()
    old, give_back_old = pool.connect(serving, {}, LOCK)
    (old_db,) = pool._open.values()
    write_serving(serving, 2)
    new, give_back_new = pool.connect(serving, {}, LOCK)
    # The old file is still open (its query is running), yet the new query reads the
    # new file: each version is a database of its own, never DuckDB's cached one.
    assert (count(old), count(new)) == (1, 2)
    assert old_db.retired and old_db.in_use == 1
    give_back_old()
    give_back_old()  # a second give-back changes nothing
    assert old_db.in_use == 0
    with pytest.raises(duckdb.ConnectionException):  # the old file is closed
        old_db.root.execute("SELECT 1")
    assert count(new) == 2
    give_back_new()
    pool.close()


def test_a_detached_file_is_opened_again(serving):
    pool = ServingPool()
    con, give_back = pool.connect(serving, {}, LOCK)
    con.execute("USE memory")
    con.execute("DETACH serving")
    give_back()
    con, give_back = pool.connect(serving, {}, LOCK)
    assert count(con) == 1
    give_back()
    assert pool.opened == 2
    pool.close()


def test_nothing_one_connection_does_reaches_the_next(serving):
    pool = ServingPool()
    con, give_back = pool.connect(serving, {}, LOCK)
    con.execute("CREATE TEMP TABLE scorecard AS SELECT 99 AS count")
    con.execute("USE memory")
    give_back()
    con, give_back = pool.connect(serving, {}, LOCK)
    assert count(con) == 1
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)
    give_back()
    pool.close()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "ATTACH '/tmp/other.duckdb' AS other",
        "COPY (SELECT 1) TO '/tmp/out.csv'",
        "SET enable_external_access = true",
        "SET threads = 1",
        "INSERT INTO scorecard VALUES (5)",
        "DETACH serving",
    ],
)
def test_only_the_serving_files_tables_can_be_read(serving, sql):
    pool = ServingPool()
    con, give_back = pool.connect(serving, {}, LOCK)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(sql)
        assert count(con) == 1
    finally:
        give_back()
        pool.close()


def test_a_missing_file_is_duckdbs_error(tmp_path):
    with pytest.raises(duckdb.IOException, match="missing.duckdb"):
        ServingPool().connect(tmp_path / "missing.duckdb", {}, LOCK)


def test_queries_racing_a_publish_never_read_an_older_file(serving):
    """Threads query while the file is replaced 20 times: a query that starts after a
    publish has finished reads that publish's figure or a later one."""
    pool = ServingPool()
    published = {"value": 1}
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            floor = published["value"]
            con, give_back = pool.connect(serving, {}, LOCK)
            try:
                got = count(con)
            finally:
                give_back()
            if got < floor:
                errors.append(f"read {got} after {floor} was published")

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for value in range(2, 22):
            write_serving(serving, value)
            published["value"] = value
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert all(db.in_use == 0 for db in pool._open.values())
    con, give_back = pool.connect(serving, {}, LOCK)
    assert count(con) == 21
    give_back()
    pool.close()
