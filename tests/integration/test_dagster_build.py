"""A real in-process Dagster materialisation: landing -> raw -> dbt -> serving file.

Uses the real data.police.uk file of ``../shared/realdata/police_uk`` and compares the
published scorecard with an independent count of the CSV (the csv module, not the loader).
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


def test_build_publishes_scorecard_equal_to_independent_count(csp_env, landed, capsys):
    assert build.main([]) == 0
    out = capsys.readouterr().out
    assert "1 loaded" in out and "result: OK" in out

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
    first = _scorecard(serving)
    assert build.main([]) == 0
    out = capsys.readouterr().out
    assert "0 loaded, 1 skipped" in out
    assert _scorecard(serving) == first


def test_failed_dbt_build_keeps_the_old_serving_file(csp_env, landed, capsys):
    assert build.main([]) == 0
    serving = csp_env / "serving.duckdb"
    before = serving.read_bytes()
    inode = serving.stat().st_ino
    capsys.readouterr()

    # Break the warehouse behind ingest's back: a duplicated raw row fails the staging
    # model's unique key test (and the source's not_null _loaded_at test).
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


def test_rejected_file_fails_the_build_and_is_quarantined(csp_env, landed, capsys):
    bad = csp_env / "landing" / "police_street" / "2019-02-thames-valley-street.csv"
    bad.write_text("this,is,not\nthe,police,format\n")
    assert build.main([]) == 1
    out = capsys.readouterr().out
    assert "1 rejected" in out and "REJECTED police_street/" + bad.name in out
    assert not bad.exists()
    assert (csp_env / "quarantine" / "police_street" / bad.name).exists()
