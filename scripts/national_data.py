"""Synthetic data.police.uk street-level files for every English force, for benchmarks.

    .venv/bin/python scripts/national_data.py --out /tmp/national   # 39 forces x 120 months
    .venv/bin/python scripts/national_data.py --out /tmp/small --forces kent,cumbria --months 24

Writes ``<out>/YYYY-MM-<force-slug>-street.csv`` exactly in the published format (the
header, column order, blank Crime ID and outcome for ASB, ``No Location`` rows with blank
coordinates and LSOA, 64-hex Crime IDs, 6-decimal coordinates, LF line ends, no quoting
unless a field needs it) for each force and month. Every LSOA is a real 2011 LSOA of
``seeds/areas.csv``, in a file of its own force (``force_code`` -> ``seeds/forces.csv``
``police_uk_name`` for ``Reported by`` and ``Falls within``). Not real crimes: volumes are
England's order of magnitude (``--scale`` 1: about 475,000 rows a month over the 39
forces), shared out by force population (``seeds/population.csv``, mid-2020) with a
force-level rate, a summer peak, a year-to-year drift and month noise; about 25-33% ASB
(per force), 1.5-6% with no location, a crime-type mix and outcomes like the real files.
Coordinates are a point per LSOA near its force's area (not its true centroid).

Everything is computed by DuckDB SQL (one ``COPY (SELECT ...) TO`` per file) from
``hash(seed, ...)``: the same arguments give byte-identical files with the same DuckDB
version. Not demo data (``demo/`` is the demo partnership's extracts); the national
benchmark (``scripts/bench_national.py``) and its test use it.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
#: England's street-level rows a month (crime and ASB), roughly data.police.uk's recent
#: volume for the 39 English forces.
ENGLAND_ROWS_PER_MONTH = 475_000
#: The slug data.police.uk names each English force's files with, and an approximate point
#: inside its area (latitude, longitude, spread in degrees) for the synthetic coordinates.
FORCES: dict[str, tuple[str, float, float, float]] = {
    "E23000001": ("metropolitan", 51.507, -0.128, 0.18),
    "E23000002": ("cumbria", 54.60, -3.00, 0.35),
    "E23000003": ("lancashire", 53.80, -2.60, 0.25),
    "E23000004": ("merseyside", 53.41, -2.98, 0.10),
    "E23000005": ("greater-manchester", 53.48, -2.24, 0.15),
    "E23000006": ("cheshire", 53.20, -2.50, 0.20),
    "E23000007": ("northumbria", 55.00, -1.70, 0.25),
    "E23000008": ("durham", 54.70, -1.60, 0.20),
    "E23000009": ("north-yorkshire", 54.10, -1.30, 0.35),
    "E23000010": ("west-yorkshire", 53.75, -1.60, 0.15),
    "E23000011": ("south-yorkshire", 53.45, -1.30, 0.15),
    "E23000012": ("humberside", 53.75, -0.40, 0.25),
    "E23000013": ("cleveland", 54.57, -1.20, 0.10),
    "E23000014": ("west-midlands", 52.48, -1.90, 0.12),
    "E23000015": ("staffordshire", 52.80, -2.10, 0.20),
    "E23000016": ("west-mercia", 52.40, -2.60, 0.30),
    "E23000017": ("warwickshire", 52.30, -1.55, 0.15),
    "E23000018": ("derbyshire", 53.00, -1.60, 0.20),
    "E23000019": ("nottinghamshire", 53.10, -1.10, 0.20),
    "E23000020": ("lincolnshire", 53.10, -0.30, 0.35),
    "E23000021": ("leicestershire", 52.65, -1.10, 0.20),
    "E23000022": ("northamptonshire", 52.30, -0.85, 0.20),
    "E23000023": ("cambridgeshire", 52.40, 0.00, 0.25),
    "E23000024": ("norfolk", 52.65, 1.00, 0.30),
    "E23000025": ("suffolk", 52.20, 1.00, 0.25),
    "E23000026": ("bedfordshire", 52.05, -0.45, 0.12),
    "E23000027": ("hertfordshire", 51.80, -0.25, 0.15),
    "E23000028": ("essex", 51.80, 0.60, 0.25),
    "E23000029": ("thames-valley", 51.60, -1.00, 0.35),
    "E23000030": ("hampshire", 51.00, -1.30, 0.30),
    "E23000031": ("surrey", 51.25, -0.40, 0.15),
    "E23000032": ("kent", 51.20, 0.75, 0.25),
    "E23000033": ("sussex", 50.95, -0.20, 0.30),
    "E23000034": ("city-of-london", 51.515, -0.092, 0.006),
    "E23000035": ("devon-and-cornwall", 50.60, -4.20, 0.50),
    "E23000036": ("avon-and-somerset", 51.30, -2.70, 0.25),
    "E23000037": ("gloucestershire", 51.85, -2.20, 0.20),
    "E23000038": ("wiltshire", 51.35, -1.95, 0.20),
    "E23000039": ("dorset", 50.75, -2.20, 0.20),
}
#: Non-ASB crime types with their share of crimes (the eleven real Kent and Thames Valley
#: files of ../shared/realdata, 2018-19, ASB left out).
CRIME_MIX: tuple[tuple[str, float], ...] = (
    ("Violence and sexual offences", 37.8),
    ("Criminal damage and arson", 11.7),
    ("Other theft", 10.7),
    ("Vehicle crime", 9.1),
    ("Shoplifting", 7.4),
    ("Burglary", 7.1),
    ("Public order", 6.1),
    ("Drugs", 2.5),
    ("Other crime", 2.5),
    ("Bicycle theft", 2.2),
    ("Theft from the person", 1.2),
    ("Robbery", 1.1),
    ("Possession of weapons", 0.8),
)
#: Last outcome categories with their share (the same real files).
OUTCOMES: tuple[tuple[str, float], ...] = (
    ("Investigation complete; no suspect identified", 41.9),
    ("Unable to prosecute suspect", 35.0),
    ("Status update unavailable", 7.2),
    ("Court result unavailable", 4.1),
    ("Under investigation", 3.3),
    ("Action to be taken by another organisation", 2.2),
    ("Further investigation is not in the public interest", 1.2),
    ("Offender given a caution", 1.1),
    ("Local resolution", 0.7),
    ("Awaiting court outcome", 0.7),
    ("Formal action is not in the public interest", 0.6),
    ("Offender sent to prison", 0.5),
    ("Offender fined", 0.4),
    ("Offender given community sentence", 0.3),
    ("Suspect charged as part of another case", 0.1),
    ("Offender given suspended prison sentence", 0.1),
    ("Offender given conditional discharge", 0.1),
)
#: What a recent month's crimes mostly show: still open.
RECENT_OUTCOMES: tuple[tuple[str, float], ...] = (
    ("Under investigation", 45.0),
    ("Investigation complete; no suspect identified", 30.0),
    ("Unable to prosecute suspect", 20.0),
    ("Awaiting court outcome", 3.0),
    ("Status update unavailable", 2.0),
)
PLACES = (
    "Supermarket", "Parking Area", "Petrol Station", "Shopping Area", "Sports/Recreation Area",
    "Pedestrian Subway", "Nightclub", "Park/Open Space", "Further/Higher Educational Building",
    "Hospital", "Police Station", "Theatre/Concert Hall", "Conference/Exhibition Centre",
    "Bus/Coach Station", "Railway Station",
)  # fmt: skip
STREETS = (
    "High Street", "Station Road", "Church Lane", "Mill Lane", "London Road", "Victoria Road",
    "Green Lane", "Manor Road", "Park Road", "Queens Road", "Kings Road", "New Road",
    "School Lane", "The Street", "North Street", "Springfield Road", "Church Street",
    "Grange Road", "Alexandra Road", "Main Street", "West Street", "York Road", "Chapel Lane",
    "Orchard Close", "Willow Drive", "The Crescent", "Mill Road", "Albert Road",
    "Windsor Road", "Richmond Road", "Highfield Road", "Stanley Road", "The Avenue",
    "Brook Street", "Castle Street", "Market Place", "Oak Avenue", "Beech Grove", "Elm Close",
    "Meadow Way", "Bridge Street", "Cedar Close", "Hillside", "Southfield Road",
    "Birch Close", "Moorland Road", "Rectory Lane", "Fore Street", "Chestnut Avenue",
)  # fmt: skip


@dataclass(frozen=True)
class Force:
    code: str
    slug: str
    name: str  # data.police.uk's name: Reported by, Falls within
    population: int
    lsoas: int


def month_list(end_month: str, months: int) -> list[str]:
    """The `months` months `YYYY-MM` ending at `end_month`, oldest first."""
    y, m = int(end_month[:4]), int(end_month[5:7])
    index = y * 12 + m - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pick(u: str, choices: tuple[tuple[str, float], ...] | tuple[str, ...]) -> str:
    """SQL choosing one of `choices` from a uniform [0, 1) expression `u`: a CASE over the
    cumulative shares (weighted), or a list index (equal shares)."""
    if isinstance(choices[0], str):
        items = ", ".join(_sql_str(c) for c in choices)
        return f"([{items}])[1 + floor(({u}) * {len(choices)})::INTEGER]"
    total = sum(w for _, w in choices)
    cum, arms = 0.0, []
    for name, weight in choices[:-1]:
        cum += weight / total
        arms.append(f"WHEN {u} < {cum:.6f} THEN {_sql_str(name)}")
    return f"CASE {' '.join(arms)} ELSE {_sql_str(choices[-1][0])} END"


def _u(seed: int, *parts: str) -> str:
    """A uniform [0, 1) from DuckDB's 64-bit hash of the seed and the parts."""
    return f"(hash({seed}, {', '.join(parts)}) % 1000000007)::DOUBLE / 1000000007"


