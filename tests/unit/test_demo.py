"""The demo generator: deterministic, every source, street files derived from crime files."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from demo import MANIFEST_NAME, SOURCES, generate
from demo import sources as src
from demo.build_points import main as build_points
from demo.context import POINTS_FILE
from ingest.contracts import CONTRACTS, get_contract

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
START, END = "2024-04", "2024-06"
MONTHS = ["2024-04", "2024-05", "2024-06"]
FORCE_SLUGS = {"E23000029": "thames-valley", "E23000032": "kent"}
STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
EXTRACT_SOURCES = SOURCES


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "landing"
    manifest = generate(out, start=START, end=END)
    return out, manifest


@pytest.fixture(scope="module")
def lsoa_csp() -> dict[str, str]:
    return {r["lsoa_code"]: r["csp_code"] for r in rows(SEEDS / "areas.csv")}


def latest_crime_file(out: Path, month: str, slug: str) -> Path:
    files = sorted((out / "police_crime").glob(f"{month}-{slug}-crime*.csv"))
    assert files, (month, slug)
    return files[-1]  # restated files sort after the original


def test_same_arguments_give_identical_bytes(demo, tmp_path):
    out, manifest = demo
    again = generate(tmp_path / "again", start=START, end=END)
    assert tree_digest(out) == tree_digest(tmp_path / "again")
    assert again == manifest


def test_other_seed_gives_other_data(demo, tmp_path):
    out, _ = demo
    generate(tmp_path / "other", start=START, end="2024-04", seed=7)
    name = "police_crime/2024-04-kent-crime.csv"
    assert (out / name).read_bytes() != (tmp_path / "other" / name).read_bytes()


def test_every_source_is_present(demo):
    out, manifest = demo
    for source in EXTRACT_SOURCES:
        files = [p for p in (out / source).iterdir() if p.is_file()]
        assert files, source
        assert manifest["sources"][source]["files"] == len(files)
        assert manifest["sources"][source]["rows"] > 0, source
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert on_disk - {MANIFEST_NAME} == {f["file"] for f in manifest["files"]}
    assert json.loads((out / MANIFEST_NAME).read_text()) == manifest
    for f in manifest["files"]:
        assert hashlib.sha256((out / f["file"]).read_bytes()).hexdigest() == f["sha256"]


def test_months_covered_from_start_to_end(demo):
    out, manifest = demo
    assert manifest["months"] == MONTHS
    for month in MONTHS:
        for slug in FORCE_SLUGS.values():
            assert (out / "police_crime" / f"{month}-{slug}-crime.csv").is_file()
            assert (out / "police_street" / f"{month}-{slug}-street.csv").is_file()
            crimes = rows(out / "police_crime" / f"{month}-{slug}-crime.csv")
            assert {r["recorded_date"][:7] for r in crimes} == {month}
    for source in (src.DV_INCIDENTS, src.ASB_COUNCIL, src.FIRE_INCIDENTS, src.IOM_CONVICTIONS):
        periods = {p for f in manifest["files"] if f["source"] == source for p in f["periods"]}
        assert periods == set(MONTHS), source


def test_street_header_is_exactly_data_police_uk(demo):
    out, _ = demo
    for path in sorted((out / "police_street").glob("*.csv")):
        assert path.read_bytes().split(b"\n", 1)[0].decode() == STREET_HEADER, path.name


def test_street_counts_equal_crime_counts_per_csp_and_month(demo, lsoa_csp):
    out, _ = demo
    for month in MONTHS:
        for force, slug in FORCE_SLUGS.items():
            crimes = rows(latest_crime_file(out, month, slug))
            street = rows(out / "police_street" / f"{month}-{slug}-street.csv")
            non_asb = [r for r in street if r["Crime type"] != "Anti-social behaviour"]
            asb = [r for r in street if r["Crime type"] == "Anti-social behaviour"]
            assert len(non_asb) == len(crimes)
            c_by_csp = Counter(lsoa_csp.get(r["lsoa_code"], "") for r in crimes)
            s_by_csp = Counter(lsoa_csp.get(r["LSOA code"], "") for r in non_asb)
            assert c_by_csp == s_by_csp
            assert {r["Month"] for r in street} == {month}
            assert {r["Falls within"] for r in street} == {
                "Thames Valley Police" if slug == "thames-valley" else "Kent Police"
            }
            assert {r["force_code"] for r in crimes} == {force}
            # Crime ID is the sha256 of crime_ref, ASB rows have none
            assert {r["Crime ID"] for r in non_asb} == {
                hashlib.sha256(r["crime_ref"].encode()).hexdigest() for r in crimes
            }
            assert all(r["Crime ID"] == "" and r["Last outcome category"] == "" for r in asb)
            per_csp_asb = Counter(lsoa_csp.get(r["LSOA code"], "") for r in asb)
            assert all(300 < n < 800 for c, n in per_csp_asb.items() if c in ("E22000307",))
            for r in street:
                if r["LSOA code"] == "":
                    assert r["Location"] == "No Location" and r["Longitude"] == ""


def test_crime_file_content(demo, lsoa_csp):
    out, manifest = demo
    codes = {r["offence_code"] for r in rows(SEEDS / "offence_classification.csv")}
    originals = [p for p in (out / "police_crime").glob("*.csv") if "restated" not in p.name]
    refs: list[str] = []
    mk = Counter()
    for path in originals:
        for r in rows(path):
            refs.append(r["crime_ref"])
            assert r["offence_code"] in codes
            assert r["location_type"] in ("dwelling", "public_place", "other")
            assert r["lsoa_code"] == "" or r["lsoa_code"] in lsoa_csp
            if r["offence_code"] in ("28E", "28F"):
                assert r["location_type"] == "dwelling"
            if lsoa_csp.get(r["lsoa_code"]) == "E22000307":
                mk[r["recorded_date"][:7]] += 1
    assert len(refs) == len(set(refs)), "crime_ref must be unique across files"
    assert all(1300 < n < 2200 for n in mk.values()), mk


def test_restated_and_late_files_are_recorded(demo):
    out, manifest = demo
    restated = [r for r in manifest["restated"] if r["source"] == "police_crime"]
    assert len(restated) >= 2
    for r in restated:
        assert (out / r["file"]).is_file() and (out / r["restates"]).is_file()
        assert r["file"] > r["restates"]  # loaded in name order: the restatement wins
        assert r["rows_after"] > r["rows_before"] and r["reclassified"]
    # a late return that arrived has its file; one that has not arrived has none
    arrived = [f for f in manifest["late"] if "file" in f]
    assert arrived and all((out / f["file"]).is_file() for f in arrived)
    missing_from = manifest["months"][-2]
    assert {
        "source": "asb_council",
        "scope": "E22000143",
        "missing_from": missing_from,
        "reason": "council ASB system replacement: no return yet",
    } in manifest["late"]
    medway = sorted(p.name[:7] for p in (out / "asb_council").glob("*-medway-asb-council*"))
    assert medway and medway[-1] < missing_from


def header_row(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True).active
        return list(next(ws.iter_rows(min_row=4, max_row=4, values_only=True)))
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_contracted_files_have_exactly_the_contract_headers(demo, source):
    out, _ = demo
    files = sorted((out / source).iterdir())
    assert files, source
    for path in files:
        assert header_row(path) == list(get_contract(source).headers), path.name


def test_every_source_has_one_header_from_one_place():
    assert len(SOURCES) == len(set(SOURCES)) == 14
    # every source the demo writes has its ingest contract (the header's one home)
    assert set(SOURCES) <= set(CONTRACTS)
    assert {src.POLICE_CRIME, src.POLICE_STREET} <= set(CONTRACTS)


def test_file_frame_follows_the_contract():
    import pandas as pd

    contract = get_contract(src.POLICE_STREET)
    optional = [c for c in contract.columns if not c.required]
    values = {c.name: ["x"] for c in contract.columns if c is not optional[0]}
    frame = src.file_frame(src.POLICE_STREET, pd.DataFrame({**values, "internal": [1]}))
    assert list(frame.columns) == list(contract.headers)
    assert frame[optional[0].header].tolist() == [""]  # not modelled by the demo: blank
    required = next(c for c in contract.columns if c.required)
    del values[required.name]
    with pytest.raises(ValueError, match=required.name):
        src.file_frame(src.POLICE_STREET, pd.DataFrame(values))
    with pytest.raises(KeyError, match="no ingest contract"):
        src.file_frame("cctv_incidents", pd.DataFrame({"csp_code": ["E22000307"]}))


def test_ingest_no_longer_contains_the_demo():
    assert importlib.util.find_spec("ingest.demo") is None


def test_the_wheel_ships_the_product_only():
    import tomllib

    repo = Path(__file__).resolve().parents[2]
    config = tomllib.loads((repo / "pyproject.toml").read_text())
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "ingest",
        "orchestration",
    ]
    # and nothing the product ships imports the demo
    for package in ("ingest", "orchestration"):
        for path in (repo / package).rglob("*.py"):
            text = path.read_text()
            assert "import demo" not in text and "from demo" not in text, path


def test_seeds_are_read_by_column_name(tmp_path):
    """Extra columns, other row and column orders and district populations (which the demo
    does not use) leave the demo's bytes alone."""
    import pandas as pd

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    areas = pd.read_csv(seeds / "areas.csv", dtype=str, keep_default_na=False)
    areas["extra"] = "x"
    areas = areas[list(reversed(areas.columns))].iloc[::-1]
    areas.to_csv(seeds / "areas.csv", index=False)
    pop = pd.read_csv(seeds / "population.csv", dtype=str, keep_default_na=False)
    decoy = pop[pop.area_type == "csp"].assign(area_type="district", population="1")
    pd.concat([pop, decoy]).iloc[:, ::-1].to_csv(seeds / "population.csv", index=False)
    one = generate(tmp_path / "one", start=START, end=START)
    two = generate(tmp_path / "two", start=START, end=START, seeds_dir=seeds)
    assert one == two


@pytest.mark.skipif(
    not (SHARED / "realdata/police_uk").is_dir(), reason="needs ../shared/realdata/police_uk"
)
def test_build_points_rebuilds_the_committed_points(tmp_path):
    out = tmp_path / "lsoa_points.csv"
    assert build_points(["--shared", str(SHARED), "--out", str(out)]) == 0
    assert out.read_bytes() == POINTS_FILE.read_bytes()
