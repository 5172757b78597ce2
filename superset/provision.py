"""Provision Superset from the files under superset/: assets, roles, users, RLS.

    python superset/provision.py [--url http://127.0.0.1:8088]
    python superset/provision.py --refresh     # after a publish: refresh datasets, drop caches

1. Zips superset/assets/ (Superset's export format), with the serving file's path put
   into the database URI, and sends it to POST /api/v1/assets/import/ (multipart field
   `bundle`, overwrite=true): one transaction, objects matched by UUID, so a second run
   changes nothing and a changed definition updates in place.
2. Upserts, by name, through the REST API (FAB_ADD_SECURITY_API):
   roles (security/roles.yaml), users (security/users.yaml) and one row-level-security
   rule per CSP (security/rls.yaml). Every run sets each user's password from the
   variable users.yaml names for it (the demo password in demo mode when it is unset), so
   a rotated password applies at the next start. It logs in as admin with
   SUPERSET_ADMIN_PASSWORD: superset/serve.py has made that the admin's password first.

Needs only `requests` and `pyyaml` (both in Superset's venv and the project's).
Environment: SUPERSET_URL or SUPERSET_PORT, SUPERSET_ADMIN_PASSWORD (demo: admin),
CSP_DEMO, and the serving file's path as ingest.config.Settings reads it
(CSP_SERVING_PATH or CSP_DATA_DIR; superset/serve.py passes CSP_SERVING_PATH).
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import os
import secrets
import string
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import requests
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# ingest.config uses the standard library only, so Superset's venv can import it.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from ingest.config import Settings  # noqa: E402

ASSETS = HERE / "assets"
SECURITY = HERE / "security"
DB_NAME = "csp_serving"


def serving_path() -> Path:
    """The serving file, absolute: ingest.config.Settings is the one home of its path."""
    return Settings.from_env().serving_path.resolve()


def build_bundle(assets: Path = ASSETS, serving: Path | None = None) -> bytes:
    """The assets folder as an export zip, with ${CSP_SERVING_PATH} filled in."""
    serving = serving or serving_path()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(assets.rglob("*.yaml")):
            rel = path.relative_to(assets).as_posix()
            text = path.read_text()
            if rel.startswith("databases/"):
                text = string.Template(text).safe_substitute(CSP_SERVING_PATH=str(serving))
            zf.writestr(f"csp_assets/{rel}", text)
    return buf.getvalue()


def asset_datasets(assets: Path = ASSETS) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((assets / "datasets").rglob("*.yaml"))]


class Client:
    """A logged-in REST client (JWT + CSRF token)."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 60) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.s = requests.Session()
        r = self.s.post(
            f"{self.url}/api/v1/security/login",
            timeout=timeout,
            json={
                "username": username,
                "password": password,
                "provider": "db",
                "refresh": True,
            },
        )
        if r.status_code != 200:
            raise RuntimeError(f"login as {username} failed: {r.status_code} {r.text[:200]}")
        self.s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        r = self.s.get(f"{self.url}/api/v1/security/csrf_token/", timeout=timeout)
        r.raise_for_status()
        self.s.headers["X-CSRFToken"] = r.json()["result"]
        self.s.headers["Referer"] = self.url

    def req(self, method: str, path: str, ok: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        r = self.s.request(method, f"{self.url}{path}", timeout=self.timeout, **kw)
        if r.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:500]}")
        return r.json() if r.content else {}

    def list_all(self, path: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 0
        while True:
            q = f"(page:{page},page_size:100"
            if columns:
                q += ",columns:!(" + ",".join(columns) + ")"
            q += ")"
            res = self.req("GET", f"{path}?q={q}")
            out += res["result"]
            if len(out) >= res.get("count", 0) or not res["result"]:
                return out
            page += 1


# ------------------------------------------------------------------------------ steps
def import_assets(c: Client, bundle: bytes) -> None:
    c.req(
        "POST",
        "/api/v1/assets/import/",
        files={"bundle": ("csp_assets.zip", bundle, "application/zip")},
        data={"overwrite": "true", "passwords": "{}"},
    )


def dataset_ids(c: Client) -> dict[str, int]:
    rows = c.list_all("/api/v1/dataset/", ["id", "table_name", "database.database_name"])
    return {
        r["table_name"]: r["id"]
        for r in rows
        if (r.get("database") or {}).get("database_name") == DB_NAME
    }


def database_id(c: Client) -> int:
    for r in c.list_all("/api/v1/database/", ["id", "database_name"]):
        if r["database_name"] == DB_NAME:
            return r["id"]
    raise RuntimeError(f"database {DB_NAME} not found after import")


def role_ids(c: Client) -> dict[str, int]:
    return {r["name"]: r["id"] for r in c.list_all("/api/v1/security/roles/")}


def upsert_role(c: Client, name: str, roles: dict[str, int]) -> int:
    if name not in roles:
        roles[name] = c.req("POST", "/api/v1/security/roles/", json={"name": name})["id"]
    return roles[name]


def role_permissions(c: Client, role_id: int) -> list[dict[str, Any]]:
    return c.req("GET", f"/api/v1/security/roles/{role_id}/permissions/")["result"]


def upsert_roles(
    c: Client, spec: dict[str, Any], datasets: dict[str, int], db_id: int
) -> dict[str, int]:
    roles = role_ids(c)
    pvms = c.list_all("/api/v1/security/permissions-resources/")
    pvm_id = {(p["permission"]["name"], p["view_menu"]["name"]): p["id"] for p in pvms}
    for name, rspec in spec["roles"].items():
        wanted: set[int] = set()
        for base in rspec.get("base", []):
            if base not in roles:
                raise RuntimeError(f"base role {base} missing: run `superset init`")
            for p in role_permissions(c, roles[base]):
                pair = f"{p['permission_name']} on {p['view_menu_name']}"
                if any(_match(pair, pat) for pat in rspec.get("exclude", [])):
                    continue
                wanted.add(p["id"])
        if rspec.get("datasets"):
            for table, ds_id in datasets.items():
                key = ("datasource_access", f"[{DB_NAME}].[{table}](id:{ds_id})")
                if key not in pvm_id:
                    raise RuntimeError(f"no permission {key}")
                wanted.add(pvm_id[key])
        for db in rspec.get("databases", []):
            key = ("database_access", f"[{db}].(id:{db_id})")
            if key not in pvm_id:
                raise RuntimeError(f"no permission {key}")
            wanted.add(pvm_id[key])
        rid = upsert_role(c, name, roles)
        current = {p["id"] for p in role_permissions(c, rid)}
        if current != wanted:
            c.req(
                "POST",
                f"/api/v1/security/roles/{rid}/permissions",
                json={"permission_view_menu_ids": sorted(wanted)},
            )
    return roles


def _match(pair: str, pattern: str) -> bool:
    perm, _, view = pair.partition(" on ")
    pperm, _, pview = pattern.partition(" on ")
    return fnmatch.fnmatchcase(perm, pperm) and fnmatch.fnmatchcase(view, pview)


def csp_role_name(name: str) -> str:
    return f"CSP {name}"


def upsert_rls(
    c: Client,
    rls: dict[str, Any],
    datasets: dict[str, int],
    assets: list[dict[str, Any]],
    roles: dict[str, int],
) -> None:
    unrestricted = set(rls.get("unrestricted") or [])
    tables = []
    for ds in assets:
        cols = {col["column_name"] for col in ds.get("columns", [])}
        if ds["table_name"] in unrestricted:
            continue
        if "area_code" not in cols:
            raise RuntimeError(
                f"dataset {ds['table_name']} has no area_code column: row-level security "
                "cannot restrict it (add the column, or list it under `unrestricted` in rls.yaml)"
            )
        tables.append(datasets[ds["table_name"]])
    existing = {r["name"]: r for r in c.list_all("/api/v1/rowlevelsecurity/")}
    for code, name in rls["csps"].items():
        rid = upsert_role(c, csp_role_name(name), roles)
        rule_name = f"CSP {name} ({code})"
        body = {
            "name": rule_name,
            "description": f"Users of {name} CSP see only its rows (superset/security/rls.yaml).",
            "filter_type": "Regular",
            "tables": sorted(tables),
            "roles": [rid],
            "group_key": "csp",
            "clause": rls["clause"].format(csp_code=code),
        }
        if rule_name in existing:
            cur = existing[rule_name]
            same = (
                cur.get("clause") == body["clause"]
                and sorted(t["id"] for t in cur.get("tables", [])) == body["tables"]
                and sorted(r["id"] for r in cur.get("roles", [])) == body["roles"]
                and cur.get("filter_type") == "Regular"
            )
            if not same:
                c.req("PUT", f"/api/v1/rowlevelsecurity/{cur['id']}", json=body)
        else:
            c.req("POST", "/api/v1/rowlevelsecurity/", json=body)


def upsert_users(
    c: Client, spec: dict[str, Any], rls: dict[str, Any], roles: dict[str, int]
) -> None:
    demo = os.environ.get("CSP_DEMO") == "1"
    existing = {u["username"]: u for u in c.list_all("/api/v1/security/users/")}
    for u in spec["users"]:
        role_names = list(u.get("roles", []))
        if u.get("csp"):
            if u["csp"] not in rls["csps"]:
                raise RuntimeError(f"user {u['username']}: CSP {u['csp']} not in rls.yaml")
            role_names.append(csp_role_name(rls["csps"][u["csp"]]))
        missing = [r for r in role_names if r not in roles]
        if missing:
            raise RuntimeError(f"user {u['username']}: unknown roles {missing}")
        password = os.environ.get(u.get("password_env", ""), "") or (
            u.get("demo_password", "") if demo else ""
        )
        body: dict[str, Any] = {
            "first_name": u["first_name"],
            "last_name": u["last_name"],
            "email": u["email"],
            "active": True,
            "roles": sorted(roles[r] for r in role_names),
        }
        if password:
            body["password"] = password
        if u["username"] in existing:
            c.req("PUT", f"/api/v1/security/users/{existing[u['username']]['id']}", json=body)
        else:
            body["username"] = u["username"]
            body.setdefault("password", secrets.token_urlsafe(24))
            c.req("POST", "/api/v1/security/users/", json=body)


def refresh(c: Client) -> None:
    """After a publish: re-read the datasets' columns and drop cached results."""
    ids = dataset_ids(c)
    for ds_id in ids.values():
        c.req("PUT", f"/api/v1/dataset/{ds_id}/refresh")
    c.req(
        "POST",
        "/api/v1/cachekey/invalidate",
        ok=(200, 201, 204),
        json={"datasource_uids": [f"{i}__table" for i in ids.values()]},
    )


def provision(url: str, username: str, password: str) -> dict[str, Any]:
    t0 = time.monotonic()
    c = Client(url, username, password)
    if not serving_path().exists():
        print(f"warning: no serving file at {serving_path()} yet", file=sys.stderr)
    import_assets(c, build_bundle())
    datasets = dataset_ids(c)
    db_id = database_id(c)
    roles_spec = yaml.safe_load((SECURITY / "roles.yaml").read_text())
    rls = yaml.safe_load((SECURITY / "rls.yaml").read_text())
    users = yaml.safe_load((SECURITY / "users.yaml").read_text())
    roles = upsert_roles(c, roles_spec, datasets, db_id)
    upsert_rls(c, rls, datasets, asset_datasets(), roles)
    upsert_users(c, users, rls, roles)
    summary = {
        "datasets": len(datasets),
        "roles": len(roles_spec["roles"]),
        "users": len(users["users"]),
        "rls_rules": len(rls["csps"]),
        "seconds": round(time.monotonic() - t0, 1),
    }
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_url = os.environ.get(
        "SUPERSET_URL", f"http://127.0.0.1:{os.environ.get('SUPERSET_PORT', '8088')}"
    )
    parser.add_argument("--url", default=default_url)
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="only refresh datasets and drop cached results (after a publish)",
    )
    parser.add_argument(
        "--if-running",
        action="store_true",
        help="exit 0 without doing anything when Superset does not answer",
    )
    args = parser.parse_args()
    if args.if_running:
        try:
            requests.get(f"{args.url.rstrip('/')}/health", timeout=5).raise_for_status()
        except requests.RequestException:
            print(f"Superset not running at {args.url}: nothing to do")
            return 0
    password = os.environ.get("SUPERSET_ADMIN_PASSWORD") or (
        "admin" if os.environ.get("CSP_DEMO") == "1" else ""
    )
    if not password:
        print("SUPERSET_ADMIN_PASSWORD is not set", file=sys.stderr)
        return 2
    if args.refresh:
        refresh(Client(args.url, args.username, password))
        print("Superset datasets refreshed")
        return 0
    summary = provision(args.url, args.username, password)
    print("Superset provisioned: " + json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
