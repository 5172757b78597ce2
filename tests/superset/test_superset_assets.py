"""The committed Superset assets are consistent, without a server: one export bundle
whose objects link by UUID, a read-only DuckDB connection, and provisioning's zip."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import yaml
from conftest import REPO
from provision import asset_datasets, build_bundle

ASSETS = REPO / "superset" / "assets"


def load(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((ASSETS / kind).rglob("*.yaml"))]


def test_assets_match_their_generator():
    out = subprocess.run(
        [sys.executable, str(REPO / "superset" / "generate_assets.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_metadata_is_an_assets_export():
    meta = yaml.safe_load((ASSETS / "metadata.yaml").read_text())
    assert meta["version"] == "1.0.0" and meta["type"] == "assets"


def test_objects_link_by_uuid():
    databases = {d["uuid"] for d in load("databases")}
    datasets = {d["uuid"] for d in load("datasets")}
    charts = {c["uuid"]: c for c in load("charts")}
    assert all(d["database_uuid"] in databases for d in load("datasets"))
    assert all(c["dataset_uuid"] in datasets for c in charts.values())
    titles = set()
    for dash in load("dashboards"):
        titles.add(dash["dashboard_title"])
        used = {
            v["meta"]["uuid"]
            for v in dash["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        }
        assert used and used <= set(charts), dash["dashboard_title"]
        for f in dash["metadata"]["native_filter_configuration"]:
            assert all(t["datasetUuid"] in datasets for t in f["targets"])
    assert titles == {"Community safety overview", "Crime"}
    uuids = [x["uuid"] for k in ("databases", "datasets", "charts", "dashboards") for x in load(k)]
    assert len(uuids) == len(set(uuids))


def test_serving_connection_is_read_only_without_external_access():
    (db,) = load("databases")
    assert db["sqlalchemy_uri"] == "duckdb:///${CSP_SERVING_PATH}"
    args = db["extra"]["engine_params"]["connect_args"]
    assert args["read_only"] is True
    assert args["config"]["enable_external_access"] is False
    assert args["config"]["lock_configuration"] is True
    assert not db["allow_dml"] and not db["allow_file_upload"] and not db["allow_ctas"]


def test_every_dataset_has_descriptions_and_an_area_for_rls():
    for ds in asset_datasets(ASSETS):
        cols = {c["column_name"]: c for c in ds["columns"]}
        assert "area_code" in cols, ds["table_name"]
        missing = [n for n, c in cols.items() if not c.get("description")]
        assert not missing, (ds["table_name"], missing)


def test_bundle_fills_in_the_serving_path(tmp_path):
    serving = tmp_path / "serving.duckdb"
    with zipfile.ZipFile(io.BytesIO(build_bundle(ASSETS, serving))) as zf:
        names = zf.namelist()
        assert "csp_assets/metadata.yaml" in names
        db = yaml.safe_load(zf.read("csp_assets/databases/csp_serving.yaml"))
    assert db["sqlalchemy_uri"] == f"duckdb:///{serving}"
    assert db["sqlalchemy_uri"].startswith("duckdb:////")
