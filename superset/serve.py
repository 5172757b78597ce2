"""Run Superset for the warehouse: install if missing, initialise, serve, provision.

    python superset/serve.py                 # serve on 127.0.0.1:$SUPERSET_PORT until Ctrl-C
    python superset/serve.py --init-only     # install + initialise + exit (compose's init step)

Any Python 3.11 runs this file: Superset itself runs from its own virtual environment
(superset/.venv, made by superset/install.sh from superset/requirements.lock).

Environment: SUPERSET_PORT (8088), SUPERSET_HOST (127.0.0.1), CSP_DATA_DIR (data),
CSP_DEMO, SUPERSET_SECRET_KEY, SUPERSET_ADMIN_PASSWORD (demo: "admin"),
SUPERSET_DATABASE_URI (metadata DB; default SQLite in $CSP_DATA_DIR/superset/),
SUPERSET_WORKERS (2), SUPERSET_VENV (superset/.venv). The serving file's path comes from
ingest.config.Settings (CSP_SERVING_PATH, else $CSP_DATA_DIR/serving.duckdb) and is
passed, absolute, to the server and to provisioning as CSP_SERVING_PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# ingest.config uses the standard library only, so any Python 3.11 can import it.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from ingest.config import Settings  # noqa: E402


def superset_env() -> dict[str, str]:
    env = dict(os.environ)
    # Paths are derived in one place, ingest.config.Settings; the server and provision.py
    # get them absolute.
    settings = Settings.from_env(env)
    data_dir = settings.data_dir.resolve()
    env["CSP_DATA_DIR"] = str(data_dir)
    env["CSP_SERVING_PATH"] = str(settings.serving_path.resolve())
    env.setdefault("SUPERSET_HOME", str(data_dir / "superset"))
    env["SUPERSET_CONFIG_PATH"] = str(HERE / "superset_config.py")
    env["FLASK_APP"] = "superset.app:create_app()"
    env.setdefault("SUPERSET_PORT", "8088")
    env.setdefault("SUPERSET_HOST", "127.0.0.1")
    # Superset's own environment first on PATH, the project's venv out of the way.
    venv = Path(env.get("SUPERSET_VENV", HERE / ".venv"))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env


def admin_password(env: dict[str, str]) -> str:
    pw = env.get("SUPERSET_ADMIN_PASSWORD", "")
    if not pw:
        if env.get("CSP_DEMO") != "1":
            sys.exit("SUPERSET_ADMIN_PASSWORD is not set (required outside demo mode)")
        pw = "admin"
    return pw


def venv_bin(env: dict[str, str], name: str) -> str:
    return str(Path(env.get("SUPERSET_VENV", HERE / ".venv")) / "bin" / name)


def run(cmd: list[str], env: dict[str, str], quiet: bool = True) -> None:
    out = subprocess.run(cmd, env=env, capture_output=quiet, text=True)
    if out.returncode != 0:
        if quiet:
            sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}")


def install(env: dict[str, str]) -> None:
    run(["bash", str(HERE / "install.sh")], env, quiet=False)


def initialise(env: dict[str, str]) -> None:
    """`superset db upgrade` + `superset init` + admin user, skipped when already done."""
    lock = (HERE / "requirements.lock").read_bytes()
    key = hashlib.sha256(lock + env.get("SUPERSET_DATABASE_URI", "sqlite").encode()).hexdigest()
    home = Path(env["SUPERSET_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    stamp = home / ".initialised"
    if env.get("SUPERSET_DATABASE_URI") is None and not (home / "superset.db").exists():
        stamp.unlink(missing_ok=True)
    if stamp.exists() and stamp.read_text() == key:
        return
    superset = venv_bin(env, "superset")
    t0 = time.monotonic()
    run([superset, "db", "upgrade"], env)
    run([superset, "init"], env)
    pw = admin_password(env)
    # Creates the admin once; provisioning keeps its password and roles in step.
    run(
        [
            superset,
            "fab",
            "create-admin",
            "--username",
            "admin",
            "--firstname",
            "Admin",
            "--lastname",
            "User",
            "--email",
            "admin@csp.example",
            "--password",
            pw,
        ],
        env,
    )
    stamp.write_text(key)
    print(f"Superset metadata initialised in {time.monotonic() - t0:.0f}s", flush=True)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Superset exited with {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"Superset did not answer on {url}/health within {timeout:.0f}s")


def start_server(env: dict[str, str]) -> subprocess.Popen:
    host, port = env["SUPERSET_HOST"], env["SUPERSET_PORT"]
    cmd = [
        venv_bin(env, "gunicorn"),
        "--bind",
        f"{host}:{port}",
        "--workers",
        env.get("SUPERSET_WORKERS", "2"),
        "--worker-class",
        "gthread",
        "--threads",
        env.get("SUPERSET_THREADS", "8"),
        "--timeout",
        "120",
        "--limit-request-line",
        "0",
        "--limit-request-field_size",
        "0",
        "--log-level",
        "warning",
        "superset.app:create_app()",
    ]
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Install, initialise, serve and provision Superset"
    )
    parser.add_argument(
        "--init-only", action="store_true", help="install and initialise, then exit"
    )
    parser.add_argument("--no-provision", action="store_true")
    parser.add_argument("--no-install", action="store_true")
    args = parser.parse_args()

    env = superset_env()
    t0 = time.monotonic()
    if not args.no_install:
        install(env)
    initialise(env)
    if args.init_only:
        return 0

    proc = start_server(env)

    def stop(signum: int, frame: object) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = f"http://{env['SUPERSET_HOST']}:{env['SUPERSET_PORT']}"
    try:
        wait_healthy(url, proc)
        if not args.no_provision:
            subprocess.run(
                [venv_bin(env, "python"), str(HERE / "provision.py"), "--url", url],
                env=env,
                check=True,
            )
        print(f"Superset ready in {time.monotonic() - t0:.0f}s: {url}", flush=True)
        print(
            f"  log in as admin / {admin_password(env)}"
            + (
                "  (demo users: see superset/security/users.yaml)"
                if env.get("CSP_DEMO") == "1"
                else ""
            ),
            flush=True,
        )
        return proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
