"""Build the generated reference seeds from the real public files in ../shared/realdata.

Writes `areas.csv`, `forces.csv` and `population.csv` into `--out` (default `seeds/`). The
other seeds (offence classification, police.uk crime types, measures) are hand-edited CSVs.

    .venv/bin/python scripts/build_seeds.py [--shared ../shared] [--out seeds]

- areas.csv: every 2011 LSOA in England (IMD 2019 File 1) -> its 2017 district, reached
  through the LSOA name (2011 district name + ' NNNX') -> 2017 CSP -> 2017 police force area
  (ONS LAD17_CSP17_PFA17 lookup), with the IMD 2019 decile; plus the few Welsh LSOAs the real
  police.uk files hold (no decile: IMD 2019 is England only). Any LSOA that does not match
  fails the script (non-zero exit, the rows listed, nothing written).
- forces.csv: the force areas of the lookup with their data.police.uk names.
- population.csv: ONS mid-year estimates mid-2011..mid-2020 (MYE4, 2021 boundaries) for every
  2017 district, CSP and force that whole 2021 districts make up exactly; the others are
  left out and listed on stderr. Households are population / 2.4 (an estimate).

Deterministic: rows are sorted and written with '\\n' line ends, so re-running on the same
input gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

LOOKUP_REL = "realdata/lookups/LAD17_CSP17_PFA17_lookup_EW_v2.csv"
IMD_REL = "realdata/deprivation/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
IMD_SHEET = "IMD2019"
POLICE_UK_REL = "realdata/police_uk"
IMD_ROWS = 32844  # LSOAs in England, 2011 boundaries
POP_REL = "realdata/population/ukpopestimatesmid2020on2021geography.xls"
POP_SHEET = "MYE4"
POP_HEADER_ROW = 7  # 0-based: seven title rows, then the header
POP_DISTRICT_LEVELS = {
    "Unitary Authority",
    "Non-metropolitan District",
    "Metropolitan District",
    "London Borough",
}
YEARS = range(2011, 2021)
PERSONS_PER_HOUSEHOLD = 2.4
POP_SOURCE = "MYE4, mid-2020 release on 2021 boundaries"
HOUSEHOLDS_NOTE = "households estimated as population / 2.4"

LSOA_NAME = re.compile(r"^(?P<district>.+) (?P<num>\d{3}[A-Z])$")

# 2011 LSOA names carry the 2011 district name. Where it differs from the 2017 lookup's
# LAD17NM, map it here, explicitly (checked against the real files; never guessed).
# Shepway needs none: the LAD17 lookup still calls it Shepway (Folkestone and Hythe in 2018).
DISTRICT_ALIASES: dict[str, str] = {
    "Bristol": "Bristol, City of",
    "Herefordshire": "Herefordshire, County of",
    "Kingston upon Hull": "Kingston upon Hull, City of",
}

# 2017 districts merged into new districts by the 2021 boundaries of the population workbook
# (statutory reorganisations 2019-2021), keyed by the 2021 code. The 2019 ones are checked
# against the IMD 2019 file (its LSOAs carry their 2019 district); Buckinghamshire (2020)
# and the Northamptonshire unitaries (2021) postdate it and are taken as enacted.
MERGED_BY_2021: dict[str, tuple[str, ...]] = {
    # Bournemouth, Christchurch and Poole (2019): Bournemouth, Poole, Christchurch
    "E06000058": ("E06000028", "E06000029", "E07000048"),
    # Dorset (2019): East Dorset, North Dorset, Purbeck, West Dorset, Weymouth and Portland
    "E06000059": ("E07000049", "E07000050", "E07000051", "E07000052", "E07000053"),
    # Buckinghamshire (2020): Aylesbury Vale, Chiltern, South Bucks, Wycombe
    "E06000060": ("E07000004", "E07000005", "E07000006", "E07000007"),
    # North Northamptonshire (2021): Corby, East Northamptonshire, Kettering, Wellingborough
    "E06000061": ("E07000150", "E07000152", "E07000153", "E07000156"),
    # West Northamptonshire (2021): Daventry, Northampton, South Northamptonshire
    "E06000062": ("E07000151", "E07000154", "E07000155"),
    # East Suffolk (2019): Suffolk Coastal, Waveney
    "E07000244": ("E07000205", "E07000206"),
    # West Suffolk (2019): Forest Heath, St Edmundsbury
    "E07000245": ("E07000201", "E07000204"),
    # Somerset West and Taunton (2019): Taunton Deane, West Somerset
    "E07000246": ("E07000190", "E07000191"),
}
MERGED_IN_IMD2019 = {"E06000058", "E06000059", "E07000244", "E07000245", "E07000246"}

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


class SeedError(Exception):
    """The real files do not fit the rules: nothing is written."""

    def __init__(self, title: str, lines: list[str]):
        super().__init__(title)
        self.title, self.lines = title, lines


# --- inputs -----------------------------------------------------------------------------


def read_lookup(shared: Path) -> list[dict[str, str]]:
    with open(shared / LOOKUP_REL, newline="", encoding="utf-8-sig") as fh:
        rows = [{k: v.strip() for k, v in r.items()} for r in csv.DictReader(fh)]
    for key in ("LAD17CD", "LAD17NM"):
        if len({r[key] for r in rows}) != len(rows):
            raise SeedError(f"{LOOKUP_REL}: {key} is not unique", [])
    return rows


def read_imd(shared: Path) -> list[tuple[str, str, str, str, int]]:
    """(lsoa code, lsoa name, 2019 district code, 2019 district name, IMD decile) per row."""
    import openpyxl

    wb = openpyxl.load_workbook(shared / IMD_REL, read_only=True, data_only=True)
    try:
        rows = wb[IMD_SHEET].iter_rows(values_only=True)
        header = [str(h).strip() for h in next(rows)]
        want = [
            "LSOA code (2011)",
            "LSOA name (2011)",
            "Local Authority District code (2019)",
            "Local Authority District name (2019)",
            "Index of Multiple Deprivation (IMD) Decile",
        ]
        idx = [header.index(w) for w in want]
        out = []
        for row in rows:
            if row is None or all(v is None for v in row):
                continue
            code, name, lad, lad_name, decile = (row[i] for i in idx)
            out.append(
                (
                    str(code).strip(),
                    str(name).strip(),
                    str(lad).strip(),
                    str(lad_name).strip(),
                    int(decile),
                )
            )
    finally:
        wb.close()
    if len(out) != IMD_ROWS or len({r[0] for r in out}) != IMD_ROWS:
        raise SeedError(f"{IMD_REL}: expected {IMD_ROWS} distinct LSOAs, read {len(out)}", [])
    return out


def read_population(shared: Path) -> dict[str, tuple[str, dict[int, int]]]:
    """2021 district code -> (name, {year: population}) for England and Wales."""
    import xlrd

    sheet = xlrd.open_workbook(shared / POP_REL).sheet_by_name(POP_SHEET)
    header = [str(h).strip() for h in sheet.row_values(POP_HEADER_ROW)]
    col = {h: i for i, h in enumerate(header)}
    out: dict[str, tuple[str, dict[int, int]]] = {}
    for r in range(POP_HEADER_ROW + 1, sheet.nrows):
        row = sheet.row_values(r)
        # str.strip() also removes the no-break spaces after two codes and names
        code, name, level = (str(row[col[k]]).strip() for k in ("Code", "Name", "Geography"))
        if level not in POP_DISTRICT_LEVELS or code[:1] not in ("E", "W"):
            continue
        pops = {}
        for y in YEARS:
            v = row[col[f"Mid-{y}"]]
            if not isinstance(v, float) or v != int(v) or v <= 0:
                raise SeedError(f"{POP_REL} {POP_SHEET}: {code} mid-{y} is {v!r}", [])
            pops[y] = int(v)
        if code in out:
            raise SeedError(f"{POP_REL} {POP_SHEET}: {code} twice", [])
        out[code] = (name, pops)
    return out


# --- areas ------------------------------------------------------------------------------


def read_police_lsoas(shared: Path) -> dict[str, str]:
    """LSOA code -> name of every row of the real data.police.uk files that has one."""
    lsoas: dict[str, str] = {}
    names: dict[str, set[str]] = defaultdict(set)
    for path in sorted((shared / POLICE_UK_REL).glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                code, name = r["LSOA code"].strip(), r["LSOA name"].strip()
                if code:
                    lsoas[code] = name
                    names[code].add(name)
    twice = [f"{c}: {sorted(n)}" for c, n in sorted(names.items()) if len(n) > 1]
    if twice:
        raise SeedError(f"{POLICE_UK_REL}: LSOAs with two names", twice)
    return lsoas


def area_row(
    code: str, name: str, by_name: dict[str, dict[str, str]], problems: list[str]
) -> dict[str, object] | None:
    """The row of one LSOA, its district found through its name; None (and a problem
    recorded) if the name does not match."""
    m = LSOA_NAME.match(name)
    if not m:
        problems.append(f"{code} {name!r}: name does not end in ' NNNX'")
        return None
    district = m["district"]
    lad = by_name.get(DISTRICT_ALIASES.get(district, district))
    if lad is None:
        problems.append(f"{code} {name!r}: district {district!r} is not a LAD17NM")
        return None
    if code[0] != lad["LAD17CD"][0]:
        problems.append(f"{code} {name!r}: country differs from district {lad['LAD17CD']}")
        return None
    return {
        "lsoa_code": code,
        "lsoa_name": name,
        "district_code": lad["LAD17CD"],
        "district_name": lad["LAD17NM"],
        "csp_code": lad["CSP17CD"],
        "csp_name": lad["CSP17NM"],
        "force_code": lad["PFA17CD"],
        "force_name": lad["PFA17NM"],
        "imd_decile": "",
        "derivation": "lsoa_name" if district == lad["LAD17NM"] else f"lsoa_name alias {district}",
    }


def area_rows(shared: Path, lookup: list[dict[str, str]]) -> list[dict[str, object]]:
    """Every LSOA of the IMD 2019 file (England), then the LSOAs of the real police.uk files
    that it lacks (Welsh ones only: anything else fails)."""
    by_name = {r["LAD17NM"]: r for r in lookup}
    merged_into = {old: new for new, olds in MERGED_BY_2021.items() for old in olds}
    problems: list[str] = []
    rows: dict[str, dict[str, object]] = {}
    imd = read_imd(shared)
    for code, name, lad19, lad19_name, decile in imd:
        row = area_row(code, name, by_name, problems)
        if row is None:
            continue
        # cross-check with the file's own 2019 district: same code, or a 2019 merger
        lad17 = str(row["district_code"])
        expect19 = merged_into[lad17] if merged_into.get(lad17) in MERGED_IN_IMD2019 else lad17
        if lad19 != expect19:
            problems.append(
                f"{code} {name!r}: 2017 district {lad17} but IMD 2019 district "
                f"{lad19} {lad19_name!r}"
            )
            continue
        row["imd_decile"] = decile
        rows[code] = row
    imd_names = {r[0]: r[1] for r in imd}
    for code, name in sorted(read_police_lsoas(shared).items()):
        if code in imd_names:  # its row is made (or its problem listed) above
            if imd_names[code] != name:
                problems.append(f"{code}: police.uk name {name!r}, IMD {imd_names[code]!r}")
        elif not code.startswith("W01"):
            problems.append(f"{code} {name!r}: in {POLICE_UK_REL} but not in the IMD 2019 file")
        else:
            row = area_row(code, name, by_name, problems)
            if row is not None:
                row["derivation"] = f"{row['derivation']}; police_uk only (Wales: no IMD)"
                rows[code] = row
    if problems:
        raise SeedError(f"{len(problems)} LSOA(s) do not match", problems)
    return [rows[c] for c in sorted(rows)]


def force_rows(lookup: list[dict[str, str]]) -> list[dict[str, object]]:
    forces = sorted({(r["PFA17CD"], r["PFA17NM"]) for r in lookup})
    missing = [c for c, _ in forces if c not in POLICE_UK_NAMES]
    if missing:
        raise SeedError("forces without a data.police.uk name in POLICE_UK_NAMES", missing)
    return [
        {"force_code": c, "force_name": n, "police_uk_name": POLICE_UK_NAMES[c]} for c, n in forces
    ]


# --- population -------------------------------------------------------------------------


def map_districts(
    lookup: list[dict[str, str]], pop: dict[str, tuple[str, dict[int, int]]]
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Each 2021 district -> the set of 2017 districts it is made of; and how each 2021
    district was matched (code / name / merger)."""
    lad17 = {r["LAD17CD"]: r for r in lookup}
    by_name17 = {r["LAD17NM"]: r["LAD17CD"] for r in lookup}
    parts: dict[str, set[str]] = {}
    how: dict[str, str] = {}
    problems = []
    for code21, (name21, _) in sorted(pop.items()):
        if code21 in MERGED_BY_2021:
            olds = set(MERGED_BY_2021[code21])
            unknown = sorted(olds - set(lad17))
            if unknown:
                problems.append(f"{code21} {name21}: merged districts {unknown} not in lookup")
            parts[code21], how[code21] = olds, "merger"
        elif code21 in lad17:
            parts[code21], how[code21] = {code21}, "code"
        elif name21 in by_name17:
            parts[code21], how[code21] = {by_name17[name21]}, "name"
        else:
            problems.append(f"{code21} {name21}: no 2017 district by code, name or merger")
    covered: dict[str, list[str]] = defaultdict(list)
    for code21, olds in parts.items():
        for old in olds:
            covered[old].append(code21)
    for code17, r in sorted(lad17.items()):
        if len(covered[code17]) != 1:
            problems.append(
                f"2017 district {code17} {r['LAD17NM']} is in {len(covered[code17])} "
                f"2021 districts: {sorted(covered[code17])}"
            )
    if problems:
        raise SeedError("the 2021 districts of the population workbook do not map", problems)
    return parts, how


