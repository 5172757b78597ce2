"""`csp doctor`: one line per check with its fix; a failure makes it exit 1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from orchestration.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    chosen = {v: free_port() for v in ("SUPERSET_PORT", "DAGSTER_PORT", "DBT_DOCS_PORT")}
    for variable, port in chosen.items():
        monkeypatch.setenv(variable, str(port))
    return chosen


def test_a_fresh_data_folder_passes_with_a_hint_to_build(csp_env: Path, ports, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for name in ("python", "project packages", "superset venv", "data folder", "free disk"):
        assert f"ok    {name}" in out, out
    assert f"warn  serving file       none yet at {csp_env / 'serving.duckdb'}" in out
    assert "fix: make build" in out
    assert f"not running; port {ports['SUPERSET_PORT']} (SUPERSET_PORT) is free" in out


def test_a_port_taken_by_another_program_fails_with_the_fix(csp_env: Path, ports, capsys):
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", ports["DAGSTER_PORT"]))
        taken.listen()
        assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    port = ports["DAGSTER_PORT"]
    assert f"FAIL  Dagster UI         port {port} (DAGSTER_PORT) is taken by something" in out
    assert f"fix: stop what listens on {port}, or set DAGSTER_PORT to a free port" in out


def test_an_unwritable_data_folder_fails(tmp_path: Path, monkeypatch, ports, capsys):
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("CSP_DATA_DIR", str(tmp_path / "a-file" / "data"))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  data folder        the data folder {tmp_path / 'a-file' / 'data'} is not" in out
