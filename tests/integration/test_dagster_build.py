"""A real in-process Dagster materialisation: landing -> raw -> dbt -> serving file.

Uses the real data.police.uk file of ``../shared/realdata/police_uk`` and compares the
published scorecard with an independent count of the CSV (the csv module, not the loader).
The output is a progress line per stage and a summary naming dbt's log file; a failed build
names the failing test or model with the first lines of its error.
"""

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration import build

pytestmark = pytest.mark.slow

REAL_FILE = "2019-01-thames-valley-street.csv"
MILTON_KEYNES = "E22000307"


def _independent_counts(path: Path, district: str) -> dict[str, int]:
    counts = {"all_crime": 0, "asb_police": 0}
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if not (row["LSOA name"] or "").startswith(district + " "):
                continue
            if row["Crime type"] == "Anti-social behaviour":
                counts["asb_police"] += 1
            else:
                counts["all_crime"] += 1
    return counts


def _scorecard(serving: Path) -> list[tuple]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute("SELECT * FROM main.scorecard ORDER BY ALL").fetchall()
    finally:
        con.close()


def _count(serving: Path, measure: str, area: str, month: date) -> int | None:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        row = con.execute(
            "SELECT count FROM main.scorecard WHERE measure_code = ? AND area_code = ? "
            "AND period_month = ?",
            [measure, area, month],
        ).fetchone()
    finally:
        con.close()
    return None if row is None else row[0]


