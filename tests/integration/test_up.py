"""`csp up` (the end of `make up`): Superset, Dagster and the docs site started together,
stopped together, and a service that dies stops the rest with a clear line; no process is
left behind. Real services on free ports, on a warehouse built from one real police file."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REALDATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.superset]

REPO = Path(__file__).resolve().parents[2]
CSP = Path(sys.executable).parent / "csp"
REAL_FILE = "2019-01-thames-valley-street.csv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("up") / "data"
    (data / "landing" / "police_street").mkdir(parents=True)
    shutil.copy(REALDATA_DIR / "police_uk" / REAL_FILE, data / "landing" / "police_street")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CSP_", "DAGSTER_", "SUPERSET_")) or k == "CSP_SHARED_DIR"
    }
    env.update(CSP_DATA_DIR=str(data), CSP_DEMO="1")
    build = subprocess.run([str(CSP), "build"], env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return env


def start(env: dict[str, str]) -> tuple[subprocess.Popen, dict[str, int]]:
    ports = {v: free_port() for v in ("SUPERSET_PORT", "DAGSTER_PORT", "DBT_DOCS_PORT")}
    proc = subprocess.Popen(
        [str(CSP), "up"],
        env={**env, **{k: str(v) for k, v in ports.items()}},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return proc, ports


def stop(proc: subprocess.Popen) -> None:
    """Stop a csp up that a failed assertion left running, the way a user does (Ctrl-C): a
    SIGKILL would leave its services (in their own process groups) running."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def read_until(proc: subprocess.Popen, wanted: list[str], timeout: float) -> list[str]:
    """Lines of csp up's output until every `wanted` text has appeared."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    while not all(any(w in line for line in lines) for w in wanted):
        assert time.monotonic() < deadline, f"not seen {wanted} in {lines}"
        assert proc.poll() is None, f"csp up exited {proc.returncode}: {lines}"
        line = proc.stdout.readline()
        if line:
            lines.append(line.rstrip())
        else:
            time.sleep(0.2)
    return lines


def leftovers(env: dict[str, str], ports: dict[str, int]) -> list[str]:
    """Processes of this csp up (its data folder or one of its ports in their command)."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    marks = [env["CSP_DATA_DIR"], *(f":{p}" for p in ports.values())]
    marks += [f"--port {p}" for p in ports.values()] + [f"-p {p}" for p in ports.values()]
    return [line for line in out.splitlines() if any(m in line for m in marks)]


def test_ctrl_c_stops_every_service_and_its_children(built):
    proc, ports = start(built)
    try:
        read_until(proc, ["Superset: http", "Dagster: http", "dbt docs: http"], timeout=300)
        assert leftovers(built, ports)  # they are running
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 0 and "csp up: stopped" in out
    assert leftovers(built, ports) == []


def test_superset_dying_stops_everything_with_one_clear_line(built):
    proc, ports = start(built)
    try:
        lines = read_until(proc, ["Superset: http", "Dagster: http"], timeout=300)
        starting = next(x for x in lines if x.startswith("Superset: starting"))
        serve_pid = int(starting.split("(pid ")[1].split(")")[0])
        ps = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
        server = [int(p) for p, pp in (x.split() for x in ps.splitlines()) if int(pp) == serve_pid]
        assert server, "no Superset server under serve.py"
        killed_at = time.monotonic()
        os.kill(server[0], signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        took = time.monotonic() - killed_at
    finally:
        stop(proc)
    assert proc.returncode == 1
    assert took < 30
    log = Path(built["CSP_DATA_DIR"]) / "logs" / "superset.log"
    assert "csp up: Superset stopped (exit code " in out and f"Its log: {log}" in out
    assert leftovers(built, ports) == []


def test_a_port_in_use_stops_it_before_anything_starts(built):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**built, "SUPERSET_PORT": str(port), "DAGSTER_PORT": str(free_port())}
        env["DBT_DOCS_PORT"] = str(free_port())
        proc = subprocess.run([str(CSP), "up"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"port {port} (SUPERSET_PORT, for Superset) is already in use" in proc.stderr


def test_no_serving_file_and_an_unwritable_data_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSP_", "SUPERSET_"))}
    proc = subprocess.run(
        [str(CSP), "up"], env={**env, "CSP_DATA_DIR": str(tmp_path / "data")},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "no published serving file at" in proc.stderr
    # a folder nobody can create (under a file), as root too
    (tmp_path / "a-file").write_text("x")
    data = tmp_path / "a-file" / "data"
    proc = subprocess.run(
        [str(CSP), "up"], env={**env, "CSP_DATA_DIR": str(data)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and f"the data folder {data} is not writable" in proc.stderr
