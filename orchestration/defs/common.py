"""Names shared by the ingest, dbt and publish definitions."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import dagster as dg
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def dbt_project_dir() -> Path:
    """``$CSP_DBT_PROJECT_DIR`` or ``<repo>/dbt_project`` (``profiles.yml`` lives inside)."""
    return Path(os.environ.get("CSP_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")).resolve()


def dbt_source_paths(project_dir: Path) -> list[Path]:
    """Every file and folder dbt reads a project from: ``dbt_project.yml``, packages,
    profiles and the model, seed, macro, test, snapshot and analysis paths."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    paths = [project_dir / "dbt_project.yml"]
    for name in ("packages.yml", "dependencies.yml", "profiles.yml"):
        paths.append(project_dir / name)
    defaults = {
        "model-paths": ["models"],
        "seed-paths": ["seeds"],
        "macro-paths": ["macros"],
        "test-paths": ["tests"],
        "snapshot-paths": ["snapshots"],
        "analysis-paths": ["analyses"],
    }
    for key, default in defaults.items():
        for rel in config.get(key) or default:
            paths.append((project_dir / rel).resolve())
    return paths


@functools.cache
def _first_month(project_file: Path) -> str:
    config = yaml.safe_load(project_file.read_text()) or {}
    value = str((config.get("vars") or {}).get("csp_first_month") or "")
    if len(value) < 7 or value[4] != "-":
        raise ValueError(f"{project_file}: vars.csp_first_month is not YYYY-MM-DD: {value!r}")
    return value[:7]


def first_month(project_dir: Path | None = None) -> str:
    """The warehouse's first month, ``"YYYY-MM"``: dbt's var ``csp_first_month``
    (``dbt_project.yml``), its one definition (dbt counts no event before it)."""
    return _first_month(Path(project_dir or dbt_project_dir()) / "dbt_project.yml")


#: Monthly partitions of the monthly sources, from the warehouse's first month (dbt's var
#: ``csp_first_month``); ``end_offset=1`` makes the current month exist. A loaded month
#: outside them is reported, never dropped silently (``orchestration.build.run_ingest``,
#: the landing sensor).
MONTHLY_PARTITIONS = dg.MonthlyPartitionsDefinition(start_date=f"{first_month()}-01", end_offset=1)

#: DuckDB allows one writer per file. Every step that opens the warehouse (ingest, dbt,
#: publish) is in this concurrency pool; jobs also run with the in-process executor, so
#: within a run the steps are serial. Give the pool a limit of 1 in the deployment's
#: ``dagster.yaml`` (``concurrency: pools: default_limit: 1``) to serialise across runs.
WAREHOUSE_POOL = "duckdb_warehouse"

INGEST_GROUP = "ingest"
PUBLISH_GROUP = "publish"

#: Marts the serving file is published from (aggregates only; never a ``fct_`` table, which
#: holds pseudonymised people).
SERVING_TABLES: tuple[str, ...] = (
    "scorecard",
    "dim_measure",
    "dim_measure_definition",
    "dim_area",
    "dim_date",
    "crime_by_lsoa_month",
    "peer_ranking",
    "marac_cases_by_agency",
    "repeat_flag_agreement",
    "asb_reports_by_category",
    "probation_needs",
    "restatements",
    "source_status",
    "partner_returns_due",
)

#: The asset that refreshes Superset's datasets after each publish.
SUPERSET_ASSET = "superset_dashboards"

#: The asset that generates the dbt docs site (served by ``make up`` on $DBT_DOCS_PORT).
DOCS_ASSET = "dbt_docs"

#: Dagster job names.
INGEST_JOB = "ingest_job"
BUILD_JOB = "build_and_publish_job"
PUBLISH_JOB = "publish_job"


def month_to_partition_key(month: str) -> str:
    """``"2024-03"`` -> ``"2024-03-01"`` (the key of a MonthlyPartitionsDefinition)."""
    return f"{month}-01"


def partition_key_to_month(partition_key: str) -> str:
    """``"2024-03-01"`` -> ``"2024-03"``."""
    return partition_key[:7]
