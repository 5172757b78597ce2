"""The national benchmark's generator (scripts/national_data.py): deterministic, the published
data.police.uk format that the police_street contract accepts, real LSOAs under their own
force, England's volumes shared out by population."""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from ingest.validate import validate_file

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
# An importable module (not loaded from its path): the generator's worker processes import it
# by name (multiprocessing's spawn passes them this sys.path).
sys.path.insert(0, str(REPO / "scripts"))
import national_data  # noqa: E402

FORCES = ["city-of-london", "cumbria", "dorset"]
END, MONTHS = "2020-02", 3  # across a year end
EXPECTED_MONTHS = ["2019-12", "2020-01", "2020-02"]


def read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same arguments twice: once in this process, once by two worker processes."""
    root = tmp_path_factory.mktemp("national")
    counts: dict[Path, int] = {}
    one = national_data.generate(root / "a", MONTHS, END, FORCES, workers=1, counts=counts)
    two = national_data.generate(root / "b", MONTHS, END, FORCES, workers=2)
    return {"one": one, "two": two, "counts": counts}


def test_same_arguments_give_byte_identical_files(generated):
    one, two = generated["one"], generated["two"]
    assert [p.name for p in one] == [p.name for p in two]
    assert [p.name for p in one] == [
        f"{m}-{f}-street.csv" for m in EXPECTED_MONTHS for f in sorted(FORCES)
    ]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_files_pass_the_police_street_contract(generated):
    for path in generated["one"]:
        report = validate_file("police_street", path)
        assert report.ok and not report.errors, report.render()
        assert report.periods == [path.name[:7]]
        assert report.rows == generated["counts"][path]


def test_published_format(generated):
    for path in generated["one"]:
        data = path.read_bytes()
        assert data.startswith(national_data.HEADER.encode() + b"\n"), path.name
        assert b"\r" not in data and data.endswith(b"\n")
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        month = path.name[:7]
        assert {r["Month"] for r in rows} == {month}
        for r in rows:
            asb = r["Crime type"] == "Anti-social behaviour"
            assert (r["Crime ID"] == "") == asb and (r["Last outcome category"] == "") == asb
            assert asb or re.fullmatch(r"[0-9a-f]{64}", r["Crime ID"]), r
            located = r["Location"] != "No Location"
            assert all(bool(r[c]) == located for c in ("Longitude", "Latitude", "LSOA code"))
            assert not located or re.fullmatch(r"-?\d+\.\d{6}", r["Longitude"])
            assert not located or r["Location"].startswith("On or near ")
            assert r["Context"] == ""


def test_every_lsoa_is_real_and_under_its_own_force(generated):
    forces = {f["police_uk_name"]: f["force_code"] for f in read_seed("forces.csv")}
    areas = {a["lsoa_code"]: a for a in read_seed("areas.csv")}
    ids: Counter[str] = Counter()
    for path in generated["one"]:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        (force_name,) = {r["Reported by"] for r in rows} | {r["Falls within"] for r in rows}
        force_code = forces[force_name]
        assert national_data.FORCES[force_code][0] == path.name[8:-11], path.name
        for r in rows:
            if r["LSOA code"]:
                area = areas[r["LSOA code"]]
                assert area["force_code"] == force_code, (path.name, r["LSOA code"])
                assert area["lsoa_name"] == r["LSOA name"]
        ids.update(r["Crime ID"] for r in rows if r["Crime ID"])
    assert ids and max(ids.values()) == 1  # unique across every file


def test_volumes_follow_population_and_the_real_mix(generated):
    population = {
        p["area_code"]: int(p["population"])
        for p in read_seed("population.csv")
        if p["area_type"] == "force" and p["year"] == "2020" and p["area_code"] < "E23000040"
    }
    england = sum(population.values())
    slugs = {slug: code for code, (slug, *_rest) in national_data.FORCES.items()}
    for path, rows in generated["counts"].items():
        share = population[slugs[path.name[8:-11]]] / england
        expected = national_data.ENGLAND_ROWS_PER_MONTH * share
        assert 0.6 * expected <= rows <= 1.5 * expected, (path.name, rows, expected)
    for path in generated["one"]:
        if "city-of-london" in path.name:
            continue  # a few hundred rows: shares too noisy
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        types = Counter(r["Crime type"] for r in rows)
        assert 0.2 <= types["Anti-social behaviour"] / len(rows) <= 0.4, path.name
        assert types.most_common(2)[1][0] == "Violence and sexual offences" or (
            types.most_common(1)[0][0] == "Violence and sexual offences"
        )
        no_location = sum(r["Location"] == "No Location" for r in rows) / len(rows)
        assert 0.005 <= no_location <= 0.08, path.name


def test_options(tmp_path):
    assert national_data.month_list("2016-03", 4) == ["2015-12", "2016-01", "2016-02", "2016-03"]
    assert len(national_data.month_list("2025-12", 120)) == 120
    assert national_data.month_list("2025-12", 120)[0] == "2016-01"
    with pytest.raises(ValueError, match="unknown force slug"):
        national_data.generate(tmp_path / "out", 1, END, ["gotham"])
    assert not (tmp_path / "out").exists()
