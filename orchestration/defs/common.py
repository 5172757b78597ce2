"""Names shared by the ingest, dbt and publish definitions."""

from __future__ import annotations

import dagster as dg

#: Monthly partitions of the monthly sources; ``end_offset=1`` makes the current month exist.
MONTHLY_PARTITIONS = dg.MonthlyPartitionsDefinition(start_date="2018-01-01", end_offset=1)

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
