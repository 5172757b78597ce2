"""The dbt project, and a manifest prepared on first use (nothing heavy at import)."""

from __future__ import annotations

import fcntl
import functools
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.defs.common import REPO_ROOT, dbt_project_dir
from orchestration.defs.common import dbt_source_paths as _source_paths

__all__ = [
    "REPO_ROOT",
    "dbt_project_dir",
    "dbt_target_path",
    "ensure_manifest",
    "get_dbt_project",
]


@functools.cache
def get_dbt_project(project_dir: Path | None = None) -> DbtProject:
    """The DbtProject (``profiles.yml`` lives beside ``dbt_project.yml``)."""
    project_dir = Path(project_dir or dbt_project_dir())
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


#: The folder under ``$CSP_DATA_DIR`` that the build's dbt invocations write to.
DBT_TARGET_DIRNAME = "dbt_target"


def dbt_target_path(data_dir: Path | None = None) -> Path:
    """``$CSP_DATA_DIR/dbt_target``: the target folder of every dbt invocation of a build
    (``dbt build``, ``dbt docs generate``): its artifacts, ``dbt.log`` and
    ``partial_parse.msgpack``. One stable folder per data folder, so the next build parses
    only what changed: dbt's partial parse is void when the profile changes, and the profile
    holds the warehouse path (``CSP_WAREHOUSE_PATH``), which differs from one data folder to
    the next; dagster-dbt's default, a new folder per invocation seeded from the project's
    ``target/``, would re-parse every model of every build in any other data folder."""
    if data_dir is None:
        from ingest.config import Settings

        data_dir = Settings.from_env().data_dir
    return Path(data_dir).resolve() / DBT_TARGET_DIRNAME


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
    return newest


def manifest_is_stale(project: DbtProject) -> bool:
    """No manifest, or a model, seed, macro, test or config file is newer than it."""
    manifest = Path(project.manifest_path)
    if not manifest.is_file():
        return True
    return _newest_mtime(_source_paths(Path(project.project_dir))) > manifest.stat().st_mtime


def dbt_executable() -> str:
    """The ``dbt`` beside this interpreter (the project's venv), else ``dbt`` on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    if beside.is_file():
        return str(beside)
    return shutil.which("dbt") or "dbt"


def _parse(project: DbtProject) -> None:
    from dagster_dbt import DbtCliResource

    DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
        ["parse", "--quiet"], target_path=project.target_path
    ).wait()


def ensure_manifest(project: DbtProject) -> Path:
    """Make ``target/manifest.json`` loadable and current: ``dbt parse`` when it is missing
    or older than any model, seed, macro, test or config file (in ``dagster dev`` and
    everywhere else alike), so the code location always reflects the checkout. Processes
    that load the definitions at the same time parse once, in turn (a file lock)."""
    if manifest_is_stale(project):
        target = Path(project.target_path)
        target.mkdir(parents=True, exist_ok=True)
        with open(target / ".parse.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if manifest_is_stale(project):  # not parsed meanwhile by another process
                _parse(project)
    return Path(project.manifest_path)
