"""Reoffending and IOM, end to end from partner files (issue 11).

Seed 000's IOM scorecard for Milton Keynes, 2011/12, is rebuilt as the partners would send
it: the IOM team's four quarterly cohort snapshots, the monthly conviction files of 2010/11
and 2011/12, and probation's assessments of June 2011. `csp build` (ingest, dbt, publish)
runs in this process; the figures are read from the published serving file. Every expected
figure is counted here from the files by the catalogue's definition, and the seed's own
figures are asserted beside it:

- the cohort on the scheme at each quarter's end (115, 124, 112, 110), after 24/24/45/27
  selections and 12/15/57/29 removals;
- the cohort's convictions in each quarter against the same offenders' in the same quarter
  of 2010/11 (105→50 −52.4%, 103→74, 131→65, 37→77 +108.1%; the year 376→266 −29.3%). By
  the catalogue's rule, convictions of offenders not on the scheme at the quarter's end
  (removed, or never selected) are not counted, and a cohort member's convictions before
  his selection are (both sides of the comparison are the same people);
- the cost of offending: the hand sum of the Home Office unit costs of seeds/cost_of_crime.csv
  over the counted convictions (no data while a counted conviction's category has no
  figures);
- criminogenic needs: 47 initial assessments by the "Milton Keynes" team, 11 with a
  section-3 need, 23.4% (terminations and the IOM team's assessments in the same file are
  rows of their own);
- no raw offender reference anywhere in the warehouse or the serving file.
"""

from __future__ import annotations

import csv
import math
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from build_support import build_env, published_scorecard

from orchestration import build

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CSP = "E22000307"  # Milton Keynes
SLUG = "milton-keynes"
KEY = "iom-worked-example-key"
FY = 2011  # 2011/12
# seed 000, "IOM Scorecard", Milton Keynes: quarter -> figure
SELECTED = {1: 24, 2: 24, 3: 45, 4: 27}
REMOVED = {1: 12, 2: 15, 3: 57, 4: 29}
ON_SCHEME = {1: 115, 2: 124, 3: 112, 4: 110}
LAST_FY = {1: 105, 2: 103, 3: 131, 4: 37}  # "Number of Convictions in 2010/11 in Quarter"
THIS_FY = {1: 50, 2: 74, 3: 65, 4: 77}  # "Convictions in Quarter - 2011/12"
CODES = ["28E", "8N", "105A", "49", "46", "58D"]  # Home Office offence codes, in turn


def _quarter(fy: int, q: int) -> tuple[date, date]:
    start = date(fy + (q == 4), 1 + (3 * (q - 1) + 3) % 12, 1)
    end_month = start.month + 2
    end = date(start.year, end_month, 28) + timedelta(days=4)
    return start, end - timedelta(days=end.day)


def _month(d: date) -> str:
    return d.strftime("%Y-%m")


class Offender:
    def __init__(self, ref: str, selected: date, removed: date | None = None) -> None:
        self.ref, self.selected, self.removed = ref, selected, removed

    def on_at(self, day: date) -> bool:
        return self.selected <= day and (self.removed is None or self.removed > day)


def _scheme() -> tuple[list[Offender], list[Offender], dict[str, list[Offender]]]:
    """The offenders ever on the scheme (50 never removed), those never on it, and the special
    groups of Q3: selected in Q3 with convictions a year before (20), selected on 15 December
    with convictions earlier that quarter (5)."""
    people = [Offender(f"MKIOM-{i:04d}", date(2010, 1 + i % 9, 1 + i % 28)) for i in range(103)]
    stayers = {o.ref for o in people[:50]}
    special: dict[str, list[Offender]] = {"q3_last_fy": [], "q3_before_selection": []}
    n = 103
    for q in (1, 2, 3, 4):
        start, end = _quarter(FY, q)
        new = []
        for k in range(SELECTED[q]):
            day = start + timedelta(days=k % 80)
            if q == 3 and k < 5:
                day = date(2011, 12, 15)
            new.append(Offender(f"MKIOM-{n:04d}", day))
            n += 1
        if q == 3:
            special["q3_before_selection"] = new[:5]
            special["q3_last_fy"] = new[5:25]
        held = {o.ref for group in special.values() for o in group}
        pool = [
            o for o in people if o.on_at(start - timedelta(days=1)) and o.ref not in stayers | held
        ]
        if q == 4:  # the ordinary Q3 selections may leave in Q4
            pool += [o for o in people if o.selected >= _quarter(FY, 3)[0] and o.ref not in held]
        for i, o in enumerate(pool[: REMOVED[q]]):
            o.removed = max(start + timedelta(days=i % 80), o.selected + timedelta(days=1))
        people += new
    never = [Offender(f"MKOUT-{i:04d}", date(2099, 1, 1)) for i in range(40)]
    return people, never, special