def forces(con: duckdb.DuckDBPyConnection, seeds: Path = SEEDS) -> list[Force]:
    """The English forces of the seeds (those with a slug), with their data.police.uk name,
    mid-2020 population and number of LSOAs."""
    rows = con.execute(
        f"""
        SELECT f.force_code, f.police_uk_name, p.population, count(a.lsoa_code)
        FROM read_csv('{seeds / "forces.csv"}', all_varchar = true) f
        JOIN read_csv('{seeds / "population.csv"}', all_varchar = true) p
          ON p.area_code = f.force_code AND p.area_type = 'force' AND p.year = '2020'
        JOIN read_csv('{seeds / "areas.csv"}', all_varchar = true) a
          ON a.force_code = f.force_code
        GROUP BY ALL ORDER BY f.force_code
        """
    ).fetchall()
    return [
        Force(code, FORCES[code][0], name, int(pop), n)
        for code, name, pop, n in rows
        if code in FORCES
    ]


def _setup(con: duckdb.DuckDBPyConnection, chosen: list[Force], seed: int, seeds: Path) -> None:
    """Temp tables: the chosen forces and their LSOAs, each LSOA numbered within its force
    in a seeded order (`k`, 0 = the busiest) with a fixed point."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _force (code VARCHAR, lat DOUBLE, lon DOUBLE, spread DOUBLE)"
    )
    con.executemany(
        "INSERT INTO _force VALUES (?, ?, ?, ?)",
        [(f.code, *FORCES[f.code][1:]) for f in chosen],
    )
    lat, lon = _u(seed, "a.lsoa_code", "'lat'"), _u(seed, "a.lsoa_code", "'lon'")
    street = _pick(_u(seed, "a.lsoa_code", "'street'"), STREETS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lsoa AS
        SELECT a.force_code, a.lsoa_code, a.lsoa_name,
               (row_number() OVER (PARTITION BY a.force_code
                                   ORDER BY hash({seed}, a.lsoa_code), a.lsoa_code)
                - 1)::INTEGER AS k,
               (row_number() OVER (PARTITION BY a.force_code
                                   ORDER BY a.lsoa_name, a.lsoa_code))::INTEGER AS name_rank,
               f.lat + f.spread * (2 * {lat} - 1) AS lat,
               f.lon + 1.6 * f.spread * (2 * {lon} - 1) AS lon,
               {street} AS street
        FROM read_csv('{seeds / "areas.csv"}', all_varchar = true) a
        JOIN _force f ON f.code = a.force_code
        """
    )


