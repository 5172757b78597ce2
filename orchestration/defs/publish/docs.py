"""The ``dbt_docs`` asset: the dbt docs site of the warehouse, regenerated after each build.

``dbt docs generate`` writes ``index.html``, ``manifest.json`` and ``catalog.json`` (every
model, column and description of the YAML, the lineage graph, and the columns and row counts
DuckDB reports) into ``$CSP_DATA_DIR/dbt_docs/``, which ``make up`` serves on
http://127.0.0.1:$DBT_DOCS_PORT (8081). It reads the warehouse, so it runs in the warehouse
pool after the dbt build; a failure to generate the docs never fails the publish before it.
"""


from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.defs.common import DOCS_ASSET, PUBLISH_GROUP, WAREHOUSE_POOL


def docs_dir(data_dir: Path) -> Path:
    """Where the docs site is written and served from."""
    return Path(data_dir) / "dbt_docs"


def build_dbt_docs_asset(project: DbtProject) -> dg.AssetsDefinition:
    from orchestration.defs.dbt.assets import align_warehouse_path, dbt_resource

    @dg.asset(
        key=DOCS_ASSET,
        group_name=PUBLISH_GROUP,
        deps=["serving"],
        pool=WAREHOUSE_POOL,
        kinds={"dbt"},
        description="The dbt docs site (`$CSP_DATA_DIR/dbt_docs/`), served by `make up`.",
    )
    def dbt_docs(context: AssetExecutionContext) -> dg.MaterializeResult:
        from ingest.config import Settings

        align_warehouse_path(context)
        out = docs_dir(Settings.from_env().data_dir).resolve()
        dbt: DbtCliResource = dbt_resource(project)
        dbt.cli(["docs", "generate"], target_path=out, raise_on_error=True).wait()
        return dg.MaterializeResult(
            metadata={"path": dg.MetadataValue.path(str(out / "index.html"))}
        )

    return dbt_docs
