"""One real Superset server for the whole Superset test session.

The server is started by superset/serve.py (the same launcher `make up` uses: install
if missing, `superset db upgrade`, `superset init`, gunicorn, provisioning) on a free
port, against a data folder under pytest's tmp dir holding a serving file built by
serving_data.py. Set CSP_TEST_SERVING to test against a real published serving file
instead (it is copied, never opened in place).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SUPERSET_DIR = REPO / "superset"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SUPERSET_DIR))

from provision import Client  # noqa: E402
from serving_data import build_serving  # noqa: E402

DEMO_LOGINS = {
    "admin": "admin",
    "mk_manager": "mk-manager",
    "medway_manager": "medway-manager",
    "analyst": "analyst",
}
MK, MEDWAY = "E22000307", "E22000143"
DASHBOARDS = {"Community safety overview", "Crime"}


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
    env: dict[str, str]
    log: Path

    def client(self, username: str) -> Client:
        return Client(self.url, username, DEMO_LOGINS[username])

    def provision(self) -> str:
        out = subprocess.run(
            [
                str(SUPERSET_DIR / ".venv" / "bin" / "python"),
                str(SUPERSET_DIR / "provision.py"),
                "--url",
                self.url,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout


def make_warehouse(path: Path) -> None:
    """A stand-in for the pipeline's working file, with a raw table a user must not reach."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        "CREATE OR REPLACE TABLE raw.police_crime AS "
        "SELECT 'CR1' AS crime_ref, 'victim-pseudonym' AS victim_ref"
    )
    con.close()


@pytest.fixture(scope="session")
def superset_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetServer]:
    data = tmp_path_factory.mktemp("superset_data")
    serving = data / "serving.duckdb"
    if os.environ.get("CSP_TEST_SERVING"):
        shutil.copyfile(os.environ["CSP_TEST_SERVING"], serving)
    else:
        build_serving(serving)
    warehouse = data / "warehouse.duckdb"
    make_warehouse(warehouse)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SUPERSET_", "CSP_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(
        {
            "CSP_DATA_DIR": str(data),
            "CSP_DEMO": "1",
            "SUPERSET_PORT": str(port),
            "SUPERSET_WORKERS": "2",
            "SUPERSET_ADMIN_PASSWORD": DEMO_LOGINS["admin"],
        }
    )
    log = data / "superset.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(SUPERSET_DIR / "serve.py")],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    try:
        while "Superset ready" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Superset did not start:\n{log.read_text()[-6000:]}")
            time.sleep(1)
        yield SupersetServer(url, data, serving, warehouse, env, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="session")
def admin(superset_server: SupersetServer) -> Client:
    return superset_server.client("admin")


@pytest.fixture(scope="session")
def dashboard_charts(admin: Client) -> dict[str, list[dict]]:
    """Dashboard title -> its charts (id, slice_name, ...)."""
    out = {}
    for d in admin.list_all("/api/v1/dashboard/"):
        out[d["dashboard_title"]] = admin.req("GET", f"/api/v1/dashboard/{d['id']}/charts")[
            "result"
        ]
    return out