def population_rows(
    lookup: list[dict[str, str]], pop: dict[str, tuple[str, dict[int, int]]]
) -> tuple[list[dict[str, object]], list[str], dict[str, str]]:
    """Rows for every district, CSP and force computable from whole 2021 districts; the
    areas left out, with the reason; and how each 2021 district was matched."""
    parts, how = map_districts(lookup, pop)
    lad17 = {r["LAD17CD"]: r for r in lookup}
    home = {old: code21 for code21, olds in parts.items() for old in olds}
    levels = {"district": "LAD17CD", "csp": "CSP17CD", "force": "PFA17CD"}
    names = {"district": "LAD17NM", "csp": "CSP17NM", "force": "PFA17NM"}
    rows: list[dict[str, object]] = []
    left_out: list[str] = []
    for area_type, key in levels.items():
        members: dict[str, set[str]] = defaultdict(set)
        for r in lookup:
            members[r[key]].add(r["LAD17CD"])
        for area_code in sorted(members):
            area17 = members[area_code]
            districts21 = sorted({home[d] for d in area17})
            # exact only if every 2021 district it touches lies wholly inside it
            outside = sorted(
                (c21, sorted(parts[c21] - area17))
                for c21 in districts21
                if not parts[c21] <= area17
            )
            area_name = lad17[next(iter(area17))][names[area_type]]
            if outside:
                why = "; ".join(
                    f"2021 district {c21} {pop[c21][0]} also holds "
                    + ", ".join(f"{d} {lad17[d]['LAD17NM']}" for d in others)
                    for c21, others in outside
                )
                left_out.append(f"{area_type} {area_code} {area_name}: {why}")
                continue
            for year in YEARS:
                total = sum(pop[c21][1][year] for c21 in districts21)
                if len(districts21) == 1:
                    what = f"ONS mid-year estimate mid-{year}"
                else:
                    n = len(districts21)
                    what = f"sum of ONS mid-year estimates mid-{year} of {n} districts"
                rows.append(
                    {
                        "area_code": area_code,
                        "area_type": area_type,
                        "year": year,
                        "population": total,
                        "households": round(total / PERSONS_PER_HOUSEHOLD),
                        "source": f"{what} ({POP_SOURCE}); {HOUSEHOLDS_NOTE}",
                    }
                )
    rows.sort(key=lambda r: (r["area_type"], r["area_code"], r["year"]))
    return rows, left_out, how


