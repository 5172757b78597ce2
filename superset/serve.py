"""Run Superset for the warehouse: install if missing, initialise, serve, provision.

    python superset/serve.py                 # serve on 127.0.0.1:$SUPERSET_PORT until Ctrl-C
    python superset/serve.py --init-only     # install + initialise + exit (compose's init step)

What the environment says is applied on every start, not only the first: the admin's
password (SUPERSET_ADMIN_PASSWORD) is checked by logging in before provisioning and set in
Superset's metadata when it differs (a password rotated in .env), provisioning sets the
other users' passwords from their variables (superset/security/users.yaml), and the port,
the data folder and the serving file's path are read afresh (a new data folder is a new
metadata database, initialised on its first start).

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
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
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


def run(cmd: list[str], env: dict[str, str], quiet: bool = True, name: str = "") -> None:
    out = subprocess.run(cmd, env=env, capture_output=quiet, text=True)
    if out.returncode != 0:
        if quiet:
            sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        raise SystemExit(f"failed ({out.returncode}): {name or ' '.join(cmd)}")


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
    set_admin(env)
    stamp.write_text(key)
    print(f"Superset metadata initialised in {time.monotonic() - t0:.0f}s", flush=True)


ADMIN = "admin"
# Run by Superset's own Python inside its app context: create the admin, or give it back the
# password, the Admin role and an active account. The password comes in the environment,
# never on a command line (which any local user can read in the process list).
SET_ADMIN = """
import os, sys
from superset.app import create_app

app = create_app()
with app.app_context():
    sm = app.appbuilder.sm
    name, password = os.environ["CSP_ADMIN_USERNAME"], os.environ["CSP_ADMIN_PASSWORD"]
    role = sm.find_role(sm.auth_role_admin)
    user = sm.find_user(username=name)
    if user is None:
        if not sm.add_user(name, "Admin", "User", "admin@csp.example", role, password):
            sys.exit(f"could not create the user {name}")
        print(f"created {name}")
    else:
        user.active = True
        if role not in user.roles:
            user.roles.append(role)
        sm.reset_password(user.id, password)
        print(f"password of {name} set")
"""


def set_admin(env: dict[str, str]) -> None:
    """Create the admin, or set its password to SUPERSET_ADMIN_PASSWORD (one app start)."""
    run(
        [venv_bin(env, "python"), "-c", SET_ADMIN],
        {**env, "CSP_ADMIN_USERNAME": ADMIN, "CSP_ADMIN_PASSWORD": admin_password(env)},
        name=f"setting the password of {ADMIN} in Superset's metadata",
    )


def can_log_in(url: str, username: str, password: str) -> bool:
    """True when Superset's login API accepts the password, False when it refuses it."""
    body = {"username": username, "password": password, "provider": "db", "refresh": False}
    req = urllib.request.Request(
        f"{url}/api/v1/security/login",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status == 200
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            return False
        raise


def apply_admin_password(env: dict[str, str], url: str) -> None:
    """Make SUPERSET_ADMIN_PASSWORD the admin's password in the metadata, on every start.

    A login tells whether it already is (a fraction of a second); only when it is refused,
    e.g. after the password was rotated in .env, is it set through Superset's app (one app
    start, some seconds), so provisioning can log in."""
    pw = admin_password(env)
    if can_log_in(url, ADMIN, pw):
        return
    set_admin(env)
    if not can_log_in(url, ADMIN, pw):
        raise SystemExit(f"the admin still cannot log in on {url} after its password was set")
    print("Superset admin password applied from SUPERSET_ADMIN_PASSWORD", flush=True)


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
        apply_admin_password(env, url)
        if not args.no_provision:
            subprocess.run(
                [venv_bin(env, "python"), str(HERE / "provision.py"), "--url", url],
                env=env,
                check=True,
            )
        print(f"Superset ready in {time.monotonic() - t0:.0f}s: {url}", flush=True)
        # The password itself only when it is the published demo one.
        demo_admin = env.get("CSP_DEMO") == "1" and not env.get("SUPERSET_ADMIN_PASSWORD")
        print(
            f"  log in as {ADMIN} / "
            + (admin_password(env) if demo_admin else "$SUPERSET_ADMIN_PASSWORD")
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
