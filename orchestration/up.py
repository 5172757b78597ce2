"""``csp up`` (the end of ``make up``): Superset, the Dagster UI and daemon, and the dbt docs
site, started together, watched, and stopped together.

Each service runs in its own process group with its output in
``$CSP_DATA_DIR/logs/<service>.log``. When one of them stops or cannot start (Superset that
fails to provision, a Dagster webserver or daemon that dies), the others are stopped and
``csp up`` exits 1 with one line naming the service and its log. Ctrl-C (or SIGTERM) stops
everything, children of the children included, and exits 0. A port already in use, a data
folder that cannot be written or no published serving file stop it before anything starts
(exit 2).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ingest.config import REPO_ROOT, ConfigError, Settings

STOP_GRACE_SECONDS = 15
POLL_SECONDS = 0.5


class UpError(RuntimeError):
    """A reason not to start, for the user (exit 2)."""


@dataclass
class Service:
    name: str
    command: list[str]
    port_variable: str
    port: int
    ready_path: str
    log: Path
    process: subprocess.Popen | None = None
    ready: bool = False
    #: process groups seen under this service (its children may start their own groups)
    groups: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def port_from_env(variable: str, default: int) -> int:
    text = os.environ.get(variable) or str(default)
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UpError(f"{variable}={text!r} is not a port number")
    return int(text)


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port (it cannot be bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def check_port_free(service: Service) -> None:
    if port_in_use(service.port):
        raise UpError(
            f"port {service.port} ({service.port_variable}, for {service.name}) is already "
            f"in use: stop what listens there, or set {service.port_variable} to a free port"
        )


def services(settings: Settings) -> list[Service]:
    logs = Path(settings.data_dir) / "logs"
    bin_dir = Path(sys.executable).parent
    return [
        Service(
            "Superset",
            [sys.executable, str(REPO_ROOT / "superset" / "serve.py"), "--no-install"],
            "SUPERSET_PORT",
            port_from_env("SUPERSET_PORT", 8088),
            "/health",
            logs / "superset.log",
        ),
        Service(
            "Dagster",
            [str(bin_dir / "dagster"), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1"],
            "DAGSTER_PORT",
            port_from_env("DAGSTER_PORT", 3000),
            "/server_info",
            logs / "dagster.log",
        ),
        Service(
            "dbt docs",
            [str(bin_dir / "csp"), "docs"],
            "DBT_DOCS_PORT",
            port_from_env("DBT_DOCS_PORT", 8081),
            "/",
            logs / "dbt-docs.log",
        ),
    ]


def dagster_home(settings: Settings) -> Path:
    """``$DAGSTER_HOME``, else ``$CSP_DATA_DIR/.dagster``, with the project's dagster.yaml
    (one writer pool for the warehouse) when it has none yet."""
    home = Path(os.environ.get("DAGSTER_HOME") or Path(settings.data_dir) / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return home


def _children() -> dict[int, list[tuple[int, int]]]:
    """ppid -> [(pid, pgid)] of every process, from ps."""
    out = subprocess.run(
        ["ps", "-eo", "pid=,ppid=,pgid="], capture_output=True, text=True, check=False
    ).stdout
    tree: dict[int, list[tuple[int, int]]] = {}
    for line in out.splitlines():
        pid, ppid, pgid = (int(x) for x in line.split())
        tree.setdefault(ppid, []).append((pid, pgid))
    return tree


def remember_groups(svc: Service) -> None:
    """Record the process groups of the service and of every descendant it has now."""
    if svc.process is None:
        return
    tree = _children()
    todo = [svc.process.pid]
    svc.groups.add(svc.process.pid)
    while todo:
        for pid, pgid in tree.get(todo.pop(), []):
            svc.groups.add(pgid)
            todo.append(pid)


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_all(running: list[Service]) -> list[int]:
    """SIGTERM every process group of every service, SIGKILL what is left after the grace
    period; return the groups that still had a process after SIGKILL (should be none)."""
    for svc in running:
        remember_groups(svc)
    groups = {g for svc in running for g in svc.groups if g != os.getpgrp()}
    for g in groups:
        try:
            os.killpg(g, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline and any(_alive(g) for g in groups):
        for svc in running:
            if svc.process is not None:
                svc.process.poll()
        time.sleep(0.2)
    for g in groups:
        if _alive(g):
            try:
                os.killpg(g, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for svc in running:
        if svc.process is not None:
            try:
                svc.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
    time.sleep(0.2)
    return sorted(g for g in groups if _alive(g))


def answers(url: str) -> bool:
    """Whether an HTTP GET of url succeeds (2xx/3xx)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


def _tail(path: Path, n: int = 5) -> list[str]:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if line.strip()][-n:]


def run(settings: Settings) -> int:
    try:
        data_dir = settings.writable_data_dir()
    except ConfigError as exc:
        raise UpError(str(exc)) from None
    if not Path(settings.serving_path).is_file():
        raise UpError(
            f"no published serving file at {settings.serving_path}: run `make build` "
            "(or `csp build`) first"
        )
    svcs = services(settings)
    for svc in svcs:
        check_port_free(svc)
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(dagster_home(settings))
    for svc in svcs:
        env[svc.port_variable] = str(svc.port)
    svcs[1].command += ["-p", str(svcs[1].port)]
    svcs[2].command += ["--port", str(svcs[2].port)]

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    running: list[Service] = []
    for svc in svcs:
        with open(svc.log, "w") as log:
            svc.process = subprocess.Popen(
                svc.command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running.append(svc)
        print(f"{svc.name}: starting (pid {svc.process.pid}), log {svc.log}", flush=True)

    failed: Service | None = None
    while not stopping:
        for svc in running:
            remember_groups(svc)
            if svc.process.poll() is not None:
                failed = svc
                break
            if not svc.ready and answers(svc.url + svc.ready_path):
                svc.ready = True
                hint = " (logins: README.md, 'For managers')" if svc.name == "Superset" else ""
                print(f"{svc.name}: {svc.url}{hint}", flush=True)
        if failed is not None:
            break
        time.sleep(POLL_SECONDS)

    left = stop_all(running)
    if failed is not None:
        code = failed.process.returncode
        print(
            f"csp up: {failed.name} stopped (exit code {code}); the other services were "
            f"stopped too. Its log: {failed.log}",
            file=sys.stderr,
            flush=True,
        )
        for line in _tail(failed.log):
            print(f"  {line}", file=sys.stderr)
    else:
        print("csp up: stopped", flush=True)
    if left:
        print(f"csp up: processes still running in groups {left}", file=sys.stderr)
    return 1 if failed is not None or left else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="csp up",
        description="Serve Superset, the Dagster UI and daemon and the dbt docs site together.",
    )
    parser.parse_args(argv)
    try:
        return run(Settings.from_env())
    except UpError as exc:
        print(f"csp up: {exc}", file=sys.stderr)
        return 2
