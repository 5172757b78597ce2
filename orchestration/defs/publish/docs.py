"""The ``dbt_docs`` asset: the dbt docs site of the warehouse, after each build's publish.

``dbt docs generate`` writes ``catalog.json`` (the relations and columns DuckDB reports, with
their comments) beside the project's parsed manifest (every model, column and description of
the YAML, the lineage graph); ``index.html``, ``manifest.json`` and ``catalog.json`` are then
copied into ``$CSP_DATA_DIR/dbt_docs/``, which ``make up`` serves on
http://127.0.0.1:$DBT_DOCS_PORT (8081, ``csp docs``). It reads the warehouse, so it runs in
the warehouse pool after the publish; a failure to generate the docs never fails the
publish before it.

The site is a function of the dbt project (models, YAML, macros, seeds, config), dbt's
version and the warehouse's relations and columns, never of the rows: when none of these
changed since the site was generated (``docs_fingerprint``, kept in
``dbt_docs/.inputs.sha256``), the site is left as it is and the step takes a fraction of a
second instead of a dbt invocation. Delete ``dbt_docs/`` to force a regeneration. When it is
generated, dbt runs in the build's target folder (``dbt_target_path``), so it reuses the
build's parse instead of parsing the project again.
"""

import hashlib
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtProject

from orchestration.defs.common import DOCS_ASSET, PUBLISH_GROUP, WAREHOUSE_POOL

#: The files of the docs site.
SITE_FILES = ("index.html", "manifest.json", "catalog.json")
#: The fingerprint of what the site in the folder was generated from (``docs_fingerprint``).
FINGERPRINT_FILE = ".inputs.sha256"
#: What the asset's ``result`` says.
REGENERATED = "regenerated"
UNCHANGED = "unchanged (the project and the warehouse's columns are as when it was generated)"


def docs_dir(data_dir: Path) -> Path:
    """Where the docs site is written and served from."""
    return Path(data_dir) / "dbt_docs"


#: The warehouse's relations and columns with their comments: what ``catalog.json`` holds
#: (dbt-duckdb's catalog query reads the same ``duckdb_*()`` functions; no row counts).
_CATALOG_SQL = """
SELECT 'column', schema_name, table_name, column_name, column_index::VARCHAR, data_type,
       comment
FROM duckdb_columns() WHERE database_name = current_database()
UNION ALL
SELECT 'table', schema_name, table_name, NULL, NULL, NULL, comment
FROM duckdb_tables() WHERE database_name = current_database()
UNION ALL
SELECT 'view', schema_name, view_name, NULL, NULL, NULL, comment
FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
ORDER BY ALL
"""


def docs_fingerprint(project_dir: Path, warehouse_path: Path) -> str:
    """A hash of everything the docs site is generated from: dbt's version, every file of
    the dbt project (``dbt_project.yml``, profiles, models, macros, tests, seeds) and the
    warehouse's relations, columns, types and comments. The same fingerprint, the same
    site."""
    import duckdb

    from orchestration.defs.common import dbt_source_paths as _source_paths

    digest = hashlib.sha256()
    digest.update(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')}\n".encode())
    digest.update(f"target {os.environ.get('CSP_DBT_TARGET') or ''}\n".encode())
    files: set[Path] = set()
    for path in _source_paths(Path(project_dir)):
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            files.update(child for child in path.rglob("*") if child.is_file())
    for path in sorted(files):
        digest.update(f"{path.relative_to(path.anchor)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        for row in con.execute(_CATALOG_SQL).fetchall():
            digest.update(repr(row).encode())
    finally:
        con.close()
    return digest.hexdigest()


def site_is_current(out: Path, fingerprint: str) -> bool:
    """The site in ``out`` is complete and was generated from ``fingerprint``."""
    marker = out / FINGERPRINT_FILE
    return (
        all((out / name).is_file() for name in SITE_FILES)
        and marker.is_file()
        and marker.read_text().strip() == fingerprint
    )


def generate_docs(project: DbtProject, out: Path, target_path: Path, fingerprint: str) -> None:
    """``dbt docs generate`` into ``target_path``, the site copied into ``out`` and its
    fingerprint written last (a site copied half way is never taken as current)."""
    from orchestration.defs.dbt.project import dbt_executable

    project_dir = Path(project.project_dir)
    target = os.environ.get("CSP_DBT_TARGET")
    # --no-compile: the parsed manifest has every description and the lineage; compiling
    # every model again would double the time. The build's --target (CSP_DBT_TARGET) too:
    # dbt re-parses everything when it differs from the parse it reuses.
    command = [dbt_executable(), "docs", "generate", "--no-compile", "--quiet"]
    command += ["--target-path", str(target_path), *(["--target", target] if target else [])]
    proc = subprocess.run(
        command,
        cwd=project_dir,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(project.profiles_dir),
            "DBT_LOG_PATH": str(target_path),
        },
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise dg.Failure(
            description="dbt docs generate failed",
            metadata={"output": dg.MetadataValue.text(proc.stdout[-4000:] + proc.stderr)},
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / FINGERPRINT_FILE).unlink(missing_ok=True)
    for name in SITE_FILES:
        shutil.copyfile(target_path / name, out / name)
    (out / FINGERPRINT_FILE).write_text(fingerprint + "\n")


def build_dbt_docs_asset(project: DbtProject) -> dg.AssetsDefinition:
    from orchestration.defs.dbt.assets import align_warehouse_path
    from orchestration.defs.dbt.project import dbt_target_path

    @dg.asset(
        key=DOCS_ASSET,
        group_name=PUBLISH_GROUP,
        deps=["serving"],
        pool=WAREHOUSE_POOL,
        kinds={"dbt"},
        description="The dbt docs site (`$CSP_DATA_DIR/dbt_docs/`), served by `make up`; "
        "regenerated when the dbt project or the warehouse's columns changed.",
    )
    def dbt_docs(context: AssetExecutionContext) -> dg.MaterializeResult:
        from ingest.config import Settings

        align_warehouse_path(context)
        settings = Settings.from_env()
        out = docs_dir(settings.data_dir).resolve()
        fingerprint = docs_fingerprint(Path(project.project_dir), Path(settings.warehouse_path))
        if site_is_current(out, fingerprint):
            result = UNCHANGED
        else:
            generate_docs(project, out, dbt_target_path(settings.data_dir), fingerprint)
            result = REGENERATED
        context.log.info(f"dbt docs site {out}: {result}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(out / "index.html")),
                "result": result,
                "fingerprint": fingerprint,
            }
        )

    return dbt_docs
