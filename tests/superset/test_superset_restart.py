"""Settings that change between two starts of superset/serve.py apply on the second: a
rotated admin password (and a demo user's), another port and a moved serving file.

Its own Superset on its own fresh data folder (not the session's server, whose admin
password the other tests use), started twice with `--no-install` as `make up` does. No
build: provisioning imports the assets and writes the row-level security whether or not
the serving file exists yet, and this test reads only Superset's metadata.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import (
    DASHBOARDS,
    DEMO_LOGINS,
    MEDWAY,
    MK,
    SUPERSET_DIR,
    base_env,
    free_port,
    start_superset,
    stop_superset,
    wait_ready,
)
from provision import DB_NAME, Client

pytestmark = pytest.mark.superset

PASSWORD_A = "first-admin-password-A"
PASSWORD_B = "rotated-admin-password-B"
MK_PASSWORD = "rotated-mk-manager-password"


def logs_in(url: str, username: str, password: str) -> bool:
    try:
        Client(url, username, password)
    except RuntimeError as exc:
        assert ": 401 " in str(exc), exc  # refused, not broken
        return False
    return True


def test_a_rotated_password_a_new_port_and_a_moved_serving_file_apply_on_the_next_start(
    tmp_path,
):
    data = tmp_path / "data"
    data.mkdir()
    first = {**base_env(data, free_port()), "SUPERSET_ADMIN_PASSWORD": PASSWORD_A}
    moved = data / "moved" / "serving.duckdb"
    second = {
        **base_env(data, free_port()),
        "SUPERSET_ADMIN_PASSWORD": PASSWORD_B,
        "SUPERSET_MK_MANAGER_PASSWORD": MK_PASSWORD,
        "CSP_SERVING_PATH": str(moved),
    }
    assert first["SUPERSET_PORT"] != second["SUPERSET_PORT"]

    log1 = data / "superset-1.log"
    proc = start_superset(first, log1, "--no-install")
    try:
        output = wait_ready(proc, log1)
        url = f"http://127.0.0.1:{first['SUPERSET_PORT']}"
        assert "Superset metadata initialised" in output, output[-3000:]
        assert logs_in(url, "admin", PASSWORD_A)
        assert logs_in(url, "mk_manager", DEMO_LOGINS["mk_manager"])
    finally:
        stop_superset(proc)
    assert PASSWORD_A not in log1.read_text()  # only the published demo password is printed

    log2 = data / "superset-2.log"
    proc = start_superset(second, log2, "--no-install")
    try:
        output = wait_ready(proc, log2)
        url = f"http://127.0.0.1:{second['SUPERSET_PORT']}"
        # The metadata was kept (no second initialisation); the new password was applied.
        assert "Superset metadata initialised" not in output, output[-3000:]
        assert "admin password applied" in output, output[-3000:]
        assert logs_in(url, "admin", PASSWORD_B)
        assert not logs_in(url, "admin", PASSWORD_A)
        assert logs_in(url, "mk_manager", MK_PASSWORD)
        assert not logs_in(url, "mk_manager", DEMO_LOGINS["mk_manager"])
        assert logs_in(url, "medway_manager", DEMO_LOGINS["medway_manager"])

        # Provisioned: the assets imported, pointing at the moved serving file, and the
        # row-level security rules in place.
        admin = Client(url, "admin", PASSWORD_B)
        titles = {d["dashboard_title"] for d in admin.list_all("/api/v1/dashboard/")}
        assert titles == DASHBOARDS
        assets = SUPERSET_DIR / "assets"
        tables = {
            yaml.safe_load(p.read_text())["table_name"] for p in assets.glob("datasets/**/*.yaml")
        }
        datasets = {d["table_name"] for d in admin.list_all("/api/v1/dataset/", ["table_name"])}
        assert datasets == tables
        (db,) = [
            d
            for d in admin.list_all("/api/v1/database/", ["id", "database_name"])
            if d["database_name"] == DB_NAME
        ]
        uri = admin.req("GET", f"/api/v1/database/{db['id']}/connection")["result"]
        assert uri["sqlalchemy_uri"] == f"duckdb:///{moved}"
        rls = yaml.safe_load((SUPERSET_DIR / "security" / "rls.yaml").read_text())
        assert set(rls["csps"]) == {MK, MEDWAY}
        rules = {r["name"]: r for r in admin.list_all("/api/v1/rowlevelsecurity/")}
        assert set(rules) == {f"CSP {name} ({code})" for code, name in rls["csps"].items()}
        for code, name in rls["csps"].items():
            rule = rules[f"CSP {name} ({code})"]
            assert rule["clause"] == f"area_code = '{code}'"
            assert {t["table_name"] for t in rule["tables"]} == tables
            assert [r["name"] for r in rule["roles"]] == [f"CSP {name}"]
    finally:
        stop_superset(proc)
