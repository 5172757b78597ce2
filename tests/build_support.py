"""Shared helpers of the tests that build the warehouse from partner files with `csp build`
(orchestration.build in this process): the environment of a data folder under tmp, and the
published scorecard of one area as dicts.

Importable as `from build_support import ...` (tests/ is on sys.path; see dbt_support).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


def build_env(mp: pytest.MonkeyPatch, data: Path, key: str) -> None:
    """Point every path of the build at `data` (landing, warehouse, serving file, history)
    with the pseudonym key `key`, and drop the variables that would change what it does."""
    for name, value in {
        "CSP_DATA_DIR": str(data),
        "CSP_LANDING_DIR": str(data / "landing"),
        "CSP_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
        "CSP_PSEUDONYM_KEY": key,
    }.items():
        mp.setenv(name, value)
    for name in ("CSP_DEMO", "DAGSTER_HOME", "CSP_HISTORY_DIR", "CSP_AS_OF"):
        mp.delenv(name, raising=False)


def published_scorecard(
    data: Path, area_code: str, where: str = "true"
) -> dict[tuple[str, str], dict]:
    """The published scorecard rows of `area_code` (and `where`), keyed by (measure_code,
    'YYYY-MM'), each a dict of its columns."""
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        cur = con.execute(
            "SELECT *, strftime(period_month, '%Y-%m') AS month FROM main.scorecard "
            f"WHERE area_code = ? AND ({where})",
            [area_code],
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, x, strict=True)) for x in cur.fetchall()]
        return {(r["measure_code"], r["month"]): r for r in rows}
    finally:
        con.close()
