"""Shared fixtures: every test gets its own data folder and DuckDB files under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("CSP_SHARED_DIR", REPO_ROOT.parent / "shared"))
REALDATA_DIR = SHARED_DIR / "realdata"


#: Variables a test may take from the developer's environment: where shared/ is, and a
#: prepared serving file for the Superset tests. Every other CSP_*, DAGSTER_* and SUPERSET_*
#: variable is removed, so that no test reads (or changes) a developer's running warehouse,
#: Dagster or Superset.
KEPT_VARIABLES = {"CSP_SHARED_DIR", "CSP_TEST_SERVING"}


#: The developer's variables, as pytest found them (fixtures may set their own later).
DEVELOPER_VARIABLES = {
    name: value
    for name, value in os.environ.items()
    if name.startswith(("CSP_", "DAGSTER_", "SUPERSET_")) and name not in KEPT_VARIABLES
}


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in DEVELOPER_VARIABLES.items():
        if os.environ.get(name) == value:  # not one a fixture set
            monkeypatch.delenv(name)


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def realdata_dir() -> Path:
    if not REALDATA_DIR.is_dir():
        raise FileNotFoundError(f"real data folder not found at {REALDATA_DIR}: set CSP_SHARED_DIR")
    return REALDATA_DIR


@pytest.fixture
def csp_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the warehouse at a fresh data and landing folder under tmp_path, in demo mode."""
    data = tmp_path / "data"
    landing = data / "landing"
    landing.mkdir(parents=True)
    monkeypatch.setenv("CSP_DATA_DIR", str(data))
    monkeypatch.setenv("CSP_LANDING_DIR", str(landing))
    monkeypatch.setenv("CSP_WAREHOUSE_PATH", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("CSP_DEMO", "1")
    monkeypatch.delenv("CSP_PSEUDONYM_KEY", raising=False)
    return data
