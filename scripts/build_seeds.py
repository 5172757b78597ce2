"""Build the derived reference seeds from the real data in ../shared.

Writes `seeds/areas.csv`, `seeds/forces.csv`, `seeds/population.csv` and the demo
generator's map points `ingest/demo/lsoa_points.csv`. The other seeds
(offence classification, police.uk crime types, measures) are hand-edited CSVs.

    .venv/bin/python scripts/build_seeds.py [--shared ../shared]

Deterministic: rows are sorted, so re-running on the same input gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
DEMO_POINTS = REPO / "ingest/demo/lsoa_points.csv"
POINTS_PER_LSOA = 6
sys.path.insert(0, str(REPO))
from ingest.demo.config import CSPS as DEMO_CSPS  # noqa: E402

LOOKUP_REL = "realdata/lookups/LAD17_CSP17_PFA17_lookup_EW_v2.csv"
LOOKUP_LABEL = "ONS LAD17_CSP17_PFA17 v2"
LSOA_NAME = re.compile(r"^(?P<district>.+) (?P<num>\d{3}[A-Z])$")

# 2011 LSOA names carry the district name of 2011. Where a district was renamed or merged
# before the lookup's vintage (2017), map the old name to the lookup's name here. None are
# needed for the current real files (Shepway is still `Shepway` in the LAD17 lookup);
# the hook exists so a new file with such a name is mapped explicitly, never guessed.
DISTRICT_ALIASES: dict[str, str] = {}

# data.police.uk publishes each force under these names ("Reported by" / "Falls within").
POLICE_UK_NAMES = {
    "E23000001": "Metropolitan Police Service",
    "E23000002": "Cumbria Constabulary",
    "E23000003": "Lancashire Constabulary",
    "E23000004": "Merseyside Police",
    "E23000005": "Greater Manchester Police",
    "E23000006": "Cheshire Constabulary",
    "E23000007": "Northumbria Police",
    "E23000008": "Durham Constabulary",
    "E23000009": "North Yorkshire Police",
    "E23000010": "West Yorkshire Police",
    "E23000011": "South Yorkshire Police",
    "E23000012": "Humberside Police",
    "E23000013": "Cleveland Police",
    "E23000014": "West Midlands Police",
    "E23000015": "Staffordshire Police",
    "E23000016": "West Mercia Police",
    "E23000017": "Warwickshire Police",
    "E23000018": "Derbyshire Constabulary",
    "E23000019": "Nottinghamshire Police",
    "E23000020": "Lincolnshire Police",
    "E23000021": "Leicestershire Police",
    "E23000022": "Northamptonshire Police",
    "E23000023": "Cambridgeshire Constabulary",
    "E23000024": "Norfolk Constabulary",
    "E23000025": "Suffolk Constabulary",
    "E23000026": "Bedfordshire Police",
    "E23000027": "Hertfordshire Constabulary",
    "E23000028": "Essex Police",
    "E23000029": "Thames Valley Police",
    "E23000030": "Hampshire Constabulary",
    "E23000031": "Surrey Police",
    "E23000032": "Kent Police",
    "E23000033": "Sussex Police",
    "E23000034": "City of London Police",
    "E23000035": "Devon & Cornwall Police",
    "E23000036": "Avon and Somerset Constabulary",
    "E23000037": "Gloucestershire Constabulary",
    "E23000038": "Wiltshire Police",
    "E23000039": "Dorset Police",
    "W15000001": "North Wales Police",
    "W15000002": "Gwent Police",
    "W15000003": "South Wales Police",
    "W15000004": "Dyfed-Powys Police",
}

# ---------------------------------------------------------------------------------------
# Population. Real figures only where a source was found; every other year is derived
# and says so in `source`.
FT = (
    "ONS mid-year estimate mid-{y}, as the denominator of PHE Fingertips indicator 93356 "
    "(realdata/fingertips/indicators-CountyUA.data.csv)"
)
REAL_POP: dict[str, dict[int, tuple[int, str]]] = {
    # Milton Keynes CSP = Milton Keynes UA (E06000042)
    "E22000307": {
        2015: (261762, FT.format(y=2015)),
        2016: (264479, FT.format(y=2016)),
        2018: (
            268600,
            "ONS mid-year estimates, mid-2018 (rounded figure quoted in the project brief; "
            "not re-checked against the ONS table)",
        ),
        2021: (
            287060,
            "ONS Census 2021 usual residents, 21 March 2021 (citypopulation.de quoting ONS), "
            "used for mid-2021",
        ),
    },
    # Medway CSP = Medway UA (E06000035)
    "E22000143": {
        2015: (276492, FT.format(y=2015)),
        2016: (278542, FT.format(y=2016)),
        2018: (
            277900,
            "ONS mid-year estimates, mid-2018 (rounded figure quoted in the project brief; "
            "not re-checked against the ONS table)",
        ),
        2019: (
            278556,
            "ONS mid-year estimates, mid-2019 (as quoted by Medway JSNA, medwayjsna.info/ua/009)",
        ),
        2021: (
            279800,
            "ONS Census 2021 usual residents, 21 March 2021 (medway.gov.uk), used for mid-2021",
        ),
        2022: (
            282702,
            "ONS mid-year estimates, mid-2022 (as quoted by Medway JSNA infographic, "
            "medway.gov.uk)",
        ),
    },
    "E22000309": {2015: (161739, FT.format(y=2015)), 2016: (162666, FT.format(y=2016))},
    "E22000310": {2015: (145734, FT.format(y=2015)), 2016: (147181, FT.format(y=2016))},
    "E22000304": {2015: (118982, FT.format(y=2015)), 2016: (119447, FT.format(y=2016))},
    "E22000314": {2015: (156020, FT.format(y=2015)), 2016: (156837, FT.format(y=2016))},
    "E22000316": {2015: (147708, FT.format(y=2015)), 2016: (148814, FT.format(y=2016))},
    "E22000317": {2015: (160409, FT.format(y=2015)), 2016: (161878, FT.format(y=2016))},
    # Maidstone: no cited figure found; an approximate demo base, marked as such.
    "E22000142": {},
    # Thames Valley PFA = Buckinghamshire CC + Oxfordshire CC + the six Berkshire UAs +
    # Milton Keynes UA, each from the Fingertips denominators.
    "E23000029": {
        2015: (
            528400 + 677810 + 118982 + 156020 + 161739 + 145734 + 147708 + 160409 + 261762,
            "sum of ONS mid-2015 estimates for Buckinghamshire, Oxfordshire, the six Berkshire "
            "UAs and Milton Keynes (Fingertips 93356 denominators)",
        ),
        2016: (
            534720 + 683169 + 119447 + 156837 + 162666 + 147181 + 148814 + 161878 + 264479,
            "sum of ONS mid-2016 estimates for Buckinghamshire, Oxfordshire, the six Berkshire "
            "UAs and Milton Keynes (Fingertips 93356 denominators)",
        ),
    },
    # Kent PFA = Kent CC + Medway UA.
    "E23000032": {
        2015: (
            1524719 + 276492,
            "sum of ONS mid-2015 estimates for Kent CC and Medway UA (Fingertips 93356)",
        ),
        2016: (
            1541893 + 278542,
            "sum of ONS mid-2016 estimates for Kent CC and Medway UA (Fingertips 93356)",
        ),
    },
}
DEMO_BASE = {"E22000142": (2016, 166400)}  # Maidstone: approximate, not from a cited source
GROWTH = {  # annual growth used to extrapolate (demo assumption)
    "E22000307": 0.012,
    "E22000143": 0.006,
    "E23000029": 0.008,
    "E23000032": 0.009,
}
DEFAULT_GROWTH = 0.007
POP_CSPS = [
    "E22000307",  # Milton Keynes
    "E22000143",  # Medway
    "E22000309",  # Reading (demo peer)
    "E22000310",  # Slough (demo peer)
    "E22000142",  # Maidstone (demo peer)
    "E22000304",  # Bracknell Forest
    "E22000314",  # West Berkshire
    "E22000316",  # Windsor and Maidenhead
    "E22000317",  # Wokingham
]
POP_FORCES = ["E23000029", "E23000032"]
YEARS = range(2015, 2027)
PERSONS_PER_HOUSEHOLD = 2.4


def population_rows() -> list[dict[str, object]]:
    rows = []
    for code in POP_CSPS + POP_FORCES:
        area_type = "force" if code.startswith("E23") else "csp"
        known = dict(REAL_POP.get(code, {}))
        g = GROWTH.get(code, DEFAULT_GROWTH)
        demo = code in DEMO_BASE
        if demo:
            by, bv = DEMO_BASE[code]
            known_vals = {by: bv}
        else:
            known_vals = {y: v for y, (v, _) in known.items()}
        years_known = sorted(known_vals)
        for year in YEARS:
            if year in known and not demo:
                pop, src = known[year]
            elif demo and year in known_vals:
                pop = known_vals[year]
                src = "demo value (approximate base for mid-2016, not from a cited source)"
            else:
                before = [y for y in years_known if y < year]
                after = [y for y in years_known if y > year]
                if before and after:
                    y0, y1 = before[-1], after[0]
                    v0, v1 = known_vals[y0], known_vals[y1]
                    pop = round(v0 + (v1 - v0) * (year - y0) / (y1 - y0))
                    src = f"demo value (interpolated between mid-{y0} and mid-{y1})"
                elif before:
                    y0 = before[-1]
                    pop = round(known_vals[y0] * (1 + g) ** (year - y0))
                    src = f"demo value (extrapolated from mid-{y0} at +{g:.1%} a year)"
                else:
                    y1 = after[0]
                    pop = round(known_vals[y1] / (1 + g) ** (y1 - year))
                    src = f"demo value (back-extrapolated from mid-{y1} at +{g:.1%} a year)"
                if demo:
                    src = "demo value (approximate base for mid-2016, not from a cited source; "
                    src += f"+{g:.1%} a year)"
            households = round(pop / PERSONS_PER_HOUSEHOLD)
            rows.append(
                {
                    "area_code": code,
                    "area_type": area_type,
                    "year": year,
                    "population": pop,
                    "households": households,
                    "source": f"{src}; households estimated as population / 2.4",
                }
            )
    return rows


def read_lookup(shared: Path) -> dict[str, dict[str, str]]:
    with open(shared / LOOKUP_REL, newline="", encoding="utf-8-sig") as fh:
        return {r["LAD17NM"]: r for r in csv.DictReader(fh)}


def read_police_lsoas(shared: Path) -> dict[str, str]:
    lsoas: dict[str, str] = {}
    for path in sorted((shared / "realdata/police_uk").glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                code, name = r["LSOA code"].strip(), r["LSOA name"].strip()
                if not code:
                    continue
                if code in lsoas and lsoas[code] != name:
                    raise ValueError(f"{code} has two names: {lsoas[code]!r}, {name!r}")
                lsoas[code] = name
    return lsoas


def area_rows(shared: Path) -> tuple[list[dict[str, str]], list[str]]:
    lookup = read_lookup(shared)
    problems: list[str] = []
    rows = []
    for code, name in sorted(read_police_lsoas(shared).items()):
        m = LSOA_NAME.match(name)
        if not m:
            problems.append(f"{code} {name!r}: name does not end in ' NNNX'")
            continue
        district = m["district"]
        lad_name = DISTRICT_ALIASES.get(district, district)
        lad = lookup.get(lad_name)
        if lad is None:
            problems.append(f"{code} {name!r}: district {district!r} not in {LOOKUP_LABEL}")
            continue
        if code[0] != lad["LAD17CD"][0]:
            problems.append(f"{code} {name!r}: country prefix differs from {lad['LAD17CD']}")
        via = f"'{district}'" if lad_name == district else f"'{district}' (alias '{lad_name}')"
        rows.append(
            {
                "lsoa_code": code,
                "lsoa_name": name,
                "district_code": lad["LAD17CD"],
                "district_name": lad["LAD17NM"],
                "csp_code": lad["CSP17CD"],
                "csp_name": lad["CSP17NM"],
                "force_code": lad["PFA17CD"],
                "force_name": lad["PFA17NM"],
                "derivation": f"lsoa_name prefix {via} -> LAD17 lookup ({LOOKUP_LABEL})",
            }
        )
    return rows, problems


def lsoa_point_rows(shared: Path, csp_codes: set[str], areas: list[dict[str, str]]):
    """Up to POINTS_PER_LSOA published map points (snap point + street) per LSOA of the demo
    CSPs, the most frequent first: the demo generator places its crimes on them."""
    wanted = {a["lsoa_code"] for a in areas if a["csp_code"] in csp_codes}
    counts: dict[str, Counter] = {code: Counter() for code in wanted}
    for path in sorted((shared / "realdata/police_uk").glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                code = r["LSOA code"].strip()
                if code in counts and r["Longitude"]:
                    counts[code][(r["Longitude"], r["Latitude"], r["Location"])] += 1
    rows = []
    for code in sorted(counts):
        top = sorted(counts[code].items(), key=lambda kv: (-kv[1], kv[0]))[:POINTS_PER_LSOA]
        if not top:
            raise ValueError(f"no published map point for demo LSOA {code}")
        for (lon, lat, loc), _ in top:
            rows.append({"lsoa_code": code, "longitude": lon, "latitude": lat, "location": loc})
    return rows


def force_rows(shared: Path) -> list[dict[str, str]]:
    forces = {(r["PFA17CD"], r["PFA17NM"]) for r in read_lookup(shared).values()}
    return [
        {"force_code": c, "force_name": n, "police_uk_name": POLICE_UK_NAMES[c]}
        for c, n in sorted(forces)
    ]


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=SEEDS)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    areas, problems = area_rows(args.shared)
    for p in problems:
        print("UNMATCHED:", p, file=sys.stderr)
    write_csv(args.out / "areas.csv", areas)
    write_csv(args.out / "forces.csv", force_rows(args.shared))
    write_csv(args.out / "population.csv", population_rows())
    demo_codes = {c.code for c in DEMO_CSPS}
    write_csv(DEMO_POINTS, lsoa_point_rows(args.shared, demo_codes, areas))
    print(f"areas.csv: {len(areas)} LSOAs, {len(problems)} unmatched")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