# --- output -----------------------------------------------------------------------------


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared",
        help="folder holding realdata/ (default: ../shared beside the repo)",
    )
    ap.add_argument("--out", type=Path, default=REPO / "seeds", help="default: seeds/")
    args = ap.parse_args(argv)
    try:
        lookup = read_lookup(args.shared)
        areas = area_rows(args.shared, lookup)
        forces = force_rows(lookup)
        population, left_out, how = population_rows(lookup, read_population(args.shared))
    except SeedError as e:
        print(f"ERROR: {e.title}", file=sys.stderr)
        for line in e.lines:
            print(f"  {line}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "areas.csv", areas)
    write_csv(args.out / "forces.csv", forces)
    write_csv(args.out / "population.csv", population)

    aliased = sum("alias" in str(r["derivation"]) for r in areas)
    wales = sum(str(r["lsoa_code"]).startswith("W") for r in areas)
    print(
        f"areas.csv: {len(areas)} LSOAs ({len(areas) - wales} England from IMD 2019, {wales} "
        f"Wales from the police.uk files; {aliased} through DISTRICT_ALIASES)"
    )
    print(f"forces.csv: {len(forces)} forces")
    have = {(r["area_type"], r["area_code"]) for r in population}
    for t in ("district", "csp", "force"):
        n = sum(1 for a, _ in have if a == t)
        print(f"population.csv: {n} {t}s x {len(YEARS)} years")
    matched = {k: sorted(c for c, h in how.items() if h == k) for k in ("code", "name", "merger")}
    print(
        "2021 districts matched to 2017 ones: "
        + ", ".join(f"{len(v)} by {k}" for k, v in matched.items())
        + (f" (by name: {', '.join(matched['name'])})" if matched["name"] else "")
    )
    if left_out:
        print(
            f"population.csv leaves out {len(left_out)} area(s) that whole 2021 districts "
            "do not make up exactly:",
            file=sys.stderr,
        )
        for line in left_out:
            print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