def file_rows(force: Force, month: str, england_population: int, scale: float, seed: int) -> int:
    """Rows of one force's file for one month: its population share of England's monthly
    volume, times a force rate (0.8-1.25), a summer peak (+-8%), a drift by year (+-6%)
    and month noise (+-4%); deterministic."""

    def u(*parts: object) -> float:
        digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    y, m = int(month[:4]), int(month[5:7])
    rate = 0.8 + 0.45 * u(force.code, "rate")
    season = 1 + 0.08 * math.sin(2 * math.pi * (m - 4) / 12)
    drift = 1 + 0.06 * (2 * u(force.code, y, "year") - 1) + 0.01 * (y - 2020)
    noise = 1 + 0.04 * (2 * u(force.code, month, "noise") - 1)
    share = force.population / england_population
    return max(1, round(ENGLAND_ROWS_PER_MONTH * scale * share * rate * season * drift * noise))


def file_sql(force: Force, month: str, rows: int, recent: bool, seed: int) -> str:
    """The SELECT of one file, in the published column order, ordered as the real files
    (by LSOA name, located rows first, then crime type)."""
    code = _sql_str(force.code)
    fm = f"{code}, {_sql_str(month)}, i"

    def u(tag: str) -> str:  # a uniform for this row
        return _u(seed, fm, f"'{tag}'")

    asb_u, noloc_u = _u(seed, code, "'asb'"), _u(seed, code, "'noloc'")
    asb_rate = f"(0.25 + 0.08 * {asb_u})"
    noloc_rate = f"(0.015 + 0.045 * {noloc_u})"
    crime_type = _pick(u("type"), CRIME_MIX)
    outcome = _pick(u("outcome"), RECENT_OUTCOMES if recent else OUTCOMES)
    crime_id = " || ".join(f"printf('%016x', hash({seed}, {fm}, 'id', {j}))" for j in range(4))
    where = _pick(u("where"), PLACES)
    # The busiest LSOAs first: k = lsoas * u^1.7 piles rows on the low k (town centres).
    k = f"least(floor({force.lsoas} * pow({u('lsoa')}, 1.7))::INTEGER, {force.lsoas - 1})"
    name = _sql_str(force.name)
    return f"""
        WITH r AS (
            SELECT i,
                   {u("asb?")} < {asb_rate} AS asb,
                   {u("noloc?")} < {noloc_rate} AS noloc,
                   {k} AS k,
                   {u("near")} < 0.45 AS at_place
            FROM range({rows}) t(i)
        )
        SELECT
            CASE WHEN asb THEN NULL ELSE {crime_id} END AS "Crime ID",
            {_sql_str(month)} AS "Month",
            {name} AS "Reported by",
            {name} AS "Falls within",
            CASE WHEN noloc THEN NULL
                 ELSE printf('%.6f', l.lon + 0.004 * (2 * {u("x")} - 1)) END AS "Longitude",
            CASE WHEN noloc THEN NULL
                 ELSE printf('%.6f', l.lat + 0.003 * (2 * {u("y")} - 1)) END AS "Latitude",
            CASE WHEN noloc THEN 'No Location'
                 WHEN at_place THEN 'On or near ' || {where}
                 ELSE 'On or near ' || l.street END AS "Location",
            CASE WHEN noloc THEN NULL ELSE l.lsoa_code END AS "LSOA code",
            CASE WHEN noloc THEN NULL ELSE l.lsoa_name END AS "LSOA name",
            CASE WHEN asb THEN 'Anti-social behaviour' ELSE {crime_type} END AS "Crime type",
            CASE WHEN asb THEN NULL ELSE {outcome} END AS "Last outcome category",
            NULL::VARCHAR AS "Context"
        FROM r JOIN _lsoa l ON l.force_code = {_sql_str(force.code)} AND l.k = r.k
        ORDER BY noloc, l.name_rank, "Crime type", i
    """


