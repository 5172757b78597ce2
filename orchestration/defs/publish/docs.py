"""The ``dbt_docs`` asset: the dbt docs site of the warehouse, regenerated after each build.

``dbt docs generate`` writes ``catalog.json`` (the columns and row counts DuckDB reports)
beside the project's parsed manifest (every model, column and description of the YAML, the
lineage graph); ``index.html``, ``manifest.json`` and ``catalog.json`` are then copied into
``$CSP_DATA_DIR/dbt_docs/``, which ``make up`` serves on http://127.0.0.1:$DBT_DOCS_PORT
(8081, ``csp docs``). It reads the warehouse, so it runs in the warehouse pool after the
publish; a failure to generate the docs never fails the publish before it.
"""

import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtProject

from orchestration.defs.common import DOCS_ASSET, PUBLISH_GROUP, WAREHOUSE_POOL

#: The files of the docs site.
SITE_FILES = ("index.html", "manifest.json", "catalog.json")


def docs_dir(data_dir: Path) -> Path:
    """Where the docs site is written and served from."""
    return Path(data_dir) / "dbt_docs"


def build_dbt_docs_asset(project: DbtProject) -> dg.AssetsDefinition:
    from orchestration.defs.dbt.assets import align_warehouse_path
    from orchestration.defs.dbt.project import dbt_executable

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
        project_dir = Path(project.project_dir)
        target = project_dir / project.target_path
        # --no-compile: the parsed manifest (kept current by ensure_manifest) has every
        # description and the lineage; compiling every model again would double the time.
        proc = subprocess.run(
            [dbt_executable(), "docs", "generate", "--no-compile", "--quiet"],
            cwd=project_dir,
            env={**os.environ, "DBT_PROFILES_DIR": str(project.profiles_dir)},
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise dg.Failure(
                description="dbt docs generate failed",
                metadata={"output": dg.MetadataValue.text(proc.stdout[-4000:] + proc.stderr)},
            )
        out = docs_dir(Settings.from_env().data_dir).resolve()
        out.mkdir(parents=True, exist_ok=True)
        for name in SITE_FILES:
            shutil.copyfile(target / name, out / name)
        return dg.MaterializeResult(
            metadata={"path": dg.MetadataValue.path(str(out / "index.html"))}
        )

    return dbt_docs