@pytest.fixture
def landed(csp_env: Path, realdata_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # an ephemeral Dagster instance, never the developer's $DAGSTER_HOME
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    folder = csp_env / "landing" / "police_street"
    folder.mkdir(parents=True)
    src = realdata_dir / "police_uk" / REAL_FILE
    shutil.copy(src, folder / REAL_FILE)
    return src


def _dbt_log(out: str) -> Path:
    (line,) = [line for line in out.splitlines() if line.startswith("dbt log: ")]
    return Path(line.removeprefix("dbt log: "))


def _materialised(out: str) -> int:
    """The summary's count of dbt assets materialised."""
    (line,) = [line for line in out.splitlines() if line.startswith("dbt: ") and " assets " in line]
    return int(line.split()[1])


def test_build_publishes_scorecard_equal_to_independent_count(csp_env, landed, capsys):
    assert build.main([]) == 0
    out = first_out = capsys.readouterr().out
    assert "1 loaded" in out and "result: OK" in out
    # the first build in a data folder generates the docs site
    (docs_line,) = [line for line in out.splitlines() if line.startswith("docs: ")]
    assert "unchanged" not in docs_line and (csp_env / "dbt_docs" / "index.html").is_file()
    # progress lines and the summary only; dbt's log in the data folder
    assert "ingest police_street: 1 file(s): 1 loaded" in out
    assert "Running with dbt=" not in out
    log = _dbt_log(out)
    assert log.parent == csp_env.resolve() / "logs"
    assert "Running with dbt=" in log.read_text()

    serving = csp_env / "serving.duckdb"
    assert serving.is_file()
    expected = _independent_counts(landed, "Milton Keynes")
    assert expected["all_crime"] > 0
    month = date(2019, 1, 1)
    assert _count(serving, "all_crime", MILTON_KEYNES, month) == expected["all_crime"]
    assert _count(serving, "asb_police", MILTON_KEYNES, month) == expected["asb_police"]

    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert {"scorecard", "dim_area", "dim_date"} <= tables
    assert "fct_crime" not in tables
    assert not list(csp_env.glob("serving.duckdb.*.tmp*"))

    # Twice on the same input: the file is skipped as already loaded, the scorecard is identical.
    # A publish killed mid-copy left its files behind: this build removes them and says so.
    # With -v, dbt's log streams to the terminal too. (--force: nothing is new, see below.)
    first = _scorecard(serving)
    dead = [csp_env / "serving.duckdb.4000000-0123456789ab.tmp"]
    dead.append(dead[0].with_name(dead[0].name + ".wal"))
    for path in dead:
        path.write_bytes(b"left by a publish killed mid-copy")
    assert build.main(["-v", "--force"]) == 0
    out = capsys.readouterr().out
    assert "0 loaded, 1 skipped" in out and "unit tests left out" not in out
    assert _scorecard(serving) == first
    assert not any(path.exists() for path in dead)
    assert (
        "serving: removed 2 leftover file(s) of a publish that died: "
        "serving.duckdb.4000000-0123456789ab.tmp, serving.duckdb.4000000-0123456789ab.tmp.wal"
    ) in out.splitlines()
    assert "Running with dbt=" in out and "Running with dbt=" in _dbt_log(out).read_text()

    # The second build in the data folder reuses the first one's parse (dbt's target folder
    # is the data folder's, with the same profile): no model is parsed again.
    assert "Unable to do partial parsing" not in _dbt_log(out).read_text()
    # (dbt rotates its debug log at 10 MB: dbt.log, dbt.log.1, ...)
    debug_log = "".join(p.read_text() for p in (csp_env / "dbt_target").glob("dbt.log*"))
    assert "Partial parsing enabled, no changes found, skipping parsing" in debug_log
    assert (csp_env / "dbt_target" / "partial_parse.msgpack").is_file()
    # Nothing the docs site shows changed (the project, the warehouse's columns): not
    # regenerated, still there.
    (docs_line,) = [line for line in out.splitlines() if line.startswith("docs: ")]
    assert "(unchanged, not regenerated)" in docs_line, docs_line
    assert "dbt docs: " in out and (csp_env / "dbt_docs" / "catalog.json").is_file()

    # A third time, not forced: no file loaded, nothing else changed since the last good
    # build: dbt and the publish are not run; what is published stays, and is reported.
    inode = serving.stat().st_ino
    assert build.main([]) == 0
    out = capsys.readouterr().out
    assert "0 loaded, 1 skipped" in out and "result: OK" in out
    assert "dbt: not run: nothing new since the build of " in out
    assert "dbt: build started" not in out and "publish: " not in out
    assert any(
        line.startswith(f"serving: {serving} (scorecard ") and line.endswith("not published again")
        for line in out.splitlines()
    ), out
    assert serving.stat().st_ino == inode and _scorecard(serving) == first

    # The next month arrives, the code is the last good build's: built and published, dbt's
    # unit tests left out (their result depends on the code alone); the --force build above
    # ran them. Nothing but this build's ingest wrote since: only what police_street's new
    # rows change is built (orchestration/increment.py), the other domains' marts are not.
    full_count = _materialised(first_out)
    nxt = landed.with_name("2019-02-thames-valley-street.csv")
    shutil.copy(nxt, landed_folder(csp_env) / nxt.name)
    assert build.main([]) == 0
    out = capsys.readouterr().out
    assert "1 loaded" in out and "result: OK" in out
    assert "dbt: build started" in out and "unit tests left out" in out
    assert "build: only what the new rows of police_street change: " in out
    assert "; only those downstream of the new rows of police_street" in out
    assert 0 < _materialised(out) < full_count, out
    feb = _independent_counts(nxt, "Milton Keynes")
    assert _count(serving, "all_crime", MILTON_KEYNES, date(2019, 2, 1)) == feb["all_crime"]
    increment = _scorecard(serving)
    assert increment != first

    # A full rebuild of the same warehouse publishes the same scorecard.
    assert build.main(["--force"]) == 0
    out = capsys.readouterr().out
    assert "result: OK" in out and "only what the new rows" not in out
    assert _materialised(out) == full_count
    assert _scorecard(serving) == increment


def landed_folder(csp_env: Path) -> Path:
    return csp_env / "landing" / "police_street"


def test_failed_dbt_build_keeps_the_old_serving_file(csp_env, landed, capsys):
    assert build.main([]) == 0
    serving = csp_env / "serving.duckdb"
    before = serving.read_bytes()
    inode = serving.stat().st_ino
    capsys.readouterr()

    # Break the warehouse behind ingest's back: a raw row copied with no load time fails the
    # source's not_null _loaded_at test.
    con = duckdb.connect(str(csp_env / "warehouse.duckdb"))
    try:
        con.execute(
            "INSERT INTO raw.police_street SELECT * REPLACE (NULL::TIMESTAMP AS _loaded_at) "
            "FROM raw.police_street LIMIT 1"
        )
    finally:
        con.close()

    assert build.main([]) == 1
    out = capsys.readouterr().out
    assert "result: FAILED" in out
    assert "serving: NOT published" in out
    assert serving.stat().st_ino == inode
    assert serving.read_bytes() == before
    # the summary names the failing test with its error line, and where the whole log is
    assert (
        "  FAILED test source_not_null_raw_police_street__loaded_at (fail): "
        "Got 1 result, configured to fail if != 0"
    ) in out.splitlines()
    assert "Failure in test source_not_null_raw_police_street__loaded_at" in (
        _dbt_log(out).read_text()
    )


def test_failed_model_is_named_with_its_error(csp_env, landed, capsys):
    """A model that cannot build (a raw column it reads, with no source test, is gone): the
    summary names it and shows the first lines of dbt's error."""
    from ingest.config import Settings
    from ingest.load import load_landing

    load_landing(Settings.from_env())
    con = duckdb.connect(str(csp_env / "warehouse.duckdb"))
    try:
        con.execute("ALTER TABLE raw.police_street DROP COLUMN context")
    finally:
        con.close()

    assert build.main([]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "result: FAILED" in out and "serving: NOT published" in out
    failed = [n for n, line in enumerate(lines) if line.startswith("  FAILED ")]
    assert [lines[n].split(": ", 1)[0] for n in failed] == [
        "  FAILED model stg_police_uk__street_crimes (error)"
    ], out
    error = "\n".join(lines[failed[0] : failed[0] + 4])
    assert 'column "context" not found' in error, error


def test_rejected_file_fails_the_build_and_is_quarantined(csp_env, landed, capsys):
    bad = csp_env / "landing" / "police_street" / "2019-02-thames-valley-street.csv"
    bad.write_text("this,is,not\nthe,police,format\n")
    assert build.main([]) == 1
    out = capsys.readouterr().out
    assert "1 rejected" in out and "REJECTED police_street/" + bad.name in out
    assert not bad.exists()
    assert (csp_env / "quarantine" / "police_street" / bad.name).exists()