def _convictions(
    people: list[Offender], never: list[Offender], special: dict[str, list[Offender]]
) -> list[tuple[str, str, date, str]]:
    """(conviction_ref, offender_ref, date, offence_code) for 2010/11 and 2011/12."""
    rows: list[tuple[str, date]] = []
    for q in (1, 2, 3, 4):
        for fy, total in ((FY, THIS_FY[q]), (FY - 1, LAST_FY[q])):
            start, end = _quarter(fy, q)
            _, q_end = _quarter(FY, q)
            days = (end - start).days + 1
            cohort = [o for o in people[:50]]  # the stayers: on the scheme all along
            who: list[tuple[Offender, date]] = []
            if q == 3 and fy == FY:  # before their selection on 15 December, counted
                who += [
                    (o, date(2011, 10, 5 + i)) for i, o in enumerate(special["q3_before_selection"])
                ]
            if q == 3 and fy == FY - 1:  # a year before their selection, counted
                who += [(o, start + timedelta(days=i)) for i, o in enumerate(special["q3_last_fy"])]
            while len(who) < total:
                i = len(who)
                who.append((cohort[i % len(cohort)], start + timedelta(days=(i * 7) % days)))
            # not counted: convictions of offenders off the scheme at the quarter's end
            gone = [o for o in people if o.removed and o.removed <= q_end][:7]
            if fy == FY:
                who += [(o, max(start, o.selected) + timedelta(days=3)) for o in gone]
            who += [
                (o, start + timedelta(days=10 + j)) for j, o in enumerate(never[q * 4 : q * 4 + 4])
            ]
            rows += [(o.ref, d) for o, d in who]
    rows.sort(key=lambda r: (r[1], r[0]))
    return [
        (f"CV-{d:%Y%m}-{i:05d}", ref, d, CODES[i % len(CODES)]) for i, (ref, d) in enumerate(rows)
    ]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _write_files(landing: Path, people: list[Offender], convictions: list[tuple]) -> None:
    for q in (1, 2, 3, 4):
        _, q_end = _quarter(FY, q)
        known = [o for o in people if o.selected <= q_end]
        rows = [
            [
                _month(q_end),
                o.ref,
                CSP,
                o.selected.isoformat(),
                o.removed.isoformat() if o.removed and o.removed <= q_end else "",
            ]
            for o in known
            if o.removed is None or o.removed >= date(FY - 1, 4, 1)
        ]
        _write(
            landing / "iom_cohort" / f"{FY}-{(FY + 1) % 100:02d}-Q{q}-{SLUG}-iom-cohort.csv",
            ["extract_month", "offender_ref", "csp_code", "selected_date", "removed_date"],
            rows,
        )
    by_month: dict[str, list[list]] = {}
    for ref, who, day, code in convictions:
        by_month.setdefault(_month(day), []).append([ref, who, CSP, day.isoformat(), code])
    for month, rows in by_month.items():
        _write(
            landing / "iom_convictions" / f"{month}-{SLUG}-iom-convictions.csv",
            ["conviction_ref", "offender_ref", "csp_code", "conviction_date", "offence_code"],
            rows,
        )


ASSESSMENTS = [  # (team, event_type, how many, with a section-3 need): June 2011
    ("Milton Keynes", "initial", 47, 11),
    ("Milton Keynes", "termination", 88, 8),
    ("Milton Keynes IOM", "initial", 5, 2),
]


def _write_assessments(landing: Path) -> None:
    rows, n = [], 0
    for team, kind, total, with_need in ASSESSMENTS:
        for i in range(total):
            n += 1
            needs = [
                "Y" if (s == 3 and i < with_need) or (s == 9 and i % 2) else "N"
                for s in range(3, 13)
            ]
            rows.append(
                [
                    f"PE-{n:04d}",
                    f"MKP-{n:04d}",
                    CSP,
                    team,
                    kind,
                    f"2011-06-{1 + i % 28:02d}",
                    18 + i % 50,
                    "male",
                ]
                + needs
            )
    _write(
        landing / "probation_events" / f"2011-06-{SLUG}-probation-events.csv",
        [
            "event_ref",
            "offender_ref",
            "csp_code",
            "team",
            "event_type",
            "event_date",
            "age",
            "gender",
        ]
        + [f"need_section_{s}" for s in range(3, 13)],
        rows,
    )


