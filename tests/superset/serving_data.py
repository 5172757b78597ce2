"""A small serving file with the published scorecard's columns, for the Superset tests.

Two demo CSPs (Milton Keynes, Medway) and their forces, every crime measure, April 2024
to September 2026, built with DuckDB SQL and swapped in with os.replace like the
pipeline's publish. `bump` changes every count so a test can tell two builds apart.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

AREAS = [
    # area_code, area_name, area_type, population, households, base monthly all_crime
    ("E22000307", "Milton Keynes", "csp", 287000, 117000, 2100),
    ("E22000143", "Medway", "csp", 282000, 113000, 2300),
    ("E23000043", "Thames Valley", "force", 2450000, 1000000, 16000),
    ("E23000032", "Kent", "force", 1900000, 800000, 14000),
]
LSOAS = {
    "E22000307": [
        ("E01016700", "Milton Keynes 001A"),
        ("E01016701", "Milton Keynes 001B"),
        ("E01016702", "Milton Keynes 002A"),
        ("E01016703", "Milton Keynes 003C"),
    ],
    "E22000143": [
        ("E01016000", "Medway 001A"),
        ("E01016001", "Medway 002B"),
        ("E01016002", "Medway 003A"),
        ("E01016003", "Medway 004D"),
    ],
}
# measure_code, measure_name, share of all_crime, rate denominator, rate per
MEASURES = [
    ("all_crime", "All police recorded crime (excluding ASB incidents)", 1.0, "population", 1000),
    ("sac", "Serious acquisitive crime", 0.12, "population", 1000),
    ("domestic_burglary", "Domestic burglary", 0.04, "households", 1000),
    ("vehicle_crime", "Vehicle crime", 0.07, "households", 1000),
    ("public_place_violence", "Public place violence", 0.10, None, None),
    ("robbery_personal", "Robbery of personal property", 0.01, None, None),
    ("violence_with_injury", "Violence with injury", 0.09, None, None),
    ("violence_without_injury", "Violence without injury", 0.14, None, None),
    ("criminal_damage", "Criminal damage and arson", 0.10, None, None),
    ("hate_crime_total", "Hate crime (all strands)", 0.025, "population", 100000),
    ("hate_crime_race", "Hate crime - race", 0.017, "population", 100000),
    ("hate_crime_religion", "Hate crime - religion", 0.002, "population", 100000),
    ("hate_crime_disability", "Hate crime - disability", 0.003, "population", 100000),
    (
        "hate_crime_sexual_orientation",
        "Hate crime - sexual orientation",
        0.003,
        "population",
        100000,
    ),
    ("hate_crime_transgender", "Hate crime - transgender", 0.001, "population", 100000),
    ("asb_police", "ASB incidents reported to the police", 0.45, None, None),
]


def build_serving(
    path: Path, bump: int = 0, start: str = "2024-04-01", end: str = "2026-09-01"
) -> Path:
    """Write a serving file at `path` (atomically: temp file then os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    con = duckdb.connect(str(tmp))
    try:
        con.execute(
            "CREATE TEMP TABLE areas(area_code VARCHAR, area_name VARCHAR, area_type VARCHAR,"
            " population BIGINT, households BIGINT, base INTEGER)"
        )
        con.executemany("INSERT INTO areas VALUES (?, ?, ?, ?, ?, ?)", AREAS)
        con.execute(
            "CREATE TEMP TABLE measures(measure_code VARCHAR, measure_name VARCHAR,"
            " share DOUBLE, rate_denominator VARCHAR, rate_per INTEGER)"
        )
        con.executemany("INSERT INTO measures VALUES (?, ?, ?, ?, ?)", MEASURES)
        con.execute(
            f"""
            CREATE TABLE main.dim_date AS
            SELECT m::DATE AS period_month,
                   CASE WHEN month(m) >= 4 THEN year(m) ELSE year(m) - 1 END AS fy_start_year,
                   printf('%d/%02d', fy_start_year, (fy_start_year + 1) % 100) AS financial_year,
                   ((month(m) + 8) % 12) + 1 AS fy_month,
                   strftime(m, '%b %Y') AS month_label
            FROM range(DATE '{start}', DATE '{end}' + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(m)
            """
        )
        con.execute(
            "CREATE TABLE main.dim_area AS SELECT area_code, area_name, area_type, population,"
            " households FROM areas"
        )
        con.execute(
            f"""
            CREATE TEMP TABLE counts AS
            SELECT a.area_code, a.area_name, a.area_type, d.period_month, d.financial_year,
                   d.fy_start_year, d.fy_month, ms.measure_code, ms.measure_name,
                   ms.rate_denominator, ms.rate_per,
                   CASE ms.rate_denominator WHEN 'population' THEN a.population
                        WHEN 'households' THEN a.households END AS denominator,
                   greatest(0, round(a.base * ms.share
                        * (1 + 0.12 * sin(month(d.period_month) / 12.0 * 2 * pi()))
                        * (1 - 0.03 * (d.fy_start_year - 2024))
                        + (hash(a.area_code, ms.measure_code, d.period_month) % 7) - 3))::BIGINT
                        + {int(bump)} AS count
            FROM areas a CROSS JOIN main.dim_date d CROSS JOIN measures ms
            """
        )
        con.execute(
            """
            CREATE TABLE main.scorecard AS
            WITH y AS (
                SELECT c.*,
                       (sum(count) OVER (PARTITION BY area_code, measure_code, financial_year
                                         ORDER BY period_month))::BIGINT AS ytd_count,
                       lag(count) OVER (PARTITION BY area_code, measure_code
                                        ORDER BY period_month) AS previous_month_count
                FROM counts c
            )
            SELECT y.measure_code, y.measure_name, y.area_code, y.area_name, y.area_type,
                   y.period_month, y.financial_year, y.count,
                   y.denominator::DOUBLE AS denominator,
                   CASE WHEN y.denominator IS NOT NULL
                        THEN y.ytd_count / y.denominator * y.rate_per END AS value,
                   CASE WHEN y.rate_per IS NULL THEN 'count'
                        ELSE printf('per %,d %s', y.rate_per, y.rate_denominator) END AS unit,
                   y.ytd_count, ly.ytd_count AS ytd_count_last_year,
                   round((y.ytd_count - ly.ytd_count) / nullif(ly.ytd_count, 0) * 100, 6)
                       AS ytd_change_pct,
                   CASE WHEN y.previous_month_count IS NULL THEN NULL
                        WHEN y.count > y.previous_month_count THEN 'up'
                        WHEN y.count < y.previous_month_count THEN 'down' ELSE 'same' END
                       AS direction,
                   y.previous_month_count,
                   'police_crime' AS source,
                   TIMESTAMP '2026-10-05 06:00:00' AS loaded_at,
                   NULL::DOUBLE AS target, NULL::VARCHAR AS rag, NULL::VARCHAR AS rag_reason,
                   NULL::DOUBLE AS ci_lower, NULL::DOUBLE AS ci_upper,
                   NULL::VARCHAR AS significance
            FROM y LEFT JOIN y AS ly
              ON ly.area_code = y.area_code AND ly.measure_code = y.measure_code
             AND ly.period_month = y.period_month - INTERVAL 1 YEAR
            ORDER BY y.area_code, y.measure_code, y.period_month
            """
        )
        rows = [
            (lsoa, name, csp, i)
            for csp, lsoas in LSOAS.items()
            for i, (lsoa, name) in enumerate(lsoas)
        ]
        con.execute(
            "CREATE TEMP TABLE lsoas(lsoa_code VARCHAR, lsoa_name VARCHAR, csp_code VARCHAR,"
            " i INTEGER)"
        )
        con.executemany("INSERT INTO lsoas VALUES (?, ?, ?, ?)", rows)
        con.execute(
            """
            CREATE TABLE main.crime_by_lsoa_month AS
            SELECT l.lsoa_code, l.lsoa_name, l.csp_code, s.area_name AS csp_name,
                   s.period_month, s.financial_year, s.measure_code, s.measure_name,
                   (s.count * (l.i + 1) // 10)::BIGINT AS count
            FROM lsoas l JOIN main.scorecard s ON s.area_code = l.csp_code
            WHERE s.measure_code IN ('all_crime', 'sac', 'public_place_violence', 'asb_police')
            """
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    import sys

    print(build_serving(Path(sys.argv[1]), bump=int(sys.argv[2]) if len(sys.argv) > 2 else 0))
