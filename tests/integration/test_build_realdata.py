"""`csp build` with only the eleven real data.police.uk files in the landing folder.

Every file's month must give, for Milton Keynes, Medway and the file's force, every measure
the catalogue counts from data.police.uk (all crime, ASB, the 13 published categories)
equal to an independent count of the CSV (the csv module, never the loader), with no NULL
count; the rows without an LSOA must be kept at force level and reported, never dropped;
the rates of Milton Keynes and Medway use the ONS mid-year estimate of the FY's first year.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt_support import SEEDS, police_uk_measures

from orchestration import build

pytestmark = pytest.mark.slow

CSPS = {"E22000307": "Milton Keynes", "E22000143": "Medway"}
FORCES = {"thames-valley": "E23000029", "kent": "E23000032"}


def _categories() -> dict[str, str | None]:
    """code -> the data.police.uk category its catalogue rule counts ('ASB', None = all crime)."""
    out: dict[str, str | None] = {}
    for code, rule in police_uk_measures().items():
        m = re.fullmatch(r"police_uk_crime_type = '([^']+)'", rule)
        out[code] = m.group(1) if m else {"not is_asb": None, "is_asb": "ASB"}[rule]
    return out


def _count_file(path: Path) -> Counter:
    """(area, measure) -> rows, counted straight from the CSV."""
    categories = _categories()
    counts: Counter = Counter()
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            asb = row["Crime type"] == "Anti-social behaviour"
            areas = ["force"] + [
                code for code, district in CSPS.items()
                if row["LSOA name"].startswith(district + " ")
            ]  # fmt: skip
            if not row["LSOA code"]:
                counts[("force", "no_lsoa")] += 1
            for measure, category in categories.items():
                if (category == "ASB" and asb) or (
                    not asb and category in (None, row["Crime type"])
                ):
                    for area in areas:
                        counts[(area, measure)] += 1
    return counts


def test_real_files_only_give_independent_counts(csp_env, realdata_dir, monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    folder = csp_env / "landing" / "police_street"
    folder.mkdir(parents=True)
    files = sorted((realdata_dir / "police_uk").glob("*-street.csv"))
    assert len(files) == 11
    for f in files:
        shutil.copy(f, folder / f.name)

    assert build.main([]) == 0
    assert "result: OK" in capsys.readouterr().out

    con = duckdb.connect(str(csp_env / "serving.duckdb"), read_only=True)
    try:
        scorecard = {
            (area, measure, month): count
            for area, measure, month, count in con.execute(
                "SELECT area_code, measure_code, period_month, count FROM main.scorecard"
            ).fetchall()
        }
        denominators = set(
            con.execute(
                "SELECT area_code, denominator, denominator_year FROM main.scorecard "
                "WHERE measure_code = 'all_crime' AND area_type = 'csp' AND area_code IN (?, ?) "
                "AND count IS NOT NULL",
                list(CSPS),
            ).fetchall()
        )
    finally:
        con.close()
    # every file is in FY 2018/19: its rates use the ONS mid-2018 estimate
    with open(SEEDS / "population.csv", newline="", encoding="utf-8") as fh:
        ons = {
            r["area_code"]: int(r["population"])
            for r in csv.DictReader(fh)
            if r["area_type"] == "csp" and r["year"] == "2018" and "ONS" in r["source"]
        }
    assert denominators == {(code, ons[code], 2018) for code in CSPS}

    checked = 0
    no_lsoa_total = 0
    for f in files:
        year, month, force_slug = f.name[:4], f.name[5:7], f.name[8:].removesuffix("-street.csv")
        period = date(int(year), int(month), 1)
        counts = _count_file(f)
        force_code = FORCES[force_slug]
        for measure in _categories():
            # the force level keeps every published row, with or without an LSOA
            assert scorecard[(force_code, measure, period)] == counts[("force", measure)], f.name
            for code in CSPS:
                if FORCES["thames-valley" if code == "E22000307" else "kent"] != force_code:
                    continue
                assert scorecard[(code, measure, period)] == counts[(code, measure)], (
                    f.name,
                    code,
                    measure,
                )
                checked += 1
        no_lsoa_total += counts[("force", "no_lsoa")]
    # 11 files x 15 measures, each for the CSP in that file's force
    assert checked == 11 * len(_categories()) == 11 * 15

    # the rows without an LSOA are reported by the load, one warning per file that has them
    wh = duckdb.connect(str(csp_env / "warehouse.duckdb"), read_only=True)
    try:
        raw_no_lsoa = wh.execute(
            "SELECT count(*) FROM raw.police_street WHERE lsoa_code IS NULL"
        ).fetchone()[0]
        warned = wh.execute(
            "SELECT count(*) FROM raw._loads WHERE status = 'loaded' AND "
            "len(list_filter(warnings, w -> w LIKE '%no LSOA code%')) > 0"
        ).fetchone()[0]
    finally:
        wh.close()
    assert raw_no_lsoa == no_lsoa_total > 0
    assert warned == 11
