"""The partners' return template (source `indicator_returns`): a blank XLSX for one CSP and
one FY quarter listing every indicator of the measure catalogue that partners return (method
`partner_return` of seeds/measures.csv) with the period(s) it is expected for, ready to fill
in and drop into the landing folder; the same file filled in loads back.

`csp template --csp <code or name> --period "2026/27 Q2"` (or `make template CSP=...
PERIOD=...`) writes `<YYYY-YY>-Q<n>-<csp-slug>-indicator-returns.xlsx`: sheet `Return` (two
title rows, the second naming the quarter, a blank row, then the contract's header and one
row per indicator and period: a monthly indicator has a row for each month of the quarter,
a yearly one a row in the Q4 template only), and sheet `Guidance`. The header, codes, names,
units, periods and CSP are locked (sheet protection without a password, against slips, not
people); the value, numerator, denominator, note and submitted_by cells are open, with Excel
data validation: numbers only, a count a whole number from 0, a percentage between 0 and
100, numerator and denominator whole numbers (only a percentage has them).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.contracts import get_contract
from ingest.contracts.base import fy_quarter_months

SOURCE = "indicator_returns"
_QUARTER = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE)


class TemplateError(ValueError):
    """A CSP or period the template cannot be written for (the message says why)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    period_type: str
    description: str


@dataclass(frozen=True)
class Quarter:
    start_year: int
    quarter: int

    @property
    def label(self) -> str:
        """`2026/27 Q2`: how the title rows and the quarterly periods write it."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d} Q{self.quarter}"

    @property
    def file_label(self) -> str:
        """`2026-27-Q2`: how the file name writes it."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.quarter}"

    @property
    def months(self) -> list[str]:
        first, _ = fy_quarter_months(self.start_year, (self.start_year + 1) % 100, self.quarter)
        y, m = (int(x) for x in first.split("-"))
        return [f"{y:04d}-{m + i:02d}" for i in range(3)]


def parse_quarter(text: str) -> Quarter:
    """`2026/27 Q2` (also `2026-27-Q2`) as a Quarter; TemplateError otherwise."""
    m = _QUARTER.match(text or "")
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise TemplateError(
            f"period {text!r}: expected an FY quarter written YYYY/YY Qn, e.g. 2026/27 Q2"
        )
    return Quarter(int(m.group(1)), int(m.group(3)))


