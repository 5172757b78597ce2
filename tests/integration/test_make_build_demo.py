"""`make build` on a fresh data folder: demo data, the whole graph, a published scorecard.

Every crime and domestic abuse measure of the catalogue must be there for both demo CSPs for
every month of the demo period, with no NULL (the demo sends every file); the partners'
repeat flags are compared with the derived repeats for each CSP; no raw victim reference of
the demo's files is in the warehouse or the serving file. The output is for people: a
progress line per stage and the summary, at most about 40 lines; dbt's log goes to the file
under the data folder the summary names.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt_support import CRIME_MEASURES, measure_catalogue, sources_of

pytestmark = pytest.mark.slow

DEMO_CSPS = ("E22000307", "E22000143")
#: What `make build` on the demo may print, stdout and stderr together.
MAX_OUTPUT_LINES = 40
FIRST, LAST = date(2023, 4, 1), date(2026, 9, 1)  # the demo generator's default period
DOMESTIC_ABUSE_SOURCES = {"dv_incidents", "marac_cases"}
#: The catalogue's domestic abuse measures (counted from the two domestic abuse files).
DOMESTIC_ABUSE_MEASURES = frozenset(
    r["measure_code"]
    for r in measure_catalogue()
    if sources_of(r) and sources_of(r) <= DOMESTIC_ABUSE_SOURCES
)


def _months(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_make_build_publishes_every_measure_for_both_demo_csps(tmp_path, repo_root):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSP_", "DAGSTER_"))}
    env.update(CSP_DATA_DIR=str(data), CSP_DEMO="1")
    proc = subprocess.run(
        ["make", "--no-print-directory", "build"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "result: OK" in proc.stdout

    # For people: one line per stage, then the summary; no dbt or Dagster log in between.
    printed = proc.stdout.splitlines() + proc.stderr.splitlines()
    assert len(printed) <= MAX_OUTPUT_LINES, "\n".join(printed)
    for stage in (
        "ingest police_crime: ",
        "ingest police_street: ",
        "ingest dv_incidents: ",
        "ingest marac_cases: ",
        "publish: ",
        "docs: ",
    ):
        assert any(line.startswith(stage) for line in printed), stage
    assert any(re.match(r"dbt: \d+ of \d+ nodes done \(50%", line) for line in printed)
    assert any(line.startswith("superset: ") for line in printed)
    # ... and dbt's whole log in the file the summary names, under the data folder
    (log_line,) = [line for line in printed if line.startswith("dbt log: ")]
    log = Path(log_line.removeprefix("dbt log: "))
    assert log.is_file() and log.is_relative_to(data / "logs"), log
    text = log.read_text()
    assert "Running with dbt=" in text and "Completed successfully" in text
    assert re.search(r"\d+ of \d+ OK created sql table model main_marts\.scorecard", text)
    assert len(text.splitlines()) > 200  # what the terminal used to show

    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT area_code, measure_code, period_month, count, ytd_count FROM main.scorecard "
            "WHERE area_type = 'csp' AND area_code IN (?, ?)",
            list(DEMO_CSPS),
        ).fetchall()
    finally:
        con.close()

    have = {(a, m, p): (c, y) for a, m, p, c, y in rows}
    assert {"dv_incidents", "dv_repeat_rate", "marac_repeat_rate"} <= DOMESTIC_ABUSE_MEASURES
    measures = CRIME_MEASURES | DOMESTIC_ABUSE_MEASURES
    for area in DEMO_CSPS:
        for measure in measures:
            for month in _months(FIRST, LAST):
                count, ytd = have[(area, measure, month)]
                assert count is not None and ytd is not None, (area, measure, month)
    assert len(have) == len(DEMO_CSPS) * len(measures) * len(_months(FIRST, LAST))
    # a sanity figure: Milton Keynes records well over a thousand crimes a month in the demo
    assert have[("E22000307", "all_crime", date(2025, 6, 1))][0] > 1000

    # the partners' repeat flags against the derived repeats: every CSP, source and month
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        compared = con.execute(
            "SELECT area_code, source, count(*), sum(events) FROM main.repeat_flag_agreement "
            "WHERE area_code IN (?, ?) GROUP BY ALL",
            list(DEMO_CSPS),
        ).fetchall()
    finally:
        con.close()
    months = len(_months(FIRST, LAST))
    assert {(a, s): n for a, s, n, _ in compared} == {
        (a, s): months for a in DEMO_CSPS for s in DOMESTIC_ABUSE_SOURCES
    }
    # the demo's partners flag what their files show, but for ~2% of MARAC repeats heard
    # elsewhere: little disagreement; the check warns (naming them) only for a latest month
    # with a year of history above its limit, and the build still publishes
    from orchestration.defs.quality.repeat_flags import CHECK_NAME, DISAGREEMENT_WARN_PCT

    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        overall = dict(
            con.execute(
                "SELECT source, 100.0 * sum(disagreements) / sum(events) "
                "FROM main.repeat_flag_agreement WHERE has_full_history GROUP BY ALL"
            ).fetchall()
        )
        notable = con.execute(
            "SELECT source || ' ' || area_name FROM main.repeat_flag_agreement "
            "QUALIFY row_number() OVER (PARTITION BY source, area_code "
            "ORDER BY period_month DESC) = 1 AND has_full_history AND disagreement_pct > ?",
            [DISAGREEMENT_WARN_PCT],
        ).fetchall()
    finally:
        con.close()
    assert overall["dv_incidents"] < 1.0 and 0.5 < overall["marac_cases"] < 5.0, overall
    warned = [line for line in printed if CHECK_NAME in line]
    if notable:
        (line,) = warned
        assert line.startswith("  warning: check repeat_flag_agreement:"), line
        assert all(name in line for (name,) in notable), (line, notable)
    else:
        assert warned == [], warned

    # the pseudonym key was applied: no raw victim reference of the demo's files is stored
    raw_refs: set[bytes] = set()
    for source in DOMESTIC_ABUSE_SOURCES:
        for path in sorted((data / "landing" / source).glob("*.csv"))[:6]:
            with path.open(newline="", encoding="utf-8") as f:
                raw_refs |= {row["victim_ref"].encode() for row in csv.DictReader(f)}
    assert len(raw_refs) > 1000
    for stored in (data / "warehouse.duckdb", data / "serving.duckdb"):
        content = stored.read_bytes()
        leaked = [r for r in raw_refs if r in content]
        assert not leaked, (stored.name, leaked[:5])
