"""The dbt project, and a manifest prepared on first use (nothing heavy at import)."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path

import yaml
from dagster_dbt import DbtProject

REPO_ROOT = Path(__file__).resolve().parents[3]


def dbt_project_dir() -> Path:
    """``$CSP_DBT_PROJECT_DIR`` or ``<repo>/dbt_project`` (``profiles.yml`` lives inside)."""
    return Path(os.environ.get("CSP_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")).resolve()


@functools.cache
def get_dbt_project(project_dir: Path | None = None) -> DbtProject | None:
    """The DbtProject, or None when the folder has no ``dbt_project.yml`` yet."""
    project_dir = Path(project_dir or dbt_project_dir())
    if not (project_dir / "dbt_project.yml").is_file():
        return None
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def _source_paths(project_dir: Path) -> list[Path]:
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
    everywhere else alike), so the code location always reflects the checkout."""
    from dagster._utils import run_with_concurrent_update_guard

    if manifest_is_stale(project):
        run_with_concurrent_update_guard(Path(project.manifest_path), _parse, project=project)
    return Path(project.manifest_path)
