"""The reference seeds: areas, forces and population are generated from the real files by
scripts/build_seeds.py (checked here against the files themselves); measures cover the
catalogue."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
import xlrd

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
REALDATA = Path(os.environ.get("CSP_SHARED_DIR", REPO.parent / "shared")) / "realdata"
MK, MEDWAY = "E22000307", "E22000143"
MK_LAD, MEDWAY_LAD = "E06000042", "E06000035"
TVP, KENT = "E23000029", "E23000032"
SAC_GROUPS = {"Burglary - residential (domestic)", "Robbery", "Vehicle offences"}
YEARS = range(2011, 2021)
GENERATED = ("areas.csv", "forces.csv", "population.csv")

# 2017 CSPs that whole 2021 districts do not make up (their districts were merged with
# districts of another CSP by 2021): no population row, by rule (see seeds/README.md).
UNMAPPABLE_CSPS = {
    "E22000063": "Bournemouth",  # -> Bournemouth, Christchurch and Poole
    "E22000067": "Poole",  # -> Bournemouth, Christchurch and Poole
    "E22000367": "Dorset",  # Christchurch -> BCP, the rest -> Dorset
    "E22000303": "Aylesbury Vale",  # -> Buckinghamshire
    "E22000306": "Chiltern",
    "E22000311": "South Bucks",
    "E22000318": "Wycombe",
    "E22000233": "Corby",  # -> North Northamptonshire
    "E22000235": "East Northamptonshire",
    "E22000236": "Kettering",
    "E22000239": "Wellingborough",
    "E22000237": "Northampton",  # -> West Northamptonshire
    "E22000357": "Daventry and South Northamptonshire",
    "E22000274": "Suffolk Coastal",  # -> East Suffolk
    "E22000278": "Waveney",
}


def read(name: str, folder: Path = SEEDS) -> list[dict[str, str]]:
    with open(folder / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def areas() -> dict[str, dict[str, str]]:
    return {r["lsoa_code"]: r for r in read("areas.csv")}


@pytest.fixture(scope="module")
def population() -> dict[tuple[str, str, int], dict[str, str]]:
    rows = read("population.csv")
    keyed = {(r["area_type"], r["area_code"], int(r["year"])): r for r in rows}
    assert len(keyed) == len(rows), "duplicate (area_type, area_code, year)"
    return keyed


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> tuple[Path, str]:
    """Run the script into a tmp folder: (folder, stderr)."""
    out = tmp_path_factory.mktemp("seeds")
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/build_seeds.py"),
            "--shared",
            str(REALDATA.parent),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc.stderr


@pytest.fixture(scope="module")
def mye4() -> dict[str, dict[int, int]]:
    """Code -> {year: population} for every row of the workbook's MYE4 sheet, read here
    independently of the script."""
    sheet = xlrd.open_workbook(
        REALDATA / "population/ukpopestimatesmid2020on2021geography.xls"
    ).sheet_by_name("MYE4")
    header = sheet.row_values(7)
    assert header[:3] == ["Code", "Name", "Geography"] and " Mid-2006" in header
    cols = {int(h.strip()[4:]): i for i, h in enumerate(header) if h.strip().startswith("Mid-")}
    out = {}
    for r in range(8, sheet.nrows):
        row = sheet.row_values(r)
        out[row[0].strip()] = {y: int(row[cols[y]]) for y in YEARS}
    return out


def test_generated_seed_headers():
    expected = {
        "areas.csv": "lsoa_code,lsoa_name,district_code,district_name,csp_code,csp_name,"
        "force_code,force_name,imd_decile,derivation",
        "forces.csv": "force_code,force_name,police_uk_name",
        "population.csv": "area_code,area_type,year,population,households,source",
    }
    for name, header in expected.items():
        first = (SEEDS / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == header, name


def test_seed_headers_match_architecture():
    expected = {
        "offence_classification.csv": "offence_code,offence_description,offence_group,"
        "police_uk_crime_type,is_public_place_violence_offence,cost_of_crime_group",
        "police_uk_crime_types.csv": "crime_type,is_asb,offence_group",
        "measures.csv": "measure_code,measure_name,description,domain,display_order,unit,"
        "period_type,method,source,numerator_rule,denominator_rule,rate_denominator,rate_per,"
        "higher_is_better,numerator_definition,denominator_definition,valid_from",
        "planned_sources.csv": "source,partner,grain",
    }
    for name, header in expected.items():
        first = (SEEDS / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == header, name


def test_regenerating_gives_byte_identical_seeds(rebuilt):
    out, _ = rebuilt
    for name in GENERATED:
        built = (out / name).read_bytes()
        assert b"\r" not in built, name
        assert built == (SEEDS / name).read_bytes(), (
            f"seeds/{name} differs from scripts/build_seeds.py output: regenerate it"
        )


def test_script_lists_the_areas_it_leaves_out(rebuilt):
    _, stderr = rebuilt
    listed = set(re.findall(r"^  csp (E22\d{6}) ", stderr, flags=re.M))
    assert listed == set(UNMAPPABLE_CSPS)
    assert not re.search(r"^  force ", stderr, flags=re.M)


def test_script_fails_loudly_on_an_unmatched_lsoa(tmp_path):
    """A district name missing from the lookup stops the script, listing the LSOAs."""
    shared = tmp_path / "shared"
    real = shared / "realdata"
    for rel in ("deprivation", "population", "police_uk"):
        (real / rel).mkdir(parents=True)
        for f in (REALDATA / rel).iterdir():
            (real / rel / f.name).symlink_to(f)
    (real / "lookups").mkdir()
    lookup = (REALDATA / "lookups/LAD17_CSP17_PFA17_lookup_EW_v2.csv").read_text("utf-8-sig")
    (real / "lookups/LAD17_CSP17_PFA17_lookup_EW_v2.csv").write_text(
        lookup.replace(",Milton Keynes,", ",Milton Keynes UA,", 1), encoding="utf-8-sig"
    )
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/build_seeds.py"),
            "--shared",
            str(shared),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "152 LSOA(s)" in proc.stderr and "'Milton Keynes 001A'" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_areas_are_every_england_lsoa_of_imd_2019(areas):
    wb = openpyxl.load_workbook(
        REALDATA / "deprivation/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
        read_only=True,
    )
    imd = {r[0]: r for r in wb["IMD2019"].iter_rows(min_row=2, values_only=True) if r[0]}
    wb.close()
    england = {c: a for c, a in areas.items() if c.startswith("E")}
    assert len(imd) == len(england) == 32844
    assert set(imd) == set(england)
    assert list(areas) == sorted(areas)
    for code, (_, name, lad19, _, _, decile) in imd.items():
        a = areas[code]
        assert a["lsoa_name"] == name and int(a["imd_decile"]) == decile, code
        # a 2017 district is its 2019 one, unless merged in 2019 (then a new E06/E07 code)
        merged_2019 = {"E06000058", "E06000059", "E07000244", "E07000245", "E07000246"}
        assert a["district_code"] == lad19 or lad19 in merged_2019, code
    assert Counter(int(a["imd_decile"]) for a in england.values()) == Counter(
        r[5] for r in imd.values()
    )
    # the only others: the two Welsh LSOAs that the Kent files geolocate (no IMD decile)
    others = {c: a for c, a in areas.items() if c not in imd}
    assert set(others) == {"W01000026", "W01000484"}
    for a in others.values():
        assert a["imd_decile"] == "" and a["derivation"].endswith("police_uk only (Wales: no IMD)")


def test_area_derivation_is_the_lsoa_name(areas):
    for a in areas.values():
        district = a["lsoa_name"].rsplit(" ", 1)[0]
        derivation = a["derivation"].split(";")[0]
        if derivation == "lsoa_name":
            assert district == a["district_name"], a
        else:
            assert derivation == f"lsoa_name alias {district}", a
            assert district != a["district_name"]
    assert {a["derivation"].split(";")[0] for a in areas.values()} == {
        "lsoa_name",
        "lsoa_name alias Bristol",
        "lsoa_name alias Herefordshire",
        "lsoa_name alias Kingston upon Hull",
    }


def test_every_real_lsoa_is_in_areas(areas):
    seen: dict[str, str] = {}
    for path in sorted((REALDATA / "police_uk").glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["LSOA code"]:
                    seen[row["LSOA code"]] = row["LSOA name"]
    assert len(seen) > 2000, "too few LSOAs read from the real files"
    missing = sorted(set(seen) - set(areas))
    assert not missing, missing[:10]
    for code, name in seen.items():
        assert areas[code]["lsoa_name"] == name, code


def test_mk_and_medway_lsoas_map_to_their_csp_and_force(areas):
    mk = [r for r in areas.values() if r["lsoa_name"].startswith("Milton Keynes ")]
    medway = [r for r in areas.values() if r["lsoa_name"].startswith("Medway ")]
    assert len(mk) == 152 and len(medway) == 163
    assert {(r["district_code"], r["csp_code"], r["force_code"]) for r in mk} == {(MK_LAD, MK, TVP)}
    assert {(r["district_code"], r["csp_code"], r["force_code"]) for r in medway} == {
        (MEDWAY_LAD, MEDWAY, KENT)
    }
    assert sum(r["csp_code"] == MK for r in areas.values()) == 152
    assert sum(r["csp_code"] == MEDWAY for r in areas.values()) == 163
    assert {r["csp_name"] for r in mk} == {"Milton Keynes"}
    assert {r["force_name"] for r in mk} == {"Thames Valley"}
    assert {r["force_name"] for r in medway} == {"Kent"}


def test_forces_have_police_uk_names(areas):
    forces = {r["force_code"]: r for r in read("forces.csv")}
    assert len(forces) == 43
    assert forces[TVP]["police_uk_name"] == "Thames Valley Police"
    assert forces[KENT]["police_uk_name"] == "Kent Police"
    assert all(f["police_uk_name"] for f in forces.values())
    assert {r["force_code"] for r in areas.values()} <= set(forces)


def test_population_has_the_readme_figures(population):
    expected = {
        (MK_LAD, MK): {2011: 249895, 2015: 263181, 2020: 270203},
        (MEDWAY_LAD, MEDWAY): {2011: 264885, 2020: 279142},
    }
    for (lad, csp), figures in expected.items():
        for year, value in figures.items():
            assert int(population[("district", lad, year)]["population"]) == value
            assert int(population[("csp", csp, year)]["population"]) == value


def test_population_is_the_workbooks_figures(population, mye4):
    for lad, csp in ((MK_LAD, MK), (MEDWAY_LAD, MEDWAY)):
        for year in YEARS:
            assert int(population[("district", lad, year)]["population"]) == mye4[lad][year]
            assert int(population[("csp", csp, year)]["population"]) == mye4[lad][year]
    # forces, against the workbook's county rows: Kent = Kent CC + Medway; Thames Valley =
    # Buckinghamshire + Oxfordshire CC + the six Berkshire UAs + Milton Keynes
    berkshire = ["E06000036", "E06000037", "E06000038", "E06000039", "E06000040", "E06000041"]
    parts = {
        KENT: ["E10000016", MEDWAY_LAD],
        TVP: ["E06000060", "E10000025", MK_LAD, *berkshire],
    }
    for force, codes in parts.items():
        for year in YEARS:
            want = sum(mye4[c][year] for c in codes)
            assert int(population[("force", force, year)]["population"]) == want
    # the forces add up to England and Wales
    for year in YEARS:
        forces = sum(
            int(r["population"])
            for (t, _, y), r in population.items()
            if t == "force" and y == year
        )
        assert forces == mye4["E92000001"][year] + mye4["W92000004"][year], year


def test_population_covers_every_csp_and_force(population, areas):
    have = defaultdict(set)
    for t, code, year in population:
        have[(t, code)].add(year)
    assert {frozenset(v) for v in have.values()} == {frozenset(YEARS)}
    csps = {a["csp_code"]: a["csp_name"] for a in areas.values()}
    assert set(UNMAPPABLE_CSPS) <= set(csps)
    for code, name in UNMAPPABLE_CSPS.items():
        assert csps[code] == name
        assert ("csp", code) not in have
    missing = sorted(c for c in csps if ("csp", c) not in have and c not in UNMAPPABLE_CSPS)
    assert not missing, missing
    forces = {r["force_code"] for r in read("forces.csv")}
    assert {c for t, c in have if t == "force"} == forces
    assert {t for t, _ in have} == {"district", "csp", "force"}


def test_population_rows_are_real_ons_figures(population):
    for (_, _, year), r in population.items():
        src = r["source"]
        assert "demo" not in src.lower(), r
        assert "ONS mid-year estimate" in src and f"mid-{year}" in src, r
        assert src.endswith("; households estimated as population / 2.4"), r
        pop = int(r["population"])
        assert pop > 0 and int(r["households"]) == round(pop / 2.4), r


def test_every_catalogue_measure_is_in_measures(realdata_dir: Path):
    path = realdata_dir.parent / "spec/measure-catalogue.md"
    text = path.read_text(encoding="utf-8")
    codes = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            codes |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    assert {"all_crime", "hate_crime_transgender", "iom_cost_of_offending"} <= codes
    rows = read("measures.csv")
    # a measure whose definition changed has a row per definition (valid_from), one code
    measures = {r["measure_code"]: r for r in rows}
    assert len({(r["measure_code"], r["valid_from"]) for r in rows}) == len(rows)
    assert not codes - set(measures), sorted(codes - set(measures))
    orders = {r["measure_code"]: int(r["display_order"]) for r in rows}
    assert len(set(orders.values())) == len(orders)
    for m in measures.values():
        assert m["rate_denominator"] in ("population", "households", "")
        assert m["rate_per"] in ("1000", "100000", "")
        assert (m["rate_denominator"] == "") == (m["rate_per"] == "")
        assert m["higher_is_better"] in ("true", "false", "")
        assert m["numerator_definition"], m["measure_code"]
        # a proportion's denominator, or a change's comparison
        with_denominator = ("ytd_proportion", "change", "ytd_change")
        assert bool(m["denominator_rule"]) == (m["method"] in with_denominator), m
    assert measures["iom_reoffending_change"]["method"] == "change"
    assert measures["iom_reoffending_change_ytd"]["method"] == "ytd_change"
    # the catalogue's rates (measure-catalogue.md)
    assert measures["all_crime"]["rate_denominator"] == "population"
    assert measures["sac"]["rate_per"] == "1000"
    assert measures["domestic_burglary"]["rate_denominator"] == "households"
    assert measures["vehicle_crime"]["rate_denominator"] == "households"
    assert measures["hate_crime_total"]["rate_per"] == "100000"
    assert measures["deliberate_fires_primary"]["rate_per"] == "100000"
    # every source a measure reads is a contract or a planned source
    from ingest.contracts import CONTRACTS

    known = set(CONTRACTS) | {r["source"] for r in read("planned_sources.csv")}
    assert not set(CONTRACTS) & {r["source"] for r in read("planned_sources.csv")}
    for m in measures.values():
        assert set(re.split(r"[|+]", m["source"])) <= known, m["measure_code"]


def test_offence_classification_is_consistent():
    """The classification maps every Home Office code to its group and to the data.police.uk
    category it is published under; the catalogue's crime rules read these columns."""
    rows = read("offence_classification.csv")
    types = {r["crime_type"]: r for r in read("police_uk_crime_types.csv")}
    assert types["Anti-social behaviour"]["is_asb"] == "true"
    assert sum(t["is_asb"] == "false" for t in types.values()) == 13
    codes = [r["offence_code"] for r in rows]
    assert len(codes) == len(set(codes))
    for r in rows:
        assert r["is_public_place_violence_offence"] in ("true", "false"), r["offence_code"]
        assert r["police_uk_crime_type"] in types and r["police_uk_crime_type"] != (
            "Anti-social behaviour"
        )
        if r["is_public_place_violence_offence"] == "true":
            assert r["offence_group"] in {
                "Violence with injury",
                "Violence without injury",
                "Public order offences",
            }
        # a group is published under one category: the Home Office groups of the catalogue's
        # rules (e.g. vehicle offences) and their data.police.uk fallbacks are the same crimes
        if r["offence_group"] in SAC_GROUPS - {"Robbery"}:
            assert r["police_uk_crime_type"] in {"Burglary", "Vehicle crime"}
    groups: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        groups[r["police_uk_crime_type"]].add(r["offence_group"])
    assert groups["Vehicle crime"] == {"Vehicle offences"}
    assert groups["Criminal damage and arson"] == {"Criminal damage and arson"}
    assert groups["Robbery"] == {"Robbery"}
    by_code = {r["offence_code"]: r for r in rows}
    assert by_code["34B"]["offence_group"] == "Robbery"
    assert by_code["28E"]["offence_group"] == "Burglary - residential (domestic)"
    assert by_code["30C"]["offence_group"] == "Burglary - business and community"
    assert by_code["62A"]["is_public_place_violence_offence"] == "true"
    # every crime type of the real files is covered by some code
    assert {r["police_uk_crime_type"] for r in rows} == {
        t for t, r in types.items() if r["is_asb"] == "false"
    }
