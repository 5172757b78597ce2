"""The `csp` command: exit codes and output."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import get_contract
from orchestration.cli import main

HEADER = ",".join(get_contract("police_street").headers)


def street(month: str = "2024-03", crime_type: str = "Burglary", n: int = 2) -> str:
    row = (
        f"{{i}},{month},Thames Valley Police,Thames Valley Police,-0.7,52.0,On or near A,"
        f"E01016725,Milton Keynes 001A,{crime_type},,"
    )
    return HEADER + "\n" + "\n".join(row.format(i=i) for i in range(n)) + "\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_ok_and_error(csp_env: Path, capsys) -> None:
    good = write(csp_env / "in" / "good.csv", street())
    assert main(["validate", "police_street", str(good)]) == 0
    assert "good.csv (police_street): OK, 2 rows, periods 2024-03" in capsys.readouterr().out
    bad = write(csp_env / "in" / "bad.csv", street(crime_type="Loitering"))
    assert main(["validate", "police_street", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ERROR   bad.csv, row 2, column 'Crime type': unknown category value 'Loitering'" in out
    assert bad.exists() and not (csp_env / "warehouse.duckdb").exists()  # validate writes nothing


def test_load_status_and_load_landing(csp_env: Path, capsys) -> None:
    f = write(csp_env / "in" / "2024-03-tvp-street.csv", street())
    assert main(["load", "police_street", str(f)]) == 0
    assert "loaded, 2 rows (replaced 0)" in capsys.readouterr().out
    bad = write(csp_env / "in" / "2024-04-tvp-street.csv", street(month="2024-4"))
    assert main(["load", "police_street", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "rejected" in out and "column 'Month': bad format: expected YYYY-MM: '2024-4'" in out
    assert (csp_env / "quarantine" / "police_street" / "2024-04-tvp-street.csv.error.txt").exists()

    landing = csp_env / "landing" / "police_street"
    write(landing / "2024-04-tvp-street.csv", street(month="2024-04", n=3))
    write(landing / "2024-03-tvp-street.csv", street())  # same bytes as loaded: skipped
    assert main(["load-landing"]) == 0
    out = capsys.readouterr().out
    assert "loaded: 1, skipped_duplicate: 1, rejected: 0" in out
    assert out.index("2024-03-tvp-street.csv") < out.index("2024-04-tvp-street.csv")

    assert main(["status", "--as-of", "2024-06-10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "source", "last", "load", "(UTC)", "rows", "warnings", "rejected", "latest", "period",
        "overdue",
    ]  # fmt: skip
    ps = next(line for line in lines if line.startswith("police_street"))
    assert " 5 " in ps and "2024-04" in ps and "no (next 2024-05 due 2024-08-01)" in ps
    pc = next(line for line in lines if line.startswith("police_crime"))
    assert "YES (never loaded)" in pc
    assert main(["status", "--as-of", "2024-08-02"]) == 0
    assert "YES (next 2024-05 due 2024-08-01)" in capsys.readouterr().out


def test_status_numbers(csp_env: Path) -> None:
    from datetime import date

    from ingest.config import Settings
    from ingest.load import load_file
    from ingest.status import source_status

    settings = Settings.from_env()
    text = street(n=3).replace("On or near A,E01016725", "On or near A,")  # no LSOA: a warning
    load_file("police_street", write(csp_env / "a.csv", text), settings)
    st = {s.source: s for s in source_status(settings, as_of=date(2024, 4, 1))}
    s = st["police_street"]
    assert (s.rows, s.warnings, s.latest_period, s.overdue) == (3, 1, "2024-03", False)
    assert s.last_load is not None and s.due_by == date(2024, 7, 1)  # 2024-04-30 + 62 days
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw._loads").fetchone()[0] == 1


def test_contracts_writes_docs(tmp_path: Path, capsys) -> None:
    assert main(["contracts", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "police_street.md").is_file() and (tmp_path / "police_crime.md").is_file()
    assert "name: police_crime" in (tmp_path / "_raw__sources.yml").read_text()


def test_missing_key_is_a_clear_error(csp_env: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CSP_DEMO")
    f = write(csp_env / "c.csv", "crime_ref\nx\n")
    assert main(["load", "police_crime", str(f)]) == 2
    assert "CSP_PSEUDONYM_KEY is not set" in capsys.readouterr().err


def test_build_passes_its_arguments_to_the_build(monkeypatch) -> None:
    calls = []
    fake = types.ModuleType("orchestration.build")
    fake.main = lambda argv=None: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "orchestration.build", fake)
    assert main(["build", "--only-ingest"]) == 0
    assert calls == [["--only-ingest"]]


def test_unknown_source_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["load", "nope", "x.csv"])
    assert exc.value.code == 2


def test_docs_serves_the_docs_site_of_the_data_folder(csp_env: Path) -> None:
    """`csp docs` (what `make up` runs on $DBT_DOCS_PORT) serves $CSP_DATA_DIR/dbt_docs/."""
    import os
    import socket
    import subprocess
    import time
    import urllib.request

    site = csp_env / "dbt_docs"
    site.mkdir()
    (site / "index.html").write_text("<html>csp docs</html>")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    csp = Path(sys.executable).parent / "csp"
    proc = subprocess.Popen(
        [str(csp), "docs", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    assert r.read() == b"<html>csp docs</html>"
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "csp docs not up"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
