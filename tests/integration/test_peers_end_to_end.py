"""Peer ranking (Most Similar Group), end to end from the Home Office table of police recorded
crime by CSP in its published shape (issue 12, part 4).

Milton Keynes' group (seeds/most_similar_groups.csv: 15 CSPs, itself included) is sent as the
Home Office publishes it: a CSV of 2019/20 quarter 3, and a workbook with a notes sheet and one
sheet per financial year (2019/20: quarter 4; 2020/21: quarter 1), CSPs by name, one row per
offence code. `csp build` (ingest, dbt, publish) runs in this process and the figures are read
from the published serving file. Every expected figure is computed here from the rows written
and the definition (measures.md "Comparing with peers" and "Rates"): a measure's count is the
sum of the offences of its Home Office groups and subgroups; the rate is the count over the
CSP's ONS mid-year population (seeds/population.csv) of the year the quarter's financial year
starts in, × 1,000; the rank is 1 + the members with a lower rate (1 = the lowest). The counts
are made so that Milton Keynes' all-crime rate is 14th of 15 in 2019/20 Q3 and 13th in Q4, as
seed 000 reports ("All crime ... 14 13").
"""

from __future__ import annotations

import csv
import statistics
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest
from build_support import build_env

from ingest.contracts import get_contract
from orchestration import build

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
MK, MEDWAY = "E22000307", "E22000143"
KEY = "peers-worked-example-key"
HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
# Home Office offences written for every CSP: (code, description, group, subgroup)
OFFENCES = [
    ("8N", "Assault with injury", "Violence against the person", "Violence with injury"),
    ("105A", "Assault without injury", "Violence against the person", "Violence without injury"),
    ("8L", "Harassment", "Violence against the person", "Stalking and harassment"),
    ("28E", "Burglary - residential", "Theft offences", "Residential burglary"),
    ("30C", "Burglary - business and community", "Theft offences", "Non-residential burglary"),
    ("45", "Theft from a vehicle", "Theft offences", "Vehicle offences"),
    ("58D", "Other criminal damage", "Criminal damage and arson", "Criminal damage"),
    ("56B", "Arson not endangering life", "Criminal damage and arson", "Arson"),
    ("9A", "Public fear, alarm or distress", "Public order offences", "Public order offences"),
]
# Which rows count into a measure, by the catalogue's definitions (measure-catalogue.md)
MEASURES = {
    "all_crime": lambda group, subgroup: True,
    "violence_with_injury": lambda group, subgroup: subgroup == "Violence with injury",
    "burglary": lambda group, subgroup: (
        subgroup in ("Residential burglary", "Non-residential burglary")
    ),
    "criminal_damage": lambda group, subgroup: group == "Criminal damage and arson",
    "vehicle_crime": lambda group, subgroup: subgroup == "Vehicle offences",
    "public_order": lambda group, subgroup: group == "Public order offences",
}
# (financial year, quarter, the quarter's last month)
Q3, Q4, Q1 = ("2019/20", 3, "2019-12"), ("2019/20", 4, "2020-03"), ("2020/21", 1, "2020-06")
FY_START = {"2019/20": 2019, "2020/21": 2020}


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _group() -> list[str]:
    return sorted(
        r["peer_csp_code"] for r in _seed("most_similar_groups.csv") if r["csp_code"] == MK
    )


def _names() -> dict[str, tuple[str, str]]:
    return {r["csp_code"]: (r["csp_name"], r["force_name"]) for r in _seed("areas.csv")}


def _population() -> dict[tuple[str, int], int]:
    return {
        (r["area_code"], int(r["year"])): int(r["population"])
        for r in _seed("population.csv")
        if r["area_type"] == "csp" and r["population"]
    }


def _all_crime_rates(quarter: tuple) -> dict[str, float]:
    """Target all-crime rates per 1,000 of the group: Milton Keynes the 2nd highest in Q3, the
    3rd highest in Q4 (of 15); the others spread from 15 to 29 per 1,000."""
    group = _group()
    peers = [c for c in group if c != MK]
    rates = {c: 15.0 + i for i, c in enumerate(peers)}  # 15 .. 28
    if quarter == Q3:
        rates[MK] = 27.5  # above 13 peers, below the one at 28: 14th
    elif quarter == Q4:
        rates[MK] = 26.5  # below 27 and 28: 13th
    else:
        rates[MK] = 15.5  # 2nd
    return rates


def _rows(quarter: tuple) -> list[list]:
    """The published rows of one quarter for the group: each CSP's all crime (its target rate
    × its population) split over the offences, the split varying by CSP."""
    fy, q, _ = quarter
    names, population = _names(), _population()
    out = []
    for i, code in enumerate(_group()):
        total = round(_all_crime_rates(quarter)[code] * population[(code, FY_START[fy])] / 1000)
        shares = [0.18 + 0.01 * (i % 5), 0.2, 0.05, 0.06 + 0.005 * (i % 7), 0.03,
                  0.08 + 0.01 * (i % 3), 0.1 - 0.005 * (i % 4), 0.02]  # fmt: skip
        counts = [int(total * s) for s in shares]
        counts.append(total - sum(counts))  # public order: the rest
        csp_name, force = names[code]
        for (off_code, desc, group, subgroup), n in zip(OFFENCES, counts, strict=True):
            out.append([fy, q, force, csp_name, desc, group, subgroup, off_code, n])
    return out


