"""``csp build`` with nothing new since its last good build runs no job
(orchestration.build_state): what counts as new."""

from datetime import date
from pathlib import Path

import duckdb

from ingest.config import Settings
from orchestration.build_state import (
    Increment,
    LastBuild,
    build_code,
    build_inputs,
    forget_last_build,
    history_month,
    increment_of,
    inputs_hash,
    read_last_build,
    snapshot,
    status_day,
    write_last_build,
)


def _setup(tmp_path: Path) -> tuple[Settings, Path, Path]:
    repo = tmp_path / "repo"
    project = repo / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\nseed-paths: ['../seeds']\n")
    (project / "models" / "m.sql").write_text("select 1 as x\n")
    (repo / "seeds").mkdir()
    (repo / "seeds" / "s.csv").write_text("a\n1\n")
    (repo / "orchestration").mkdir()
    (repo / "orchestration" / "publish.py").write_text("X = 1\n")
    (repo / "uv.lock").write_text("lock 1\n")
    data = tmp_path / "data"
    (data / "history").mkdir(parents=True)
    settings = Settings.from_env({"CSP_DATA_DIR": str(data), "CSP_DEMO": "1"})
    for path in (settings.warehouse_path, settings.serving_path):
        duckdb.connect(str(path)).close()
    return settings, project, repo


def test_inputs_follow_project_code_lock_and_status_day(tmp_path):
    settings, project, repo = _setup(tmp_path)
    day = date(2026, 11, 26)

    def inputs(env=None):
        return build_inputs(settings, project, repo, env=env or {}, today=day)

    first = inputs()
    assert inputs() == first
    assert inputs({"CSP_AS_OF": "2026-11-26"}) == first  # today is that day
    assert inputs({"CSP_AS_OF": "2026-12-01"}) != first  # another build month / status day
    assert build_inputs(settings, project, repo, env={}, today=date(2026, 11, 27)) != first
    assert inputs({"CSP_DBT_TARGET": "ci"}) != first
    for path, text in (
        (project / "models" / "m.sql", "select 2 as x\n"),
        (repo / "seeds" / "s.csv", "a\n2\n"),
        (repo / "orchestration" / "publish.py", "X = 2\n"),
        (repo / "uv.lock", "lock 2\n"),
    ):
        before = inputs()
        path.write_text(text)
        assert inputs() != before, path
    assert status_day({"CSP_AS_OF": " 2026-01-02 "}) == "2026-01-02"


def test_changed_names_what_changed_since_the_last_build(tmp_path):
    settings, project, repo = _setup(tmp_path)
    docs = [tmp_path / "index.html"]
    docs[0].write_text("site")
    inputs = build_inputs(settings, project, repo, env={})
    last = LastBuild(inputs, snapshot(settings, docs), "2026-11-26T10:00:00+00:00", {"s": 1}, "d")
    assert last.changed(inputs, snapshot(settings, docs)) is None
    assert "project" in last.changed("other", snapshot(settings, docs))

    con = duckdb.connect(str(settings.warehouse_path))  # a csp load, a run, a hand edit
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    assert last.changed(inputs, snapshot(settings, docs)) == "the warehouse was written since"

    last = LastBuild(inputs, snapshot(settings, docs), last.finished_at, {"s": 1}, "d")
    (settings.publish_history_dir / "published-x.parquet").write_text("x")
    assert "history" in last.changed(inputs, snapshot(settings, docs))

    last = LastBuild(inputs, snapshot(settings, docs), last.finished_at, {"s": 1}, "d")
    Path(settings.serving_path).unlink()
    assert "serving" in last.changed(inputs, snapshot(settings, docs))

    last = LastBuild(inputs, snapshot(settings, docs), last.finished_at, {"s": 1}, "d")
    docs[0].unlink()
    assert "docs" in last.changed(inputs, snapshot(settings, docs))


def test_record_round_trip_and_forget(tmp_path):
    assert read_last_build(tmp_path) is None
    last = LastBuild("abc", {"warehouse": [1, 2, 3], "history": {}}, "t", {"scorecard": 5}, "d")
    write_last_build(tmp_path, last)
    assert read_last_build(tmp_path) == last
    forget_last_build(tmp_path)
    assert read_last_build(tmp_path) is None
    (tmp_path / ".last-build.json").write_text("{not json")
    assert read_last_build(tmp_path) is None


def test_an_increment_needs_the_code_month_and_files_of_the_last_build(tmp_path):
    """Only new rows changed since the last good build (the same code and history month,
    nothing else written): the build may run what they change only."""
    settings, project, repo = _setup(tmp_path)
    docs = [tmp_path / "index.html"]
    docs[0].write_text("site")
    code = build_code(settings, project, repo, env={})
    day = date(2026, 11, 26)
    assert build_inputs(settings, project, repo, env={}, today=day) == inputs_hash(
        code, "2026-11-26"
    )
    files = snapshot(settings, docs)
    last = LastBuild(
        "i", files, "t", {}, "d", code=code, status_day="2026-11-26", history_month="2026-11"
    )
    assert increment_of(last, code, "2026-11-26", "2026-11", files) == Increment(False)
    assert increment_of(last, code, "2026-11-27", "2026-11", files) == Increment(True)
    assert increment_of(last, code, "2026-12-01", "2026-12", files) is None
    assert increment_of(last, "other code", "2026-11-26", "2026-11", files) is None
    assert increment_of(None, code, "2026-11-26", "2026-11", files) is None
    older = LastBuild("i", files, "t", {}, "d")  # a record from before code was kept
    assert increment_of(older, code, "2026-11-26", "2026-11", files) is None

    con = duckdb.connect(str(settings.warehouse_path))  # a csp load, a hand edit
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    assert increment_of(last, code, "2026-11-26", "2026-11", snapshot(settings, docs)) is None

    # the history ends at the month of today or of the status day, whichever is later
    today = date(2026, 11, 28)
    assert history_month({}, today) == "2026-11"
    assert history_month({"CSP_AS_OF": "2026-10-05"}, today) == "2026-11"
    assert history_month({"CSP_AS_OF": "2027-01-02"}, today) == "2027-01"
