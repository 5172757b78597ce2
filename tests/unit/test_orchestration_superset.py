"""The ``superset_dashboards`` asset: refresh Superset after a publish, skip when it is down."""

import http.server
import os
import socket
import sys
import threading
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.publish.superset import (
    SKIPPED,
    build_superset_asset,
    refresh_superset,
    superset_python,
    superset_url,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fake_venv(tmp_path: Path) -> Path:
    """A 'Superset venv' whose python is this interpreter (it has requests and pyyaml)."""
    venv = tmp_path / "superset-venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return venv


def _materialize(monkeypatch: pytest.MonkeyPatch, **env: str) -> dg.ExecuteInProcessResult:
    for name in ("SUPERSET_URL", "SUPERSET_PORT", "SUPERSET_VENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with dg.instance_for_test() as instance:
        return dg.materialize([build_superset_asset()], instance=instance, raise_on_error=False)


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    [event] = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_url_and_python_from_env():
    assert superset_url({}) == "http://127.0.0.1:8088"
    assert superset_url({"SUPERSET_PORT": "9000"}) == "http://127.0.0.1:9000"
    assert (
        superset_url({"SUPERSET_URL": "http://bi:8088", "SUPERSET_PORT": "1"}) == "http://bi:8088"
    )
    assert superset_python({"SUPERSET_VENV": "/x"}) == Path("/x/bin/python")
    assert superset_python({}).parts[-4:] == ("superset", ".venv", "bin", "python")


def test_no_superset_venv_skips(tmp_path, monkeypatch):
    result = _materialize(monkeypatch, SUPERSET_VENV=str(tmp_path / "missing"))
    assert result.success
    metadata = _metadata(result)
    assert metadata["result"] == SKIPPED == "Superset not running: skipped"
    assert metadata["status"] == "skipped"


def test_superset_not_running_skips(tmp_path, monkeypatch):
    """The real provision.py --refresh --if-running against a port nobody listens on."""
    port = _free_port()
    venv = _fake_venv(tmp_path)
    result = _materialize(monkeypatch, SUPERSET_VENV=str(venv), SUPERSET_PORT=str(port))
    assert result.success
    metadata = _metadata(result)
    assert metadata["result"] == SKIPPED
    assert metadata["returncode"] == 0
    assert f"127.0.0.1:{port}" in metadata["url"]
    assert "Superset not running" in metadata["output"]


class _HealthyButRefusing(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self._reply(200 if self.path.startswith("/health") else 404, b"OK")

    def do_POST(self):  # noqa: N802
        self._reply(401, b'{"message": "Not authorized"}')

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_running_superset_that_refuses_the_refresh_fails(tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HealthyButRefusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        env = {**os.environ, "SUPERSET_VENV": str(_fake_venv(tmp_path)), "SUPERSET_URL": url}
        env["SUPERSET_ADMIN_PASSWORD"] = "wrong"
        refreshed = refresh_superset(env)
        assert refreshed.status == "failed"
        assert refreshed.returncode == 1
        assert "login as admin failed" in refreshed.output

        monkeypatch.setenv("SUPERSET_ADMIN_PASSWORD", "wrong")
        result = _materialize(monkeypatch, SUPERSET_VENV=env["SUPERSET_VENV"], SUPERSET_URL=url)
        assert not result.success
    finally:
        server.shutdown()
        server.server_close()
