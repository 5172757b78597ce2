"""One real Superset server for the whole Superset test session, on real parts.

The session builds its data folder with the real pipeline: demo extracts for two full
financial years (``demo.generate``: every source the demo writes, among them the police
crime and street files, the domestic abuse incidents and MARAC cases files, the council
ASB reports, the fire incidents, the treatment provider's episode snapshots, probation's
court order snapshots and assessments, and the IOM cohort and its convictions, which the
build must load without a rejection) into
``<data>/landing``, then ``python -m orchestration.build`` (ingest, dbt build, publish)
writes ``<data>/warehouse.duckdb`` (the working file with the raw tables a dashboard user
must never reach) and publishes ``<data>/serving.duckdb``. It builds twice, as partners
deliver: the first build without the demo's restated files (``*.restated-N``, listed in
its manifest), the second with them and with a late correction of Medway's fire
incidents (``restate_fires_with_late_incidents``), so the published figures have a first
reported count and a latest one (serving table ``restatements``) for both CSPs of the
demo logins. Overdue is judged on a fixed status day, ``AS_OF`` (CSP_AS_OF): Medway's
council sends no ASB return for the last two demo months, overdue on that day; every
other source is up to date. The server is then started by superset/serve.py (the same
launcher `make up` uses: install if missing, `superset db upgrade`, `superset init`,
gunicorn, provisioning) on a free port.

Set CSP_TEST_SERVING to test against an existing published serving file instead (it is
copied, never opened in place; no build runs and the re-publish test is skipped).

Every test leaves the session's server as it found it (a test that changes a chart or the
serving file puts it back in a ``finally``; the test that changes passwords starts a server
of its own), so the tests pass in any order and each file passes alone. The builds and
servers get an environment cleaned of the developer's own SUPERSET_*, CSP_*, DAGSTER_* and
DBT_* variables (``clean_environ``).
"""

from __future__ import annotations

import csv
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
DASHBOARDS = {
    "Community safety overview",
    "Crime",
    "Domestic abuse and MARAC",
    "ASB and fire",
    "Drugs and alcohol",
    "Reoffending and IOM",
}
# Two full financial years, so every this-FY-against-last-FY chart has both lines.
DEMO_START, DEMO_END = "2024-04", "2026-03"
#: Sources whose demo files the session's build must load, every file, none rejected.
LOADED_SOURCES = (
    "police_crime",
    "police_street",
    "dv_incidents",
    "marac_cases",
    "asb_council",
    "fire_incidents",
    "treatment_episodes",
    "court_orders",
    "probation_events",
    "iom_cohort",
    "iom_convictions",
)
#: The status day of the session's builds (CSP_AS_OF): Medway's council ASB return for
#: February 2026 (its last is January's) was due on 4 April 2026, 35 days after the month;
#: every other source has March 2026, whose successor is not due before June.
AS_OF = "2026-04-20"
#: Deliberate secondary fires Medway's fire service records late into one month's file.
LATE_FIRES, LATE_FIRE_MONTH = 3, "2025-11"
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
            # The day source_status judges overdue on (dbt's status_as_of), not today.
            "CSP_AS_OF": AS_OF,
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


def hold_back_restatements(landing: Path, manifest: dict, store: Path) -> list[Path]:
    """Move the demo's restated files (its manifest's `restated`) out of the landing
    folder into `store`; their landing paths, to put back with ``deliver``."""
    held = []
    for entry in manifest["restated"]:
        path = landing / entry["file"]
        target = store / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        held.append(path)
    assert held, "the demo wrote no restated file"
    return held


def deliver(held: list[Path], landing: Path, store: Path) -> None:
    for path in held:
        shutil.move(store / path.relative_to(landing), path)


def restate_fires_with_late_incidents(
    landing: Path, manifest: dict, csp_code: str, month: str, n: int
) -> Path:
    """A restatement of one CSP's fire incidents file for `month` (fire_incidents
    contract): every incident of the file plus `n` deliberate secondary fires recorded
    late, copied from one of the file's own and given new references; named to sort after
    the file it restates."""
    (slug,) = [c["slug"] for c in manifest["csps"] if c["csp_code"] == csp_code]
    latest = sorted((landing / "fire_incidents").glob(f"{month}-{slug}-fire-incidents*.csv"))[-1]
    with latest.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    assert rows and {r["csp_code"] for r in rows} == {csp_code}, latest
    (template, *_) = [
        r for r in rows if r["incident_type"] == "secondary fire" and r["motive"] == "deliberate"
    ]
    extra = [
        {
            **template,
            "incident_ref": f"{template['incident_ref']}-LATE{i}",
            "incident_datetime": f"{month}-{20 + i:02d} 23:{10 + i:02d}:00",
        }
        for i in range(n)
    ]
    assert not {r["incident_ref"] for r in extra} & {r["incident_ref"] for r in rows}
    path = latest.with_name(latest.name.replace(".csv", ".restated-9.csv"))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows + extra)
    assert sorted(latest.parent.glob(f"{latest.name.removesuffix('.csv')}*.csv"))[-1] == path
    return path


def assert_delivered(output: str, files: list[Path]) -> None:
    """The second build loaded exactly the files delivered after the first, none rejected."""
    sources: dict[str, int] = {}
    for path in files:
        sources[path.parent.name] = sources.get(path.parent.name, 0) + 1
    for source, n in sources.items():
        found = re.search(
            rf"^ingest {source}: (\d+) file\(s\): (\d+) loaded, (\d+) skipped "
            r"\(already loaded\), (\d+) rejected",
            output,
            re.MULTILINE,
        )
        assert found, f"the second build loaded no {source} file:\n{output[-3000:]}"
        files_seen, loaded, skipped, rejected = map(int, found.groups())
        assert (loaded, rejected, skipped) == (n, 0, files_seen - n), found.group(0)


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

        manifest = generate(landing, start=DEMO_START, end=DEMO_END)
        store = data / "delivered-later"
        held = hold_back_restatements(landing, manifest, store)
        output = run_build(env, data / "build-1.log")
        assert "Superset not running: skipped" in output, output[-3000:]
        assert_sources_loaded(output)
        assert warehouse.is_file() and serving.is_file()
        # A month later: the restated files, and Medway's fire incidents recorded late.
        deliver(held, landing, store)
        late = restate_fires_with_late_incidents(
            landing, manifest, MEDWAY, LATE_FIRE_MONTH, LATE_FIRES
        )
        output = run_build(env, data / "build-2.log")
        assert "Superset not running: skipped" in output, output[-3000:]
        assert_delivered(output, [*held, late])
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
