"""One real Superset server for the whole Superset test session, on real parts.

The session builds its data folder with the real pipeline: demo extracts for two full
financial years (``demo.generate``: every source the demo writes, among them the police
crime and street files and the domestic abuse incidents and MARAC cases files, which the
build must load without a rejection) into ``<data>/landing``, then
``python -m orchestration.build`` (ingest, dbt build, publish) writes
``<data>/warehouse.duckdb`` (the working file with the raw tables a dashboard user must
never reach) and publishes ``<data>/serving.duckdb``. The server is then started by
superset/serve.py (the same launcher `make up` uses: install if missing,
`superset db upgrade`, `superset init`, gunicorn, provisioning) on a free port.

Set CSP_TEST_SERVING to test against an existing published serving file instead (it is
copied, never opened in place; no build runs and the re-publish test is skipped).

Every test leaves the session's server as it found it (a test that changes a chart or the
serving file puts it back in a ``finally``; the test that changes passwords starts a server
of its own), so the tests pass in any order and each file passes alone. The builds and
servers get an environment cleaned of the developer's own SUPERSET_*, CSP_*, DAGSTER_* and
DBT_* variables (``clean_environ``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SUPERSET_DIR = REPO / "superset"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SUPERSET_DIR))

from provision import Client  # noqa: E402

DEMO_LOGINS = {
    "admin": "admin",
    "mk_manager": "mk-manager",
    "medway_manager": "medway-manager",
    "analyst": "analyst",
}
MK, MEDWAY = "E22000307", "E22000143"
DASHBOARDS = {"Community safety overview", "Crime", "Domestic abuse and MARAC"}
# Two full financial years, so every this-FY-against-last-FY chart has both lines.
DEMO_START, DEMO_END = "2024-04", "2026-03"
#: Sources whose demo files the session's build must load, every file, none rejected.
LOADED_SOURCES = ("police_crime", "police_street", "dv_incidents", "marac_cases")
BUILD_TIMEOUT_SECONDS = 900


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SupersetServer:
    url: str
    data_dir: Path
    serving_path: Path
    warehouse_path: Path
    landing_dir: Path
    env: dict[str, str]
    log: Path
    built: bool  # False with CSP_TEST_SERVING: no landing folder or warehouse to rebuild

    def client(self, username: str) -> Client:
        """A fresh login (a JWT lasts 15 minutes: never keep one for the whole session)."""
        return Client(self.url, username, DEMO_LOGINS[username])

    def provision(self, *args: str) -> str:
        """superset/provision.py against this server (``--refresh``: after a publish)."""
        out = subprocess.run(
            [
                str(SUPERSET_DIR / ".venv" / "bin" / "python"),
                str(SUPERSET_DIR / "provision.py"),
                "--url",
                self.url,
                *args,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def build(self, name: str) -> str:
        """Run the real build (ingest, dbt build, publish, refresh Superset); its output."""
        return run_build(self.env, self.data_dir / f"{name}.log")


# What a developer's shell may set that would point a build or a server elsewhere.
FOREIGN_PREFIXES = ("SUPERSET_", "CSP_", "DAGSTER_", "DBT_")
FOREIGN_NAMES = ("VIRTUAL_ENV", "PYTHONPATH")


def clean_environ() -> dict[str, str]:
    """os.environ without the developer's warehouse, Superset, Dagster and dbt settings."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(FOREIGN_PREFIXES) and k not in FOREIGN_NAMES
    }


def base_env(data: Path, port: int) -> dict[str, str]:
    """The environment of the build and of the server: this session's data folder only."""
    env = clean_environ()
    env.update(
        {
            "CSP_DATA_DIR": str(data),
            "CSP_LANDING_DIR": str(data / "landing"),
            "CSP_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
            "CSP_DEMO": "1",
            # The build's superset_dashboards asset refreshes this session's server only
            # (nothing answers on the port before the server starts: "skipped").
            "SUPERSET_PORT": str(port),
            "SUPERSET_WORKERS": "2",
            "SUPERSET_ADMIN_PASSWORD": DEMO_LOGINS["admin"],
        }
    )
    return env


def run_build(env: dict[str, str], log: Path) -> str:
    """``python -m orchestration.build`` in a subprocess; asserts exit 0."""
    with log.open("w") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "orchestration.build"],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            timeout=BUILD_TIMEOUT_SECONDS,
        )
    output = log.read_text()
    assert proc.returncode == 0, f"build failed (exit {proc.returncode}):\n{output[-6000:]}"
    return output


def assert_sources_loaded(output: str, sources: tuple[str, ...] = LOADED_SOURCES) -> None:
    """The build's ingest line of each source: files loaded, none rejected."""
    for source in sources:
        found = re.search(
            rf"^ingest {source}: (\d+) file\(s\): (\d+) loaded, \d+ skipped "
            r"\(already loaded\), (\d+) rejected",
            output,
            re.MULTILINE,
        )
        assert found, f"the build loaded no {source} file:\n{output[-3000:]}"
        files, loaded, rejected = map(int, found.groups())
        assert files > 0 and loaded == files and rejected == 0, found.group(0)


def start_superset(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    """superset/serve.py (what `make up` runs) in its own process group, output to `log`."""
    with log.open("w") as fh:
        return subprocess.Popen(
            [sys.executable, str(SUPERSET_DIR / "serve.py"), *args],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(proc: subprocess.Popen, log: Path, timeout: float = 900) -> str:
    """Wait for serve.py's "Superset ready" line (after provisioning); its output so far."""
    deadline = time.monotonic() + timeout
    while "Superset ready" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Superset did not start:\n{log.read_text()[-6000:]}")
        time.sleep(1)
    return log.read_text()


def stop_superset(proc: subprocess.Popen) -> None:
    """SIGTERM to serve.py's group (it stops gunicorn's), SIGKILL after 30 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def superset_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetServer]:
    data = tmp_path_factory.mktemp("superset_data")
    serving = data / "serving.duckdb"
    warehouse = data / "warehouse.duckdb"
    landing = data / "landing"
    port = free_port()
    env = base_env(data, port)
    built = not os.environ.get("CSP_TEST_SERVING")
    if built:
        from demo import generate

        generate(landing, start=DEMO_START, end=DEMO_END)
        output = run_build(env, data / "build-1.log")
        assert "Superset not running: skipped" in output, output[-3000:]
        assert_sources_loaded(output)
        assert warehouse.is_file() and serving.is_file()
    else:
        shutil.copyfile(os.environ["CSP_TEST_SERVING"], serving)
    log = data / "superset.log"
    proc = start_superset(env, log)
    try:
        wait_ready(proc, log)
        url = f"http://127.0.0.1:{port}"
        yield SupersetServer(url, data, serving, warehouse, landing, env, log, built)
    finally:
        stop_superset(proc)


@pytest.fixture
def admin(superset_server: SupersetServer) -> Client:
    """The admin, logged in for this test."""
    return superset_server.client("admin")


@pytest.fixture(scope="session")
def dashboard_charts(superset_server: SupersetServer) -> dict[str, list[dict]]:
    """Dashboard title -> its charts (id, slice_name, ...), as provisioned."""
    admin = superset_server.client("admin")
    out = {}
    for d in admin.list_all("/api/v1/dashboard/"):
        out[d["dashboard_title"]] = admin.req("GET", f"/api/v1/dashboard/{d['id']}/charts")[
            "result"
        ]
    return out