def partner_return_indicators(seeds_dir: Path) -> list[Indicator]:
    """The catalogue's indicators partners return, in display order (a measure with several
    definitions once, as its latest row describes it)."""
    with open(Path(seeds_dir) / "measures.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["method"].strip() == "partner_return"]
    latest: dict[str, dict[str, str]] = {}
    for r in sorted(rows, key=lambda r: r.get("valid_from") or ""):
        latest[r["measure_code"].strip()] = r
    ordered = sorted(latest.values(), key=lambda r: (int(r["display_order"]), r["measure_code"]))
    return [
        Indicator(
            r["measure_code"].strip(),
            r["measure_name"].strip(),
            r["unit"].strip(),
            r["period_type"].strip(),
            r["description"].strip(),
        )
        for r in ordered
    ]


def expected_periods(indicator: Indicator, quarter: Quarter) -> list[str]:
    """The periods of `indicator` a return for `quarter` holds, as its `period` cells."""
    if indicator.period_type == "month":
        return quarter.months
    if indicator.period_type == "quarter":
        return [quarter.label]
    if indicator.period_type == "financial_year":
        return [quarter.label[:7]] if quarter.quarter == 4 else []
    raise TemplateError(f"indicator {indicator.code}: unknown period type {indicator.period_type}")


def find_csp(seeds_dir: Path, csp: str) -> tuple[str, str]:
    """(code, name) of the CSP of seeds/areas.csv given by its code or its name."""
    wanted = (csp or "").strip().lower()
    with open(Path(seeds_dir) / "areas.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if wanted in (r["csp_code"].lower(), r["csp_name"].lower()):
                return r["csp_code"], r["csp_name"]
    raise TemplateError(f"CSP {csp!r}: not a csp_code or csp_name of seeds/areas.csv")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def template_file_name(quarter: Quarter, csp_name: str) -> str:
    return f"{quarter.file_label}-{slug(csp_name)}-{SOURCE.replace('_', '-')}.xlsx"


def title_rows(csp_name: str, quarter: Quarter) -> list[str]:
    return [
        f"{csp_name} Community Safety Partnership: indicator return",
        f"Period: {quarter.label} (one row per indicator and period; fill in value, "
        "numerator and denominator where asked, note and submitted_by)",
    ]


def write_template(csp: str, period: str, out_dir: Path, seeds_dir: Path) -> Path:
    """Write the blank template for `csp` (code or name) and `period` (`2026/27 Q2`) into
    `out_dir`; returns its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    quarter = parse_quarter(period)
    code, name = find_csp(seeds_dir, csp)
    indicators = partner_return_indicators(seeds_dir)
    if not indicators:
        raise TemplateError("seeds/measures.csv has no indicator with method partner_return")
    headers = list(get_contract(SOURCE).headers)
    col = {h: i + 1 for i, h in enumerate(headers)}
    letter = {h: get_column_letter(i) for h, i in col.items()}

    wb = Workbook()
    ws = wb.active
    ws.title = "Return"
    for t in title_rows(name, quarter):
        ws.append([t])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append(headers)
    header_row = ws.max_row
    for c in ws[header_row]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDDDDD")

    open_cell = Protection(locked=False)
    count_value = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        showErrorMessage=True,
        errorTitle="A count",
        error="A count is a whole number, 0 or more.",
        promptTitle="Count",
        prompt="A whole number, 0 or more.",
        showInputMessage=True,
    )
    pct_value = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        showErrorMessage=True,
        errorTitle="A percentage",
        error="A percentage is a number between 0 and 100 (90 for 90%, not 0.9).",
        promptTitle="Percentage",
        prompt="A number between 0 and 100: 90 for 90%. With its numerator and denominator.",
        showInputMessage=True,
    )
    other_value = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        showErrorMessage=True,
        error="A number, 0 or more.",
    )
    whole = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        showErrorMessage=True,
        error="A whole number, 0 or more (the denominator: 1 or more).",
    )
    for dv in (count_value, pct_value, other_value, whole):
        ws.add_data_validation(dv)

    for ind in indicators:
        for p in expected_periods(ind, quarter):
            values = {
                "indicator_code": ind.code,
                "indicator_name": ind.name,
                "unit": ind.unit,
                "period": p,
                "csp_code": code,
            }
            ws.append([values.get(h) for h in headers])
            r = ws.max_row
            for h in ("value", "note", "submitted_by"):
                ws.cell(r, col[h]).protection = open_cell
            value_ref = f"{letter['value']}{r}"
            if ind.unit == "%":
                pct_value.add(value_ref)
                ws.cell(r, col["value"]).number_format = "0.0"
                for h in ("numerator", "denominator"):
                    ws.cell(r, col[h]).protection = open_cell
                    whole.add(f"{letter[h]}{r}")
            elif ind.unit == "count":
                count_value.add(value_ref)
                ws.cell(r, col["value"]).number_format = "0"
            else:
                other_value.add(value_ref)
            for h in ("numerator", "denominator"):
                if ind.unit != "%":
                    ws.cell(r, col[h]).fill = PatternFill("solid", fgColor="EEEEEE")
    # sheet protection against slips (no password): the header and the pre-filled cells stay
    # as written; columns may be widened and rows formatted
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    widths = {
        "indicator_code": 28,
        "indicator_name": 44,
        "unit": 7,
        "period": 12,
        "note": 40,
        "submitted_by": 28,
        "csp_code": 12,
    }
    for h, i in col.items():
        ws.column_dimensions[get_column_letter(i)].width = widths.get(h, 12)

    guide = wb.create_sheet("Guidance")
    lines = [
        f"How to fill in the indicator return of {name} for {quarter.label}",
        "",
        "1. On the sheet Return, fill in the value of each indicator your team returns, and "
        "submitted_by (your team). Leave the rows of indicators you do not return blank.",
        "2. A count is a whole number (0 or more). A percentage is a number between 0 and 100 "
        "(type 90 for 90%, never 0.9), with its numerator and denominator.",
        "3. Do not change the header, the codes, the periods or the CSP code (they are locked): "
        "a changed header or a value in the wrong unit rejects the whole file.",
        f"4. Due 6 weeks after the quarter's end. Save as XLSX, keep the file name "
        f"({template_file_name(quarter, name)}) and send it to the performance team; a "
        "corrected file later replaces the figures it holds.",
        "",
        "Indicators:",
    ]
    for line in lines:
        guide.append([line])
    guide.append(["code", "name", "unit", "period type", "what"])
    for ind in indicators:
        guide.append([ind.code, ind.name, ind.unit, ind.period_type, ind.description])
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 44
    guide.column_dimensions["E"].width = 80
    for row in guide.iter_rows(min_row=3, max_row=6):
        row[0].alignment = Alignment(wrap_text=False)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_file_name(quarter, name)
    wb.save(path)
    return path
