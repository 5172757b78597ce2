"""The partners' return template and its contract, piece by piece (no warehouse): the FY
quarter a template is for, the periods it lists for each indicator, the file's period read
from its title rows and name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.contracts import get_contract
from ingest.template import (
    Quarter,
    TemplateError,
    expected_periods,
    find_csp,
    parse_quarter,
    partner_return_indicators,
    template_file_name,
)
from ingest.validate import file_period

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CONTRACT = get_contract("indicator_returns")


def test_a_quarter_is_written_yyyy_yy_qn():
    assert parse_quarter("2026/27 Q2") == Quarter(2026, 2)
    assert parse_quarter("2026-27-Q4") == Quarter(2026, 4)
    q4 = Quarter(2026, 4)
    assert (q4.label, q4.file_label, q4.months) == (
        "2026/27 Q4",
        "2026-27-Q4",
        ["2027-01", "2027-02", "2027-03"],
    )
    assert Quarter(2025, 1).months == ["2025-04", "2025-05", "2025-06"]
    for bad in ("2026/28 Q2", "2026 Q2", "2026/27 Q5", ""):
        with pytest.raises(TemplateError):
            parse_quarter(bad)


def test_the_template_lists_the_catalogues_partner_return_indicators():
    with (SEEDS / "measures.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["method"] == "partner_return"]
    indicators = partner_return_indicators(SEEDS)
    assert [i.code for i in indicators] == [
        r["measure_code"] for r in sorted(rows, key=lambda r: int(r["display_order"]))
    ]
    by_code = {i.code: i for i in indicators}
    assert by_code["fpn_issued"].period_type == "month"
    assert by_code["ksi_casualties"].period_type == "quarter"  # as the demo returns it
    assert by_code["victim_satisfaction"].unit == "%"
    q = Quarter(2026, 2)
    assert expected_periods(by_code["fpn_issued"], q) == ["2026-07", "2026-08", "2026-09"]
    assert expected_periods(by_code["people_trained"], q) == ["2026/27 Q2"]
    assert find_csp(SEEDS, "milton keynes") == ("E22000307", "Milton Keynes")
    assert template_file_name(q, "Milton Keynes") == (
        "2026-27-Q2-milton-keynes-indicator-returns.xlsx"
    )
    with pytest.raises(TemplateError):
        find_csp(SEEDS, "Atlantis")


def test_the_files_period_comes_from_its_title_rows_or_its_name():
    title = [(1, "Medway CSP: indicator return"), (2, "Period: 2026/27 Q2 (one row per ...)")]
    assert file_period(CONTRACT, "2026-27-Q2-medway-indicator-returns.xlsx", title) == (
        ("2026-07", "2026-09", "2026/27 Q2"),
        [],
    )
    assert file_period(CONTRACT, "medway return.xlsx", title)[0] == (
        "2026-07",
        "2026-09",
        "2026/27 Q2",
    )
    assert file_period(CONTRACT, "2025-26-Q4-medway-indicator-returns.csv", [])[0] == (
        "2026-01",
        "2026-03",
        "2025/26 Q4",
    )
    period, errors = file_period(CONTRACT, "2026-27-Q3-medway.xlsx", title)
    assert period is None and [str(e) for e in errors] == [
        "2026-27-Q3-medway.xlsx, row 2: two periods: the title says 2026/27 Q2 but the file "
        "name says 2026/27 Q3"
    ]
    period, errors = file_period(CONTRACT, "medway.xlsx", [(1, "Medway")])
    assert period is None and "no period" in str(errors[0])
    # a contract without a file period has none
    assert file_period(get_contract("iom_convictions"), "x.csv", title) == (None, [])