def _unit_costs() -> tuple[dict[str, int | None], dict[str, str]]:
    """Category -> unit cost (the sum of its items; None while any has no figure), and
    offence code -> category ('' = none), as the seeds hold them."""
    items: dict[str, list[str]] = {}
    with (REPO / "seeds/cost_of_crime.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            items.setdefault(r["cost_group"], []).append(r["unit_cost_gbp"])
    costs = {g: (sum(int(v) for v in vs) if all(vs) else None) for g, vs in items.items()}
    with (REPO / "seeds/offence_classification.csv").open(encoding="utf-8") as f:
        groups = {r["offence_code"]: r["cost_of_crime_group"] for r in csv.DictReader(f)}
    return costs, groups


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("iom")
    landing = data / "landing"
    people, never, special = _scheme()
    convictions = _convictions(people, never, special)
    _write_files(landing, people, convictions)
    _write_assessments(landing)
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        assert build.main([]) == 0
        yield data, people, never, convictions


def _counted(people: list[Offender], convictions: list[tuple], q: int) -> tuple[list, list]:
    """By the catalogue's definition: the convictions of the offenders on the scheme at the
    quarter's end, in the quarter and in the same quarter of the year before."""
    _, q_end = _quarter(FY, q)
    cohort = {o.ref for o in people if o.on_at(q_end)}
    this_start, this_end = _quarter(FY, q)
    last_start, last_end = _quarter(FY - 1, q)
    this = [c for c in convictions if c[1] in cohort and this_start <= c[2] <= this_end]
    last = [c for c in convictions if c[1] in cohort and last_start <= c[2] <= last_end]
    return this, last


def _quarter_month(q: int) -> str:
    return _month(_quarter(FY, q)[1])


def test_cohort_size_at_each_quarters_end(built):
    data, people, _, _ = built
    card = published_scorecard(data, CSP)
    for q in (1, 2, 3, 4):
        start, end = _quarter(FY, q)
        assert sum(start <= o.selected <= end for o in people) == SELECTED[q]
        assert (
            sum(o.removed is not None and start <= o.removed <= end for o in people) == REMOVED[q]
        )
        on = sum(o.on_at(end) for o in people)
        assert on == ON_SCHEME[q]
        row = card[("iom_cohort_size", _quarter_month(q))]
        assert row["count"] == on, q
        # a level: its year to date is the level now (seed 000's YTD column: 110), not a sum
        assert row["ytd_count"] == on, q
        assert row["period_type"] == "quarter" and row["source"] == "iom_cohort"


def test_seed_000_change_in_reoffending_by_quarter_and_year_to_date(built):
    data, people, _, convictions = built
    card = published_scorecard(data, CSP)
    this_ytd = last_ytd = 0
    for q in (1, 2, 3, 4):
        this, last = _counted(people, convictions, q)
        assert (len(last), len(this)) == (LAST_FY[q], THIS_FY[q])
        this_ytd, last_ytd = this_ytd + len(this), last_ytd + len(last)
        month = _quarter_month(q)
        assert card[("iom_convictions", month)]["count"] == len(this)
        change = card[("iom_reoffending_change", month)]
        assert (change["count"], change["denominator"]) == (len(this), len(last))
        assert change["value"] == pytest.approx((len(this) - len(last)) / len(last) * 100)
        assert change["source"] == "iom_cohort+iom_convictions"
        ytd = card[("iom_reoffending_change_ytd", month)]
        assert (ytd["count"], ytd["denominator"]) == (this_ytd, last_ytd)
        assert ytd["value"] == pytest.approx((this_ytd - last_ytd) / last_ytd * 100)
    # the seed's own figures, to its one decimal
    assert round(card[("iom_reoffending_change", "2011-06")]["value"], 1) == -52.4
    assert round(card[("iom_reoffending_change", "2012-03")]["value"], 1) == 108.1
    assert (this_ytd, last_ytd) == (266, 376)
    assert round(card[("iom_reoffending_change_ytd", "2012-03")]["value"], 1) == -29.3


def test_who_is_counted_outside_the_cohort_and_before_selection(built):
    data, people, never, convictions = built
    card = published_scorecard(data, CSP)
    _, q3_end = _quarter(FY, 3)
    q3_start, _ = _quarter(FY, 3)
    in_q3 = [c for c in convictions if q3_start <= c[2] <= q3_end]
    by_ref = {o.ref: o for o in people + never}
    outside = [c for c in in_q3 if not by_ref[c[1]].on_at(q3_end)]
    before = [c for c in in_q3 if by_ref[c[1]].on_at(q3_end) and c[2] < by_ref[c[1]].selected]
    # the files hold both kinds; the scorecard leaves out the first and counts the second
    assert len(outside) >= 10 and len(before) == 5
    assert card[("iom_convictions", "2011-12")]["count"] == len(in_q3) - len(outside) == 65
    # the comparison: 20 of the 131 are a year before the offender's selection, counted
    last_start, last_end = _quarter(FY - 1, 3)
    last = [c for c in convictions if last_start <= c[2] <= last_end and by_ref[c[1]].on_at(q3_end)]
    assert sum(c[2] < by_ref[c[1]].selected for c in last) == 20
    assert card[("iom_reoffending_change", "2011-12")]["denominator"] == len(last) == 131
    # the catalogue states the rule the scorecard applies
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        words = con.execute(
            "SELECT numerator_definition FROM main.dim_measure "
            "WHERE measure_code = 'iom_convictions'"
        ).fetchone()[0]
    finally:
        con.close()
    assert "before the offender's selection included" in words
    assert "not in the cohort then are not counted" in words


def test_cost_of_offending_is_the_hand_sum_of_the_seeds_unit_costs(built):
    data, people, _, convictions = built
    card = published_scorecard(data, CSP)
    costs, groups = _unit_costs()
    for q in (1, 2, 3, 4):
        this, _ = _counted(people, convictions, q)
        parts = [0 if not groups[c[3]] else costs[groups[c[3]]] for c in this]
        expected = None if any(p is None for p in parts) else sum(parts)
        row = card[("iom_cost_of_offending", _quarter_month(q))]
        assert row["count"] == expected, q
        # a quarter with data is never shown as £0 for want of figures
        assert row["source"] == "iom_cohort+iom_convictions"
    # the convictions cost something in the publication's terms: most codes have a category
    assert sum(bool(groups[c]) for c in CODES) >= 4


def test_probation_needs_of_the_milton_keynes_team(built):
    data, _, _, _ = built
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT team, event_type, assessments, with_need, need_pct, need_ci_lower, "
            "need_ci_upper FROM main.probation_needs WHERE area_code = ? AND need_section = 3 "
            "AND period_month = DATE '2011-06-01' ORDER BY team, event_type",
            [CSP],
        ).fetchall()
    finally:
        con.close()
    got = {(r[0], r[1]): r[2:] for r in rows}
    for team, kind, total, with_need in ASSESSMENTS:
        n, k, pct, lo, hi = got[(team, kind)]
        assert (n, k) == (total, with_need)
        assert pct == pytest.approx(100 * with_need / total)
        z = 1.959963984540054
        p = with_need / total
        centre = (p + z * z / (2 * total)) / (1 + z * z / total)
        half = (
            z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
        )
        assert (lo, hi) == pytest.approx((100 * (centre - half), 100 * (centre + half)))
    assert round(got[("Milton Keynes", "initial")][2], 1) == 23.4
    # a team with no termination that month has a row all the same: 0, no share
    assert got[("Milton Keynes IOM", "termination")][:3] == (0, 0, None)


