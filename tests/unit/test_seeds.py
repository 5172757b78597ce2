"""The reference seeds: areas cover the real police files, measures cover the catalogue."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
MK, MEDWAY = "E22000307", "E22000143"
TVP, KENT = "E23000029", "E23000032"
SAC_GROUPS = {"Burglary - residential (domestic)", "Robbery", "Vehicle offences"}


def read(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def areas() -> dict[str, dict[str, str]]:
    return {r["lsoa_code"]: r for r in read("areas.csv")}


def test_seed_headers_match_architecture():
    expected = {
        "areas.csv": "lsoa_code,lsoa_name,district_code,district_name,csp_code,csp_name,"
        "force_code,force_name,derivation",
        "forces.csv": "force_code,force_name,police_uk_name",
        "population.csv": "area_code,area_type,year,population,households,source",
        "offence_classification.csv": "offence_code,offence_description,offence_group,"
        "police_uk_crime_type,is_sac,is_domestic_burglary,is_vehicle_crime,is_robbery_personal,"
        "is_violence_with_injury,is_violence_without_injury,is_public_place_violence_offence,"
        "is_criminal_damage",
        "police_uk_crime_types.csv": "crime_type,is_asb,offence_group",
        "measures.csv": "measure_code,measure_name,unit,rate_denominator,rate_per,"
        "higher_is_better,source,domain",
    }
    for name, header in expected.items():
        first = (SEEDS / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == header, name


def test_every_real_lsoa_is_in_areas(realdata_dir: Path, areas):
    seen: dict[str, str] = {}
    for path in sorted((realdata_dir / "police_uk").glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["LSOA code"]:
                    seen[row["LSOA code"]] = row["LSOA name"]
    assert seen, "no LSOA read from the real files"
    missing = sorted(set(seen) - set(areas))
    assert not missing, missing[:10]
    for code, name in seen.items():
        assert areas[code]["lsoa_name"] == name
        assert name.startswith(areas[code]["district_name"] + " ")
        assert areas[code]["derivation"].startswith("lsoa_name prefix")


def test_mk_and_medway_lsoas_map_to_their_csp_and_force(areas):
    mk = [r for r in areas.values() if r["lsoa_name"].startswith("Milton Keynes ")]
    medway = [r for r in areas.values() if r["lsoa_name"].startswith("Medway ")]
    assert len(mk) > 100 and len(medway) > 100
    assert {(r["csp_code"], r["force_code"]) for r in mk} == {(MK, TVP)}
    assert {(r["csp_code"], r["force_code"]) for r in medway} == {(MEDWAY, KENT)}
    assert {r["csp_name"] for r in mk} == {"Milton Keynes"}
    assert {r["force_name"] for r in medway} == {"Kent"}


def test_forces_have_police_uk_names():
    forces = {r["force_code"]: r for r in read("forces.csv")}
    assert forces[TVP]["police_uk_name"] == "Thames Valley Police"
    assert forces[KENT]["police_uk_name"] == "Kent Police"
    areas_forces = {r["force_code"] for r in read("areas.csv")}
    assert areas_forces <= set(forces)


def test_every_catalogue_measure_is_in_measures(realdata_dir: Path):
    path = realdata_dir.parent / "spec/measure-catalogue.md"
    text = path.read_text(encoding="utf-8")
    codes = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            codes |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    assert {"all_crime", "hate_crime_transgender", "iom_cost_of_offending"} <= codes
    measures = {r["measure_code"]: r for r in read("measures.csv")}
    assert not codes - set(measures), sorted(codes - set(measures))
    for m in measures.values():
        assert m["rate_denominator"] in ("population", "households", "")
        assert m["rate_per"] in ("1000", "100000", "")
        assert (m["rate_denominator"] == "") == (m["rate_per"] == "")
        assert m["higher_is_better"] in ("true", "false", "")
    assert measures["all_crime"]["rate_denominator"] == "population"
    assert measures["sac"]["rate_per"] == "1000"
    assert measures["domestic_burglary"]["rate_denominator"] == "households"
    assert measures["vehicle_crime"]["rate_denominator"] == "households"
    assert measures["hate_crime_total"]["rate_per"] == "100000"


def test_population_has_every_year_for_mk_medway_and_forces():
    rows = read("population.csv")
    have = {(r["area_code"], int(r["year"])): r for r in rows}
    for code in (MK, MEDWAY, TVP, KENT):
        for year in range(2017, 2027):
            r = have[(code, year)]
            assert int(r["population"]) > 100000
            assert int(r["households"]) > 0
            assert r["source"], (code, year)
            assert r["area_type"] == ("force" if code.startswith("E23") else "csp")
    # honesty: real rows cite ONS, derived rows say they are demo values
    for r in rows:
        assert "ONS" in r["source"] or r["source"].startswith("demo value"), r
    assert len({(r["area_code"], r["year"]) for r in rows}) == len(rows)


def test_offence_classification_flags_are_consistent():
    rows = read("offence_classification.csv")
    types = {r["crime_type"]: r for r in read("police_uk_crime_types.csv")}
    assert types["Anti-social behaviour"]["is_asb"] == "true"
    assert sum(t["is_asb"] == "false" for t in types.values()) == 13
    codes = [r["offence_code"] for r in rows]
    assert len(codes) == len(set(codes))
    flags = [k for k in rows[0] if k.startswith("is_")]
    for r in rows:
        for f in flags:
            assert r[f] in ("true", "false"), (r["offence_code"], f)
        assert r["police_uk_crime_type"] in types and r["police_uk_crime_type"] != (
            "Anti-social behaviour"
        )
        is_ = {f: r[f] == "true" for f in flags}
        parts = (
            is_["is_domestic_burglary"]
            or is_["is_vehicle_crime"]
            or r["offence_group"] in {"Robbery"}
        )
        assert is_["is_sac"] == parts, r["offence_code"]
        if is_["is_sac"]:
            assert r["offence_group"] in SAC_GROUPS
        if is_["is_domestic_burglary"]:
            assert r["police_uk_crime_type"] == "Burglary"
        if is_["is_vehicle_crime"]:
            assert r["police_uk_crime_type"] == "Vehicle crime"
        if is_["is_robbery_personal"]:
            assert r["police_uk_crime_type"] == "Robbery" and is_["is_sac"]
        assert not (is_["is_violence_with_injury"] and is_["is_violence_without_injury"])
        if is_["is_criminal_damage"]:
            assert r["police_uk_crime_type"] == "Criminal damage and arson"
        if is_["is_public_place_violence_offence"]:
            assert (
                is_["is_violence_with_injury"]
                or is_["is_violence_without_injury"]
                or r["offence_group"] == "Public order offences"
            )
    by_code = {r["offence_code"]: r for r in rows}
    assert by_code["34B"]["is_robbery_personal"] == "true"
    assert by_code["34A"]["is_robbery_personal"] == "false"
    assert by_code["28E"]["is_domestic_burglary"] == "true"
    assert by_code["30C"]["is_sac"] == "false"
    assert by_code["62A"]["is_public_place_violence_offence"] == "true"
    # every crime type of the real files is covered by some code
    assert {r["police_uk_crime_type"] for r in rows} == {
        t for t, r in types.items() if r["is_asb"] == "false"
    }