_WORKER: dict[str, object] = {}


def _write_files(task: tuple) -> list[tuple[Path, int]]:
    """In a worker process: write one chunk of files (same force, consecutive months) with
    the process's own single-threaded DuckDB (faster than one multi-threaded DuckDB on
    files this small); each file depends on its arguments only."""
    chosen, seed, seeds, out, england, scale, force, months = task
    con = _WORKER.get("con")
    if con is None:
        con = _WORKER["con"] = duckdb.connect()
        con.execute("SET threads = 1")
        _setup(con, chosen, seed, seeds)
    written = []
    for month, recent in months:
        rows = file_rows(force, month, england, scale, seed)
        path = Path(out) / f"{month}-{force.slug}-street.csv"
        sql = file_sql(force, month, rows, recent, seed)
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER, DELIMITER ',')")
        written.append((path, rows))
    return written


def generate(
    out: Path,
    months: int = 120,
    end_month: str = "2025-12",
    force_slugs: list[str] | None = None,
    scale: float = 1.0,
    seed: int = 20260101,
    seeds: Path = SEEDS,
    workers: int | None = None,
    progress: bool = False,
    counts: dict[Path, int] | None = None,
) -> list[Path]:
    """Write every chosen force's file for each month into `out`; their paths, in name
    order. `force_slugs` (data.police.uk slugs: `kent`, `city-of-london`) limits the forces
    (default: all 39 English forces). `workers` processes (default: one per CPU) write
    them, a year of one force at a time. `counts`, if given, gets each file's rows."""
    out = Path(out)
    with duckdb.connect() as con:
        everyone = forces(con, seeds)
    england = sum(f.population for f in everyone)
    if force_slugs:
        by_slug = {f.slug: f for f in everyone}
        unknown = sorted(set(force_slugs) - set(by_slug))
        if unknown:
            raise ValueError(f"unknown force slug(s) {unknown}; known: {sorted(by_slug)}")
        chosen = [by_slug[s] for s in sorted(set(force_slugs))]
    else:
        chosen = everyone
    out.mkdir(parents=True, exist_ok=True)
    period = month_list(end_month, months)
    recent = [(month, n >= len(period) - 2) for n, month in enumerate(period)]
    tasks = [
        (chosen, seed, seeds, out, england, scale, force, recent[i : i + 12])
        for force in sorted(chosen, key=lambda f: -f.population)
        for i in range(0, len(recent), 12)
    ]
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    started = time.monotonic()
    paths: list[Path] = []
    rows = 0
    if workers == 1:
        results = map(_write_files, tasks)
        try:
            for chunk in results:
                paths += [p for p, _ in chunk]
                if counts is not None:
                    counts.update(chunk)
        finally:
            con = _WORKER.pop("con", None)
            if con is not None:
                con.close()
        return sorted(paths)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk in pool.map(_write_files, tasks):
            paths += [p for p, _ in chunk]
            rows += sum(n for _, n in chunk)
            if counts is not None:
                counts.update(chunk)
            if progress:
                print(
                    f"  {len(paths)} / {len(chosen) * len(period)} files, "
                    f"{rows:,} rows ({time.monotonic() - started:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    return sorted(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the files")
    parser.add_argument("--months", type=int, default=120, help="months per force (120)")
    parser.add_argument("--end-month", default="2025-12", help="last month, YYYY-MM (2025-12)")
    parser.add_argument(
        "--forces", help="comma-separated data.police.uk slugs (kent,cumbria); default all"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1.0)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--workers", type=int, help="writer processes (default: one per CPU)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    slugs = [s.strip() for s in args.forces.split(",") if s.strip()] if args.forces else None
    paths = generate(
        args.out,
        args.months,
        args.end_month,
        slugs,
        args.scale,
        args.seed,
        workers=args.workers,
        progress=True,
    )
    size = sum(p.stat().st_size for p in paths)
    print(
        f"{len(paths)} files, {size / 2**20:,.0f} MiB in {args.out} "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
