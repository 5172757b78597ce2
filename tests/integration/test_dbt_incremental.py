"""Incremental by month (macros/incremental_months.sql) on the real data.police.uk files,
loaded by the real loader: two months of Kent and Thames Valley are built; then the next
month arrives with a restatement of Kent's second month (rows withdrawn, crimes
reclassified: the loader moves the old rows to raw.police_street__superseded) and dbt
builds incrementally. The incremental models must then hold exactly what a --full-refresh
build of the same raw data holds, and so must the scorecard; and the untouched month must
not have been rewritten (a marker put on one of its rows before the incremental run is
still there after it, while the months recomputed are exactly the restated and the new one).
The scorecard chain (macros/incremental_from_month.sql) recomputes from the restated month
on. Then a seed edit (an LSOA moved to another CSP) must recompute every month, and again
equal a --full-refresh build.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from dbt_support import copy_project, run_dbt, target_path, warehouse_path

from ingest.config import Settings
from ingest.load import load_file

pytestmark = pytest.mark.slow

FIRST = [
    "2018-10-kent-street.csv",
    "2018-10-thames-valley-street.csv",
    "2018-11-kent-street.csv",
    "2018-11-thames-valley-street.csv",
]
NEXT = ["2018-12-kent-street.csv", "2018-12-thames-valley-street.csv"]

#: the incremental models, with a column the marker may change without reaching any other
#: model's figures, and the key of a row
INCREMENTAL = {
    "main_intermediate.int_crime__events": ("outcome", "event_key"),
    "main_intermediate.int_crime__measure_counts": (
        "denominator_count",  # NULL for every crime measure (counts): never read downstream
        "concat_ws('|', measure_code, source, force_code, csp_code, lsoa_code)",
    ),
    "main_marts.crime_by_lsoa_month": ("lsoa_name", "concat_ws('|', lsoa_code, measure_code)"),
    "main_intermediate.int_crime__area_counts": (
        "denominator_count",  # as in int_crime__measure_counts
        "concat_ws('|', measure_code, source, area_type, area_code)",
    ),
    # `events` and `files` are counts for people: no model reads them
    "main_intermediate.int_crime__source_coverage": (
        "events",
        "concat_ws('|', source, force_code)",
    ),
    "main_marts.unplaced_events": (
        "files",
        "concat_ws('|', source, reason, counted_in, force_code, csp_code)",
    ),
}
#: the models incremental from the earliest changed month (macros/incremental_from_month.sql)
FROM_MONTH = [
    "main_intermediate.int_scorecard__crime_monthly",
    "main_intermediate.int_scorecard__monthly",
    "main_intermediate.int_scorecard__values",
    "main_marts.scorecard",
]
#: every model whose figures the restatement and the new month change (compared whole)
COMPARED = [
    *INCREMENTAL,
    "main_marts.fct_crime",  # a view over int_crime__events
    *FROM_MONTH,
]
MARKER = {
    "outcome": "'marker'",
    "denominator_count": "-7",
    "lsoa_name": "'marker'",
    "events": "-7",
    "files": "-7",
}


def _restated(source: Path, target: Path) -> int:
    """Kent's November as a force restates it: every tenth row withdrawn, shoplifting
    reclassified as other theft. Returns the rows written."""
    with source.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = [r for i, r in enumerate(reader) if i % 10 != 3]
    for r in rows:
        if r["Crime type"] == "Shoplifting":
            r["Crime type"] = "Other theft"
    with target.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


NO_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


def _build(project: Path, tmp: Path, *args: str) -> float:
    started = time.perf_counter()
    result = run_dbt(project, tmp, *args, timeout=1200)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return time.perf_counter() - started


def test_incremental_run_recomputes_changed_months_only_and_equals_a_full_refresh(
    tmp_path: Path, realdata_dir: Path
):
    project = copy_project(tmp_path)
    db = warehouse_path(tmp_path)
    settings = Settings.from_env(
        {"CSP_DATA_DIR": str(tmp_path / "data"), "CSP_WAREHOUSE_PATH": str(db), "CSP_DEMO": "1"}
    )
    files = realdata_dir / "police_uk"
    for name in FIRST:
        assert load_file("police_street", files / name, settings).status == "loaded"
    # the data tests run on the incremental build below; the first build and the seed edit's
    # build only need the tables (a whole build's 525 tests are minutes of CI)
    first_build = _build(project, tmp_path, "build", *NO_TESTS)

    # a marker on one row of October, the month nothing will touch, in each incremental model
    con = duckdb.connect(str(db))
    marked = {}
    for table, (column, key) in INCREMENTAL.items():
        row_key, original = con.execute(
            f"SELECT {key}, {column} FROM {table} WHERE period_month = DATE '2018-10-01' "
            f"ORDER BY 1 LIMIT 1"
        ).fetchone()
        con.execute(
            f"UPDATE {table} SET {column} = {MARKER[column]} WHERE {key} = ? "
            f"AND period_month = DATE '2018-10-01'",
            [row_key],
        )
        marked[table] = (row_key, original)
    (scorecard_key,) = con.execute(
        "SELECT min(measure_code || '|' || area_code) FROM main_marts.scorecard "
        "WHERE period_month = DATE '2018-10-01' AND area_type = 'csp'"
    ).fetchone()
    scorecard_row = (
        "measure_code || '|' || area_code = ? AND area_type = 'csp' "
        "AND period_month = DATE '2018-10-01'"
    )
    (scorecard_name,) = con.execute(
        f"SELECT area_name FROM main_marts.scorecard WHERE {scorecard_row}", [scorecard_key]
    ).fetchone()
    con.execute(
        f"UPDATE main_marts.scorecard SET area_name = 'marker' WHERE {scorecard_row}",
        [scorecard_key],
    )
    before = dict(
        con.execute(
            "SELECT period_month, count(*) FROM main_marts.fct_crime GROUP BY ALL"
        ).fetchall()
    )
    con.close()

    # the next month, and Kent restating November
    restated = tmp_path / "2018-11-kent-street-restated.csv"
    kept = _restated(files / "2018-11-kent-street.csv", restated)
    for path in [files / n for n in NEXT] + [restated]:
        result = load_file("police_street", path, settings)
        assert result.status == "loaded", result.errors
    assert result.rows_replaced > kept  # the old November of Kent went to __superseded

    incremental_build = _build(project, tmp_path, "build")
    incremental_models = _model_seconds(tmp_path)

    con = duckdb.connect(str(db))
    state = dict(
        con.execute(
            "SELECT split_part(model, '.', 3), list_transform(months_rebuilt, m -> m::varchar) "
            "FROM main._incremental_state"
        ).fetchall()
    )
    # the scorecard chain recomputes from the earliest month whose input rows changed: for
    # the crime spine October, whose counts and coverage carry the markers (columns it does
    # not read), so its October rows came out as before and the models after it recomputed
    # from the restated month on, October left as it was
    assert state["int_scorecard__crime_monthly"] == ["2018-10-01", "2018-11-01", "2018-12-01"]
    for table in FROM_MONTH[1:]:
        assert state[table.split(".")[1]] == ["2018-11-01", "2018-12-01"], (table, state)
    assert con.execute(
        "SELECT count(*) FROM main_marts.scorecard WHERE area_name = 'marker'"
    ).fetchone() == (1,)
    # nothing published yet: the publish history did not change, nothing to recompute
    assert state["int_scorecard__published"] == []
    for table, (column, key) in INCREMENTAL.items():
        name = table.split(".")[1]
        # only the restated month and the new one were recomputed
        assert state[name] == ["2018-11-01", "2018-12-01"], (name, state)
        row_key, original = marked[table]
        # October was not rewritten: its marked row is as the marker left it
        still = con.execute(
            f"SELECT {column} = {MARKER[column]} FROM {table} WHERE {key} = ? "
            f"AND period_month = DATE '2018-10-01'",
            [row_key],
        ).fetchall()
        assert still == [(True,)], (table, still)
        con.execute(
            f"UPDATE {table} SET {column} = ? WHERE {key} = ? AND period_month = DATE '2018-10-01'",
            [original, row_key],
        )
    con.execute(
        f"UPDATE main_marts.scorecard SET area_name = ? WHERE {scorecard_row}",
        [scorecard_name, scorecard_key],
    )
    # the fingerprints by month the publish reads are those of the rows as they are now
    # (the markers put back), for every month of each published incremental mart; none are
    # kept for the intermediate models (the publish does not read them)
    kept_for = con.execute(
        "SELECT list(DISTINCT relation ORDER BY relation) FROM main._incremental_output_months"
    ).fetchone()[0]
    assert kept_for == [
        "main_marts.crime_by_lsoa_month",
        "main_marts.scorecard",
        "main_marts.unplaced_events",
    ], kept_for
    for table in ("main_marts.crime_by_lsoa_month", "main_marts.scorecard"):
        kept = con.execute(
            "SELECT period_month, n, h FROM main._incremental_output_months "
            "WHERE relation = ? ORDER BY 1",
            [table],
        ).fetchall()
        now = con.execute(
            f"SELECT period_month, count(*), sum(hash(t))::HUGEINT FROM {table} AS t "
            "GROUP BY ALL ORDER BY 1"
        ).fetchall()
        assert kept == now and len(now) == 3, (table, kept, now)
    after = dict(
        con.execute(
            "SELECT period_month, count(*) FROM main_marts.fct_crime GROUP BY ALL"
        ).fetchall()
    )
    # the data tests of an incremental model check the months its last run recomputed: a
    # duplicate key put into October (not recomputed) is seen only when every month is tested
    # (and so does the singular test of the LSOA mart against the scorecard: an LSOA count
    # of October one too many)
    con.execute(
        "INSERT INTO main_intermediate.int_crime__events SELECT * FROM "
        "main_intermediate.int_crime__events WHERE period_month = DATE '2018-10-01' LIMIT 1"
    )
    october = "measure_code = 'all_crime' AND period_month = DATE '2018-10-01'"
    lsoa_row = f"lsoa_code = ? AND {october}"
    (lsoa,) = con.execute(
        f"SELECT min(lsoa_code) FROM main_marts.crime_by_lsoa_month WHERE {october}"
    ).fetchone()
    con.execute(
        f'UPDATE main_marts.crime_by_lsoa_month SET "count" = "count" + 1 WHERE {lsoa_row}', [lsoa]
    )
    con.close()
    tested = ("--select", "int_crime__events assert_crime_by_lsoa_month_sums_to_scorecard")
    scoped = run_dbt(project, tmp_path, "test", *tested)
    every = run_dbt(project, tmp_path, "test", *tested, "--vars", "{csp_test_every_month: true}")
    assert scoped.returncode == 0, scoped.stdout[-3000:]
    assert every.returncode == 1, every.stdout[-3000:]
    assert "FAIL 1 unique_int_crime__events_event_key" in every.stdout, every.stdout[-3000:]
    assert "FAIL 1 assert_crime_by_lsoa_month_sums_to_scorecard" in every.stdout, every.stdout[
        -3000:
    ]
    con = duckdb.connect(str(db))
    con.execute(
        "DELETE FROM main_intermediate.int_crime__events WHERE rowid = "
        "(SELECT max(rowid) FROM main_intermediate.int_crime__events)"
    )
    con.execute(
        f'UPDATE main_marts.crime_by_lsoa_month SET "count" = "count" - 1 WHERE {lsoa_row}', [lsoa]
    )
    con.close()
    months = sorted(after)
    assert after[months[0]] == before[months[0]]
    assert after[months[1]] < before[months[1]]  # a tenth of Kent's November withdrawn
    assert len(months) == 3

    # the same raw data built from scratch
    full_build = _full_refresh_equals(project, tmp_path, "full")
    print(
        f"\nfirst build {first_build:.1f} s, incremental build {incremental_build:.1f} s, "
        f"full-refresh run {full_build:.1f} s; the incremental models: incremental "
        f"{incremental_models}, full refresh {_model_seconds(tmp_path / 'full')}"
    )

    # a seed edit (an LSOA of Medway moved to another Kent CSP) recomputes every month
    areas = tmp_path / "seeds" / "areas.csv"
    with areas.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kent = next(r for r in rows if r["force_code"] == "E23000032" and r["csp_code"] != "E22000143")
    moved = next(r for r in rows if r["csp_code"] == "E22000143")
    moved.update(csp_code=kent["csp_code"], csp_name=kent["csp_name"])
    with areas.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    log_from = _log_size(tmp_path)
    _build(project, tmp_path, "build", *NO_TESTS)
    # every month recomputed: each model built as a new table and swapped in, as a full
    # build does (a delete and insert of every row held ten years of rows twice in memory)
    swapped = _swapped_in(tmp_path, log_from)
    assert {t.split(".")[1] for t in INCREMENTAL} <= swapped, swapped
    con = duckdb.connect(str(db), read_only=True)
    rebuilt = con.execute(
        "SELECT count(*) FILTER (WHERE months_rebuilt IS NULL), count(*) "
        "FROM main._incremental_state WHERE split_part(model, '.', 3) IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [[t.split(".")[1] for t in INCREMENTAL]],
    ).fetchone()
    now_in = con.execute(
        "SELECT DISTINCT csp_code FROM main_marts.crime_by_lsoa_month WHERE lsoa_code = ?",
        [moved["lsoa_code"]],
    ).fetchall()
    con.close()
    n = len(INCREMENTAL)
    assert rebuilt == (n, n)  # every model recomputed every month
    assert now_in == [(kent["csp_code"],)]  # its crimes now count in the other CSP
    _full_refresh_equals(project, tmp_path, "full_after_seed")

    # a macro that computes figures changes (pct_change, the % change of the scorecard):
    # every model calling it recomputes every month, the others only what changed
    measures = project / "macros" / "measures.sql"
    text = measures.read_text()
    changed = text.replace(
        "else (({{ current }})::double - ({{ baseline }})::double) "
        "/ ({{ baseline }})::double * 100",
        "else round((({{ current }})::double - ({{ baseline }})::double) "
        "/ ({{ baseline }})::double * 100, 3)",
    )
    assert changed != text
    measures.write_text(changed)
    log_from = _log_size(tmp_path)
    _build(project, tmp_path, "run")
    swapped = _swapped_in(tmp_path, log_from)
    con = duckdb.connect(str(db), read_only=True)
    rebuilt = dict(
        con.execute(
            "SELECT split_part(model, '.', 3), months_rebuilt IS NULL FROM main._incremental_state"
        ).fetchall()
    )
    con.close()
    assert rebuilt["int_scorecard__values"] and rebuilt["scorecard"], rebuilt
    assert not rebuilt["int_crime__events"] and not rebuilt["int_scorecard__monthly"], rebuilt
    assert {"int_scorecard__values", "scorecard"} <= swapped, swapped
    # the others rewrote the months that changed in place
    assert not swapped & {"int_crime__events", "int_scorecard__monthly"}, swapped
    _full_refresh_equals(project, tmp_path, "full_after_macro")


def _log_size(tmp: Path) -> int:
    log = tmp / "dbt_logs" / "dbt.log"
    return log.stat().st_size if log.exists() else 0


def _swapped_in(tmp: Path, log_from: int) -> set[str]:
    """The models that dbt's log, from byte `log_from` on, shows built as a new table and
    swapped in (the old one renamed to <name>__dbt_backup, then dropped)."""
    with (tmp / "dbt_logs" / "dbt.log").open("rb") as f:
        f.seek(log_from)
        text = f.read().decode("utf-8", "replace")
    return set(re.findall(r'rename to "?(\w+?)__dbt_backup', text))


def _model_seconds(tmp: Path) -> str:
    """The incremental models' execution times of the last dbt run in `tmp`."""
    results = json.loads((target_path(tmp) / "run_results.json").read_text())["results"]
    names = {t.split(".")[1] for t in INCREMENTAL}
    times = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].split(".")[-1] in names and r["unique_id"].startswith("model.")
    }
    return (
        f"{sum(times.values()):.2f} s ("
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(times.items()))
        + ")"
    )


def _full_refresh_equals(project: Path, tmp_path: Path, name: str) -> float:
    """Build a copy of tmp_path's warehouse with --full-refresh (in tmp_path/name) and
    assert every compared model holds the same rows in both. Returns the run's seconds."""
    full = tmp_path / name
    full.mkdir()
    db = warehouse_path(tmp_path)
    shutil.copy(db, warehouse_path(full))
    seconds = _build(project, full, "run", "--full-refresh")
    con = duckdb.connect(str(db), read_only=True)
    con.execute(f"ATTACH '{warehouse_path(full)}' AS full_db (READ_ONLY)")
    try:
        for table in COMPARED:
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n > 0, table
            for a, b in ((table, f"full_db.{table}"), (f"full_db.{table}", table)):
                extra = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
                ).fetchone()[0]
                assert extra == 0, (name, table, a, b, extra)
    finally:
        con.close()
    return seconds