def _expected(csp: str, measure: str, quarter: tuple) -> dict:
    """The peer figures of `csp` for `measure` in `quarter`, from the rows written."""
    fy, _, _ = quarter
    name_to_code = {name: code for code, (name, _) in _names().items()}
    population = _population()
    counts: dict[str, int] = {}
    for row in _rows(quarter):
        code = name_to_code[row[3]]
        if MEASURES[measure](row[5], row[6]):
            counts[code] = counts.get(code, 0) + row[8]
        else:
            counts.setdefault(code, 0)
    group = [r["peer_csp_code"] for r in _seed("most_similar_groups.csv") if r["csp_code"] == csp]
    year = FY_START[fy]
    rates = {c: counts[c] / population[(c, year)] * 1000 for c in group}
    return {
        "count": counts[csp],
        "population": population[(csp, year)],
        "population_year": year,
        "rate": rates[csp],
        "rank": 1 + sum(1 for r in rates.values() if r < rates[csp]),
        "group_size": len(group),
        "median": statistics.median(rates.values()),
    }


def _write_csv(path: Path, rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)


def _write_workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["Police recorded crime by Community Safety Partnership area"])
    notes.append(["One sheet per financial year."])
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        ws.append([f"Police recorded crime by CSP, {title}"])
        ws.append([])
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
    wb.save(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("peers")
    folder = data / "landing" / "ons_csp_crime"
    _write_csv(folder / "2019-20-Q3-ons-csp-crime.csv", _rows(Q3))
    _write_workbook(folder / "prc-csp-tables.xlsx", {"2019-20": _rows(Q4), "2020-21": _rows(Q1)})
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        assert build.main([]) == 0
        yield data


def _published(data: Path, csp: str) -> dict[tuple[str, str], dict]:
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        cur = con.execute(
            "SELECT *, strftime(period_month, '%Y-%m') AS month FROM main.peer_ranking "
            "WHERE area_code = ?",
            [csp],
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    return {(r["measure_code"], r["month"]): r for r in rows}


def test_the_group_is_fifteen_csps_with_milton_keynes_among_them():
    group = _group()
    assert len(group) == 15 and MK in group and MEDWAY in group


def test_seed_000_all_crime_ranked_14th_last_quarter_and_13th_this_quarter(built):
    # the design, checked from the rows written (not from the targets)
    assert _expected(MK, "all_crime", Q3)["rank"] == 14
    assert _expected(MK, "all_crime", Q4)["rank"] == 13
    row = _published(built, MK)[("all_crime", "2020-03")]
    assert (row["rank_in_group"], row["group_size"], row["rank_in_group_last_quarter"]) == (
        13,
        15,
        14,
    )
    assert row["group_members"] == 15 and row["group_size_last_quarter"] == 15
    assert (row["financial_year"], row["financial_quarter"], row["period_type"]) == (
        "2019/20",
        4,
        "quarter",
    )


@pytest.mark.parametrize("csp", [MK, MEDWAY])
@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_counts_rates_ranks_and_medians_from_the_definition(built, csp, measure):
    published = _published(built, csp)
    for quarter, last in ((Q3, None), (Q4, Q3), (Q1, Q4)):
        want = _expected(csp, measure, quarter)
        row = published[(measure, quarter[2])]
        assert row["count"] == want["count"], (measure, quarter)
        assert row["population"] == want["population"]
        # January-March 2020 is FY 2019/20: mid-2019, not mid-2020
        assert row["population_year"] == want["population_year"]
        assert row["rate_per_1000"] == pytest.approx(want["rate"], rel=1e-12)
        assert row["rank_in_group"] == want["rank"], (measure, quarter)
        assert row["group_size"] == want["group_size"]
        assert row["group_median_rate_per_1000"] == pytest.approx(want["median"], rel=1e-12)
        if last is None:
            assert row["rank_in_group_last_quarter"] is None
        else:
            before = _expected(csp, measure, last)
            assert row["rank_in_group_last_quarter"] == before["rank"]
            assert row["rate_per_1000_last_quarter"] == pytest.approx(before["rate"], rel=1e-12)
        assert row["source"] == "ons_csp_crime"


def test_only_csps_with_a_group_are_ranked(built):
    con = duckdb.connect(str(built / "serving.duckdb"), read_only=True)
    try:
        ranked = {
            r[0] for r in con.execute("SELECT DISTINCT area_code FROM main.peer_ranking").fetchall()
        }
        rows = con.execute("SELECT count(*) FROM main.peer_ranking").fetchone()[0]
    finally:
        con.close()
    with_group = {r["csp_code"] for r in _seed("most_similar_groups.csv")}
    # the files hold the 15 CSPs of Milton Keynes' group; of them, those with a group
    assert ranked == with_group & set(_group())
    measures = {r["measure_code"] for r in _seed("ons_offence_measures.csv")}
    assert rows == len(ranked) * len(measures) * 3


def test_source_status_has_each_quarter_of_the_ranked_csps(built):
    con = duckdb.connect(str(built / "serving.duckdb"), read_only=True)
    try:
        row = con.execute(
            "SELECT last_period_received, last_file, cadence, next_period_due, expected_by "
            "FROM main.source_status WHERE source = 'ons_csp_crime' AND area_code = ?",
            [MK],
        ).fetchone()
    finally:
        con.close()
    assert str(row[0]) == "2020-06-01" and row[1] == "prc-csp-tables.xlsx"
    assert row[2] == "quarterly"
    # the next quarter (July-September 2020) is due at its end plus the contract's lag
    lag = get_contract("ons_csp_crime").lag_days
    assert str(row[3]) == "2020-09-01"
    assert row[4] == date(2020, 9, 30) + timedelta(days=lag)