def test_no_raw_offender_reference_in_the_warehouse_or_the_serving_file(built):
    data, people, never, _ = built
    raw = {o.ref for o in people + never} | {f"MKP-{n:04d}" for n in range(1, 141)}
    for path in (data / "warehouse.duckdb", data / "serving.duckdb"):
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = con.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE'"
            ).fetchall()
            assert tables
            for (table,) in tables:
                blob = (
                    con.execute(
                        f"SELECT string_agg(CAST(t AS VARCHAR), '|') FROM {table} t"
                    ).fetchone()[0]
                    or ""
                )
                assert "MKIOM-" not in blob and "MKP-" not in blob, (path.name, table)
        finally:
            con.close()
        body = path.read_bytes()
        assert not [r for r in raw if r.encode() in body], path.name


def test_a_bad_conviction_file_is_rejected_and_the_published_figures_stay(built):
    """A restated June 2011 convictions file with an offence code the classification does not
    have: the build fails naming the file, row and column, the file is quarantined, nothing
    of it is loaded and the published IOM figures do not change."""
    data = built[0]

    def iom_figures() -> dict:
        card = published_scorecard(data, CSP, "measure_code LIKE 'iom%'")
        return {k: (r["count"], r["denominator"], r["value"]) for k, r in card.items()}

    before = iom_figures()
    landing = data / "landing" / "iom_convictions"
    lines = (landing / f"2011-06-{SLUG}-iom-convictions.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("offence_code")] = "99Z"
    lines[3] = ",".join(cells)
    bad = landing / f"2011-06-{SLUG}-iom-convictions.restated-1.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert build.main([]) == 1
    report = data / "quarantine" / "iom_convictions" / f"{bad.name}.error.txt"
    text = report.read_text(encoding="utf-8")
    assert f"{bad.name}, row 4, column 'offence_code'" in text
    assert "99Z" in text
    assert not bad.exists()
    assert iom_figures() == before and before[("iom_reoffending_change", "2011-06")][:2] == (
        50,
        105,
    )
