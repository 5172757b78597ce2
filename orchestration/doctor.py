"""``csp doctor``: what a user would otherwise debug by hand, one line per check with the fix.

Python and the tools of both virtual environments against their lock files, the data folder
and the free disk, the ports of ``csp up`` (free, or answered by the service that should be
there), the published serving file, and Superset, Dagster and the docs site when they run.
Exit 1 when a check fails (a warning does not).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ingest.config import REPO_ROOT, ConfigError, Settings
from orchestration.up import answers, port_in_use

#: The packages whose versions matter most (the lock pins every one).
KEY_PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "dagster-dbt", "dagster-webserver")
MIN_FREE_BYTES = 2 * 1024**3
SERVICES = (  # name, port variable, default, path that answers when it is that service
    ("Superset", "SUPERSET_PORT", 8088, "/health"),
    ("Dagster UI", "DAGSTER_PORT", 3000, "/server_info"),
    ("dbt docs", "DBT_DOCS_PORT", 8081, "/"),
)


@dataclass
class Check:
    status: str  # "ok" | "warn" | "FAIL"
    name: str
    text: str
    fix: str = ""

    def line(self) -> str:
        out = f"{self.status:<4}  {self.name:<18} {self.text}"
        return out + (f"\n      {'':<18} fix: {self.fix}" if self.fix else "")


def locked_versions(lock: Path = REPO_ROOT / "uv.lock") -> dict[str, str]:
    data = tomllib.loads(lock.read_text())
    return {p["name"]: p.get("version", "") for p in data.get("package", [])}


def check_python() -> Check:
    v = sys.version_info
    text = f"Python {v.major}.{v.minor}.{v.micro} ({sys.executable})"
    if (v.major, v.minor) != (3, 11):
        return Check("FAIL", "python", text, "the project runs on Python 3.11 (make uses it)")
    return Check("ok", "python", text)


def check_project_venv() -> Check:
    locked = locked_versions()
    wrong = []
    for name in KEY_PACKAGES:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != locked.get(name):
            wrong.append(f"{name} {installed} (locked {locked.get(name)})")
    if wrong:
        return Check(
            "FAIL", "project packages", "; ".join(wrong), "make install (uv sync --frozen)"
        )
    return Check("ok", "project packages", ", ".join(f"{n} {locked[n]}" for n in KEY_PACKAGES[:4]))


def check_superset_venv(
    python: Path = REPO_ROOT / "superset" / ".venv" / "bin" / "python",
) -> Check:
    if not python.is_file():
        return Check("FAIL", "superset venv", f"no {python}", "make superset-install")
    probe = (
        "from importlib.metadata import version; "
        "print(version('apache-superset'), version('duckdb'))"
    )
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    if out.returncode != 0:
        return Check("FAIL", "superset venv", out.stderr.strip()[-200:], "make superset-install")
    superset, duckdb_version = out.stdout.split()
    project_duckdb = metadata.version("duckdb")
    if duckdb_version != project_duckdb:
        return Check(
            "FAIL",
            "superset venv",
            f"duckdb {duckdb_version} in Superset, {project_duckdb} in the project: one file "
            "format for both",
            "make superset-install",
        )
    return Check("ok", "superset venv", f"apache-superset {superset}, duckdb {duckdb_version}")


def check_data_dir(settings: Settings) -> list[Check]:
    try:
        folder = settings.writable_data_dir()
    except ConfigError as exc:
        return [Check("FAIL", "data folder", str(exc), "set CSP_DATA_DIR to a writable folder")]
    checks = [Check("ok", "data folder", f"{folder.resolve()} (writable)")]
    free = shutil.disk_usage(folder).free
    text = f"{free / 1024**3:.1f} GB free on the data folder's disk"
    if free < MIN_FREE_BYTES:
        checks.append(Check("warn", "free disk", text, "a build needs about 2 GB; free some"))
    else:
        checks.append(Check("ok", "free disk", text))
    return checks


def check_serving(settings: Settings) -> Check:
    import duckdb

    path = Path(settings.serving_path)
    if not path.is_file():
        return Check("warn", "serving file", f"none yet at {path}", "make build")
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            rows = con.execute("SELECT count(*) FROM main.scorecard").fetchone()[0]
            when = con.execute("SELECT max(published_at) FROM main._publish_log").fetchone()[0]
        finally:
            con.close()
    except duckdb.Error as exc:
        return Check("FAIL", "serving file", f"{path} cannot be read: {exc}", "make build")
    published = f"{when:%Y-%m-%d %H:%M} UTC" if when else "at an unknown time"
    return Check("ok", "serving file", f"{path}: scorecard {rows} rows, published {published}")


def check_service(name: str, variable: str, port: int, path: str) -> Check:
    url = f"http://127.0.0.1:{port}"
    if not port_in_use(port):
        return Check("ok", name, f"not running; port {port} ({variable}) is free")
    if answers(url + path):
        return Check("ok", name, f"running on {url}")
    return Check(
        "FAIL",
        name,
        f"port {port} ({variable}) is taken by something that is not {name}",
        f"stop what listens on {port}, or set {variable} to a free port",
    )


def check_chromium() -> Check:
    found = shutil.which("chromium")
    if not found:
        return Check(
            "warn", "chromium", "not installed (the browser tests need it)", "make chromium"
        )
    return Check("ok", "chromium", found)


def run_checks(settings: Settings, env: dict[str, str]) -> list[Check]:
    checks = [check_python(), check_project_venv(), check_superset_venv()]
    checks += check_data_dir(settings)
    checks.append(check_serving(settings))
    for name, variable, default, path in SERVICES:
        port = int(env.get(variable) or default)
        checks.append(check_service(name, variable, port, path))
    checks.append(check_chromium())
    return checks


def main(argv: list[str] | None = None) -> int:
    import os

    checks = run_checks(Settings.from_env(), dict(os.environ))
    for check in checks:
        print(check.line())
    failed = [c for c in checks if c.status == "FAIL"]
    print(
        f"\n{len(checks) - len(failed)} of {len(checks)} checks passed"
        + (f"; {len(failed)} failed" if failed else "")
    )
    return 1 if failed else 0
