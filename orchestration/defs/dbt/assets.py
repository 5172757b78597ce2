"""``@dbt_assets`` over the whole dbt project, built on first use (see ``build_dbt_assets``).

``dbt build`` runs models, seeds, snapshots and tests in DAG order; each dbt test becomes an
asset check. A test with severity ``error`` makes ``dbt build`` fail, so the op raises and
every downstream step of the run (the publish of the serving file) is skipped.
"""

import functools
import os
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.common import WAREHOUSE_POOL
from orchestration.defs.dbt.args import dbt_build_args
from orchestration.defs.dbt.project import dbt_executable, ensure_manifest
from orchestration.defs.dbt.translator import CspDbtTranslator

DBT_ASSETS_NAME = "csp_dbt_models"


def align_warehouse_path(context: AssetExecutionContext) -> None:
    """dbt's profile reads ``CSP_WAREHOUSE_PATH``: point it at the file ingest writes."""
    from ingest.config import Settings

    path = str(Path(Settings.from_env().warehouse_path).resolve())
    if os.environ.get("CSP_WAREHOUSE_PATH") != path:
        context.log.info(f"CSP_WAREHOUSE_PATH={path}")
        os.environ["CSP_WAREHOUSE_PATH"] = path


@functools.cache
def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """Prepare the manifest (parse if missing or stale) and define the dbt assets."""
    manifest = ensure_manifest(project)

    @dbt_assets(
        manifest=manifest,
        project=project,
        name=DBT_ASSETS_NAME,
        dagster_dbt_translator=CspDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def csp_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        align_warehouse_path(context)
        args = dbt_build_args(target=os.environ.get("CSP_DBT_TARGET") or None)
        yield from dbt.cli(args, context=context).stream()

    return csp_dbt_models


def dbt_resource(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
