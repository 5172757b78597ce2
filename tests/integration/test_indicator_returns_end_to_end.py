"""Partners' spreadsheet returns, end to end (issue 12, part 5).

The template round trip: `csp template` writes the blank return of Milton Keynes and Medway
for 2025/26 Q4 and 2026/27 Q1; each is filled in here with openpyxl as a partner would
(every indicator of the catalogue, one left blank), dropped into the landing folder and
built with `csp build`. Every figure returned is then read back from the published
scorecard: a count as its count and value, a percentage as its numerator (count),
denominator and value as returned.

Medway's 2026/27 Q1 return is late (the demo's story): on 1 September 2026 it is 21 days
overdue (due 6 weeks after 30 June: 11 August) in `partner_returns_due` and
`source_status`, and its figures are no data in the scorecard; so is the figure Milton
Keynes left blank in its Q1 return (triage referrals, returned the quarter before). The late
return arrives with a restatement of one Milton Keynes figure; the second build (status
day 18 September) shows it received, the restated figure replaced and the other figures of
the restating file's quarter kept.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest
from build_support import build_env, published_scorecard

from orchestration import build, cli

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
KEY = "indicator-returns-key"
MK, MEDWAY = "E22000307", "E22000143"
SLUGS = {MK: "milton-keynes", MEDWAY: "medway"}
QUARTERS = {
    "2025/26 Q4": ["2026-01", "2026-02", "2026-03"],
    "2026/27 Q1": ["2026-04", "2026-05", "2026-06"],
}
LATE = (MEDWAY, "2026/27 Q1")
#: Left blank in its template: not returned (no data), the rest of the file loads.
BLANK = (MK, "2026/27 Q1", "triage_referrals")
AS_OF_LATE, AS_OF_ARRIVED = date(2026, 9, 1), date(2026, 9, 18)
Q1_DUE = date(2026, 6, 30) + timedelta(days=42)  # 6 weeks after the quarter's end
RESTATED = (MK, "fpn_issued", "2026-05", 999)


def catalogue() -> list[dict[str, str]]:
    """The partner_return rows of seeds/measures.csv, in display order."""
    with (REPO / "seeds" / "measures.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["method"] == "partner_return"]
    return sorted(rows, key=lambda r: int(r["display_order"]))


def expected_rows(quarter: str) -> list[tuple[str, str, str, str]]:
    """(code, name, unit, period) a template for `quarter` lists, from the catalogue."""
    out = []
    for r in catalogue():
        periods = QUARTERS[quarter] if r["period_type"] == "month" else [quarter]
        out += [(r["measure_code"], r["measure_name"], r["unit"], p) for p in periods]
    return out


def figure(csp: str, code: str, period: str, unit: str, i: int) -> dict:
    """The figure filled in for a row: value, numerator, denominator (deterministic)."""
    k = (1 if csp == MK else 2) * 10 + i
    if unit == "count":
        return {"value": 3 * k + len(code), "numerator": None, "denominator": None}
    if code == "proven_reoffending_predicted":  # a published rate: no numerator or denominator
        return {"value": round(8 + k / 10, 1), "numerator": None, "denominator": None}
    num, den = 30 + k, 40 + 2 * k
    return {"value": round(100 * num / den, 1), "numerator": num, "denominator": den}


def template(tmp: Path, csp: str, quarter: str) -> Path:
    out = tmp / "templates"
    assert cli.main(["template", "--csp", csp, "--period", quarter, "--out", str(out)]) == 0
    path = out / f"{quarter[:4]}-{quarter[5:7]}-{quarter[-2:]}-{SLUGS[csp]}-indicator-returns.xlsx"
    assert path.is_file()
    return path


def fill(path: Path, figures: dict[tuple[str, str], dict], out: Path) -> None:
    """Fill the template's rows with `figures` ((code, period) -> figure), as a partner."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Return"]
    header = [c.value for c in ws[4]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(5, ws.max_row + 1):
        key = (ws.cell(r, col["indicator_code"]).value, ws.cell(r, col["period"]).value)
        if key not in figures:
            continue
        for name, v in figures[key].items():
            ws.cell(r, col[name]).value = v
        ws.cell(r, col["submitted_by"]).value = "Community Safety Team"
        ws.cell(r, col["note"]).value = "checked £"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def figures_of(csp: str, quarter: str) -> dict[tuple[str, str], dict]:
    out = {}
    for i, (code, _, unit, period) in enumerate(expected_rows(quarter)):
        if (csp, quarter, code) != BLANK:
            out[(code, period)] = figure(csp, code, period, unit, i)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("returns")
    landing = data / "landing" / "indicator_returns"
    held = data / "held"
    returned: dict[tuple[str, str], dict] = {}
    for csp in (MK, MEDWAY):
        for quarter in QUARTERS:
            blank = template(data, csp, quarter)
            figures = figures_of(csp, quarter)
            fill(blank, figures, (held if (csp, quarter) == LATE else landing) / blank.name)
            if (csp, quarter) != LATE:
                returned |= {(csp, *k): v for k, v in figures.items()}
    with pytest.MonkeyPatch.context() as mp:
        build_env(mp, data, KEY)
        mp.setenv("CSP_AS_OF", AS_OF_LATE.isoformat())
        assert build.main([]) == 0
        yield data, returned, mp


def _rows(data: Path, sql: str, *params) -> list[dict]:
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def test_the_template_lists_every_partner_return_indicator_locked_and_validated(tmp_path):
    path = template(tmp_path, MK, "2026/27 Q1")
    ws = openpyxl.load_workbook(path)["Return"]
    assert ws.title == openpyxl.load_workbook(path).sheetnames[0]
    assert "Milton Keynes" in ws["A1"].value and "2026/27 Q1" in ws["A2"].value
    header = [c.value for c in ws[4]]
    with (REPO / "docs" / "contracts" / "indicator_returns.md").open(encoding="utf-8") as fh:
        documented = fh.read()
    assert all(f"| `{h}` |" in documented for h in header)
    col = {h: i + 1 for i, h in enumerate(header)}
    listed = [
        tuple(
            ws.cell(r, col[h]).value for h in ("indicator_code", "indicator_name", "unit", "period")
        )
        for r in range(5, ws.max_row + 1)
    ]
    assert listed == expected_rows("2026/27 Q1")
    assert {ws.cell(r, col["csp_code"]).value for r in range(5, ws.max_row + 1)} == {MK}
    # every manual indicator of the catalogue: three monthly rows for a monthly one
    codes = [r["measure_code"] for r in catalogue()]
    assert {
        "fpn_issued",
        "fly_tipping_cleared",
        "ksi_casualties",
        "people_trained",
        "triage_referrals",
        "victim_satisfaction",
        "proven_reoffending_actual",
        "proven_reoffending_predicted",
    } == set(codes)
    assert [c for c, *_ in listed].count("fpn_issued") == 3
    # the header and the pre-filled cells are locked, the cells to fill are not
    assert ws.protection.sheet
    assert all(ws.cell(4, i).protection.locked for i in col.values())
    for r in range(5, ws.max_row + 1):
        unit = ws.cell(r, col["unit"]).value
        assert not ws.cell(r, col["value"]).protection.locked
        assert not ws.cell(r, col["submitted_by"]).protection.locked
        assert ws.cell(r, col["indicator_code"]).protection.locked
        assert ws.cell(r, col["period"]).protection.locked
        assert ws.cell(r, col["numerator"]).protection.locked == (unit != "%")
    # data validation: numbers only, a percentage 0-100, a count a whole number from 0
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            rules[rng] = (dv.type, dv.operator, dv.formula1, dv.formula2)
    value_col = openpyxl.utils.get_column_letter(col["value"])
    for r in range(5, ws.max_row + 1):
        unit = ws.cell(r, col["unit"]).value
        want = (
            ("decimal", "between", "0", "100")
            if unit == "%"
            else ("whole", "greaterThanOrEqual", "0", None)
        )
        assert rules[f"{value_col}{r}"] == want, r


def test_every_returned_figure_is_in_the_scorecard(built):
    data, returned, _ = built
    units = {r["measure_code"]: r for r in catalogue()}
    checked = 0
    for csp in (MK, MEDWAY):
        card = published_scorecard(data, csp, "domain = 'partner_returns'")
        for (c, code, period), fig in returned.items():
            if c != csp:
                continue
            month = period if "-" in period else QUARTERS[period][-1]
            row = card[(code, month)]
            assert (
                row["source"] == "indicator_returns"
                and row["period_type"] == units[code]["period_type"]
            )
            assert row["unit"] == units[code]["unit"]
            assert row["value"] == pytest.approx(fig["value"]), (csp, code, period)
            if units[code]["unit"] == "%":
                assert (row["count"], row["denominator"]) == (fig["numerator"], fig["denominator"])
            else:
                assert (row["count"], row["denominator"]) == (fig["value"], None)
            quarter = next(q for q, ms in QUARTERS.items() if month in ms)
            if row["count"] is None:
                # a rate returned without numerator: the scorecard names the file (and keeps
                # the first report) of a figure with a count only
                assert code == "proven_reoffending_predicted" and row["source_file"] is None
            else:
                assert row["source_file"].startswith(quarter.replace("/", "-").replace(" ", "-"))
            checked += 1
        # the figure left blank in the template and the late quarter: no data, never 0
        blank = card[(BLANK[2], QUARTERS[BLANK[1]][-1])] if csp == MK else None
        if blank is not None:
            assert (blank["count"], blank["value"], blank["source"]) == (None, None, None)
        if csp == MEDWAY:
            for code in units:
                for month in QUARTERS[LATE[1]]:
                    if (code, month) in card:
                        assert card[(code, month)]["value"] is None, (code, month)
    per_quarter = len(expected_rows("2026/27 Q1"))
    assert checked == 3 * per_quarter - 1 == len(returned)


def test_a_late_return_is_overdue_until_it_arrives(built):
    data, returned, mp = built
    due = _rows(
        data,
        "SELECT area_code, measure_code, period_label, due_date, status, days_overdue "
        "FROM main.partner_returns_due WHERE period_month >= DATE '2026-04-01'",
    )
    medway = [r for r in due if r["area_code"] == MEDWAY]
    mk = [r for r in due if r["area_code"] == MK]
    assert len(medway) == len(mk) == len(expected_rows("2026/27 Q1"))
    assert {(r["status"], r["due_date"], r["days_overdue"]) for r in medway} == {
        ("overdue", Q1_DUE, (AS_OF_LATE - Q1_DUE).days)
    }
    assert (AS_OF_LATE - Q1_DUE).days == 21
    # MK's Q1 return left triage referrals blank (returned the quarter before): overdue
    assert {(r["measure_code"], r["status"]) for r in mk if r["status"] != "received"} == {
        (BLANK[2], "overdue")
    }
    (blank,) = _rows(
        data,
        "SELECT status, due_date, days_overdue FROM main.partner_returns_due "
        "WHERE area_code = ? AND measure_code = ? AND period_label = ?",
        MK,
        BLANK[2],
        BLANK[1],
    )
    assert blank == {"status": "overdue", "due_date": Q1_DUE, "days_overdue": 21}
    # MK's 2025/26 Q4, all returned and due on 12 May 2026
    q4 = _rows(
        data,
        "SELECT DISTINCT status, due_date FROM main.partner_returns_due "
        "WHERE period_month < DATE '2026-04-01'",
    )
    assert q4 == [{"status": "received", "due_date": date(2026, 3, 31) + timedelta(days=42)}]
    status = {
        r["area_code"]: r
        for r in _rows(
            data,
            "SELECT area_code, last_period_received, expected_by, is_overdue FROM "
            "main.source_status WHERE source = 'indicator_returns'",
        )
    }
    assert status[MEDWAY]["is_overdue"] and status[MEDWAY]["expected_by"] == Q1_DUE
    # a quarter is named by its last month, as source_status reads every period
    assert status[MEDWAY]["last_period_received"] == date(2026, 3, 1)
    assert not status[MK]["is_overdue"] and status[MK]["last_period_received"] == date(2026, 6, 1)

    # the late return arrives with a restatement of one Milton Keynes figure (only that row
    # filled in: the others of the file are blank, so they stay as first returned)
    landing = data / "landing" / "indicator_returns"
    late = data / "held" / f"2026-27-Q1-{SLUGS[MEDWAY]}-indicator-returns.xlsx"
    shutil.copy(late, landing / late.name)
    blank = template(data, MK, "2026/27 Q1")
    csp, code, period, value = RESTATED
    fill(blank, {(code, period): {"value": value}}, landing / f"{blank.stem}.restated-1.xlsx")
    mp.setenv("CSP_AS_OF", AS_OF_ARRIVED.isoformat())
    assert build.main([]) == 0

    due = _rows(
        data,
        "SELECT area_code, status, is_overdue, loaded_after_due, source_file FROM "
        "main.partner_returns_due WHERE area_code = ? AND period_month >= DATE '2026-04-01'",
        MEDWAY,
    )
    assert {(r["status"], r["is_overdue"], r["source_file"]) for r in due} == {
        ("received", False, late.name)
    }
    (medway_status,) = _rows(
        data,
        "SELECT is_overdue, last_period_received FROM main.source_status "
        "WHERE source = 'indicator_returns' AND area_code = ?",
        MEDWAY,
    )
    assert medway_status == {"is_overdue": False, "last_period_received": date(2026, 6, 1)}
    card = published_scorecard(data, MEDWAY, "domain = 'partner_returns'")
    for (code_, period_), fig in figures_of(MEDWAY, LATE[1]).items():
        month = period_ if "-" in period_ else QUARTERS[LATE[1]][-1]
        assert card[(code_, month)]["value"] == pytest.approx(fig["value"]), (code_, period_)
    mk = published_scorecard(data, MK, "domain = 'partner_returns'")
    assert mk[(code, period)]["count"] == value and mk[(code, period)]["value"] == value
    assert mk[(code, period)]["source_file"].endswith(".restated-1.xlsx")
    first = returned[(MK, code, period)]["value"]
    assert mk[(code, period)]["first_reported_count"] == first and mk[(code, period)]["is_restated"]
    for (c, code_, period_), fig in returned.items():  # the rest of MK's Q1 stays
        if (
            c == MK
            and period_ in (*QUARTERS["2026/27 Q1"], "2026/27 Q1")
            and (code_, period_) != (code, period)
        ):
            month = period_ if "-" in period_ else "2026-06"
            assert mk[(code_, month)]["value"] == pytest.approx(fig["value"]), (code_, period_)
