"""Shared helpers of the dbt tests: a copy of the dbt project in tmp, the raw tables
(from the ingest contracts, the one home of their DDL) and running dbt against them.

Importable from any test as `from dbt_support import ...`: tests/ holds the rootdir
conftest.py and no __init__.py, so pytest puts tests/ on sys.path.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ingest.load import ensure_raw_schema

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO_ROOT / "dbt_project"
SEEDS = REPO_ROOT / "seeds"

#: The sources whose events int_crime__events holds (the crime measures are those of the
#: catalogue that read only these).
CRIME_SOURCES = frozenset({"police_crime", "police_street"})


def measure_catalogue(seeds: Path = SEEDS) -> list[dict[str, str]]:
    """The rows of the measure catalogue (seeds/measures.csv), in file order."""
    with open(seeds / "measures.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def sources_of(row: dict[str, str]) -> set[str]:
    return {s for s in re.split(r"[|+]", row["source"]) if s}


def crime_measures(seeds: Path = SEEDS) -> frozenset[str]:
    """Codes of the catalogue's measures the crime models count: counted events of the
    police_crime / police_street sources only."""
    return frozenset(
        r["measure_code"]
        for r in measure_catalogue(seeds)
        if r["method"] == "count" and sources_of(r) <= CRIME_SOURCES
    )


def police_uk_measures(seeds: Path = SEEDS) -> dict[str, str]:
    """Crime measures that data.police.uk's files alone can give: code -> the numerator rule."""
    return {
        r["measure_code"]: r["numerator_rule"]
        for r in measure_catalogue(seeds)
        if r["method"] == "count"
        and "police_street" in sources_of(r)
        and sources_of(r) <= CRIME_SOURCES
    }


CRIME_MEASURES = crime_measures()

#: The columns of main_marts.scorecard, in their contract order.
SCORECARD_COLUMNS = [
    "measure_code",
    "measure_name",
    "domain",
    "display_order",
    "area_code",
    "area_name",
    "area_type",
    "period_type",
    "period_month",
    "financial_year",
    "count",
    "denominator",
    "value",
    "unit",
    "rate_per",
    "denominator_year",
    "value_last_year",
    "ytd_count",
    "ytd_count_last_year",
    "ytd_change_pct",
    "direction",
    "previous_month_count",
    "source",
    "loaded_at",
    "projected_outturn",
    "projection_method",
    "target_type",
    "target",
    "baseline",
    "baseline_method",
    "baseline_source",
    "judged_value",
    "distance_from_target",
    "change_vs_baseline_pct",
    "change_vs_baseline_points",
    "tolerance",
    "rag",
    "rag_reason",
    "ci_lower",
    "ci_upper",
    "ytd_change_ci_lower",
    "ytd_change_ci_upper",
    "significance",
    "significance_method",
    "rag_significance",
    "first_reported_count",
    "first_reported_at",
    "is_restated",
    "source_file",
    "numerator_definition",
    "denominator_definition",
    "definition_valid_from",
    "definition_number",
]


def copy_project(tmp_path: Path, *, with_seeds: bool = True) -> Path:
    """A copy of dbt_project/ in tmp_path beside a seeds/ folder (seed-paths is ../seeds).

    The seeds/ folder is a copy of the project's seeds, or empty with `with_seeds=False`
    for a test that writes its own.
    """
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT,
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    if with_seeds:
        shutil.copytree(SEEDS, tmp_path / "seeds")
    else:
        (tmp_path / "seeds").mkdir()
    return project


def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def target_path(tmp_path: Path) -> Path:
    """Where dbt writes run_results.json, manifest.json etc."""
    return tmp_path / "dbt_target"


def raw_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """An open connection to a DuckDB file holding the (empty) raw tables ingest creates."""
    con = duckdb.connect(str(path))
    ensure_raw_schema(con)
    return con


def dbt_env(tmp_path: Path) -> dict[str, str]:
    """The environment dbt runs with: the warehouse, the publish history and dbt's logs
    under tmp_path."""
    return {
        "CSP_WAREHOUSE_PATH": str(warehouse_path(tmp_path)),
        "CSP_HISTORY_DIR": str(tmp_path / "history"),
        "DBT_LOG_PATH": str(tmp_path / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt_args(project: Path, tmp_path: Path, *args: str) -> list[str]:
    return [
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target_path(tmp_path)),
    ]


def dbt_executable() -> str:
    exe = Path(sys.executable).parent / "dbt"
    return str(exe) if exe.exists() else "dbt"


def run_dbt(
    project: Path, tmp_path: Path, *args: str, timeout: float = 900
) -> subprocess.CompletedProcess:
    """Run dbt in a subprocess, with the environment of `dbt_env`."""
    return subprocess.run(
        [dbt_executable(), *dbt_args(project, tmp_path, *args)],
        env={**os.environ, **dbt_env(tmp_path)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def dbt_environ(tmp_path: Path) -> Iterator[None]:
    """Set the variables of `dbt_env` in os.environ (for in-process dbt), then restore them."""
    env = dbt_env(tmp_path)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def invoke_dbt(project: Path, tmp_path: Path, *args: str):
    """Run dbt in this process (dbtRunner); the caller sets the environment (`dbt_environ`)."""
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke(dbt_args(project, tmp_path, *args))
