"""Partners' spreadsheet returns: the long tail of manual indicators (FPNs, fly-tipping, KSI
casualties, people trained, Triage, victim satisfaction, proven reoffending), one indicator
for one period per row, in the template `csp template` writes."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract, FilePeriod, RowRule
from ingest.contracts.common import csp_code_column

#: The catalogue's indicators partners return (seeds/measures.csv, method partner_return):
#: their code, unit and period type, read when a file is validated.
_CATALOGUE = (
    "(SELECT DISTINCT trim(measure_code) AS cat_code, trim(unit) AS cat_unit, "
    "trim(period_type) AS cat_period_type FROM {seed:measures.csv} "
    "WHERE trim(method) = 'partner_return' AND measure_code IS NOT NULL)"
)
#: The row rules read each row's indicator in the catalogue (NULL: not a partner_return code).
_LOOKUP = f"LEFT JOIN {_CATALOGUE} AS _cat ON _cat.cat_code = _row.indicator_code"
_UNIT = "cat_unit"
_PERIOD_TYPE = "cat_period_type"
_IS_PCT = f"{_UNIT} = '%'"
_IS_COUNT = f"{_UNIT} = 'count'"

_MONTH_RE = "[0-9]{4}-(0[1-9]|1[0-2])"
_QUARTER_RE = "[0-9]{4}/[0-9]{2} Q[1-4]"
_YEAR_RE = "[0-9]{4}/[0-9]{2}"
#: The two years of `YYYY/YY...` follow each other (2026/27).
_YEARS_FOLLOW = (
    "(TRY_CAST(substr(period, 1, 4) AS INTEGER) + 1) % 100 "
    "= TRY_CAST(substr(period, 6, 2) AS INTEGER)"
)
#: The period's last month (first day), from `YYYY-MM` (a month), `YYYY/YY Qn` (an FY
#: quarter: June, September, December, March) or `YYYY/YY` (a financial year: March); NULL
#: for any other text. The same rule is staging's (stg_partner__indicator_returns).
PERIOD_MONTH_SQL = (
    "(CASE "
    f"WHEN regexp_full_match(trim(period), '{_MONTH_RE}') "
    "THEN CAST(strptime(trim(period) || '-01', '%Y-%m-%d') AS DATE) "
    f"WHEN regexp_full_match(trim(period), '{_QUARTER_RE}') AND {_YEARS_FOLLOW} "
    "THEN make_date(CAST(substr(period, 1, 4) AS INTEGER) "
    "+ CAST(right(trim(period), 1) = '4' AS INTEGER), "
    "(3 * CAST(right(trim(period), 1) AS INTEGER) + 2) % 12 + 1, 1) "
    f"WHEN regexp_full_match(trim(period), '{_YEAR_RE}') AND {_YEARS_FOLLOW} "
    "THEN make_date(CAST(substr(period, 1, 4) AS INTEGER) + 1, 3, 1) "
    "END)"
)
#: 100 x numerator / denominator.
_SHARE = "(100.0 * numerator / denominator)"

CONTRACT = Contract(
    name="indicator_returns",
    title="Indicator returns (partners' spreadsheet template)",
    description=(
        "A partner's return of the manual indicators of the measure catalogue (method "
        "`partner_return` in seeds/measures.csv) for one CSP and one FY quarter, in the "
        "template `csp template --csp <code> --period <YYYY/YY Qn>` writes: "
        "`<YYYY-YY>-Q<n>-<csp-slug>-indicator-returns.xlsx`, sheet `Return`, two title rows "
        "(the second names the quarter, `Period: 2026/27 Q2`) and a blank row above the "
        "header; one row per indicator and period (a monthly indicator has a row per month of "
        "the quarter). The file's period is the quarter of its title rows, else of its name "
        "(a CSV, which has no title rows, by its name alone)."
    ),
    publisher="Any partner (council, road safety, youth offending, victim support, ...)",
    columns=(
        Column(
            "indicator_code",
            "indicator_code",
            required=True,
            description=(
                "The indicator: a `measure_code` of seeds/measures.csv whose method is "
                "`partner_return` (e.g. `fpn_issued`, `victim_satisfaction`)."
            ),
        ),
        Column(
            "indicator_name",
            "indicator_name",
            description="The indicator's name, as the template writes it (not read).",
        ),
        Column(
            "unit",
            "unit",
            description=(
                "The indicator's unit as the template writes it (`count` or `%`); when given "
                "it must be the catalogue's unit of the indicator."
            ),
        ),
        Column(
            "period",
            "period",
            required=True,
            description=(
                "The period the value is for, in the form of the indicator's period type: "
                "`YYYY-MM` for a monthly indicator, `YYYY/YY Qn` for a quarterly one "
                "(`2026/27 Q2`), `YYYY/YY` for a yearly one; within the file's quarter (a "
                "year: its Q4 return)."
            ),
        ),
        Column(
            "value",
            "value",
            type="DOUBLE",
            required=True,
            min_value=0,
            description=(
                "The figure in the indicator's unit: a count is a whole number; a percentage "
                "is written 0-100 (90 for 90%, never the fraction 0.9) and, where numerator "
                "and denominator are given, is 100 x numerator / denominator within 0.5 "
                "points."
            ),
        ),
        Column(
            "numerator",
            "numerator",
            type="INTEGER",
            min_value=0,
            description=(
                "A percentage's numerator (e.g. victims satisfied); blank for a count. Given "
                "with the denominator or not at all."
            ),
        ),
        Column(
            "denominator",
            "denominator",
            type="INTEGER",
            min_value=1,
            description="A percentage's denominator (e.g. victims surveyed); blank for a count.",
        ),
        Column("note", "note", description="Free text: a caveat on the figure (`£` allowed)."),
        Column(
            "submitted_by",
            "submitted_by",
            required=True,
            description="Who returned the figure (team or partner).",
        ),
        csp_code_column(),
    ),
    period_sql=f"strftime({PERIOD_MONTH_SQL}, '%Y-%m')",
    period_description=(
        "the month of `period` (a quarterly figure: the quarter's last month; a yearly one: March)"
    ),
    scope_columns=("csp_code", "indicator_code"),
    cadence="quarterly",
    lag_days=42,
    file_pattern=(
        "<YYYY-YY>-Q<n>-<csp-slug>-indicator-returns.xlsx (restated: "
        "...-indicator-returns.restated-<n>.xlsx)"
    ),
    formats=("xlsx", "csv"),
    file_period=FilePeriod(
        "The FY quarter of the title rows (`Period: 2026/27 Q2`), else of the file name "
        "(`2026-27-Q2-...`); every row's period lies within it."
    ),
    unique_together=("csp_code", "indicator_code", "period"),
    row_lookup=_LOOKUP,
    skip_row_sql=(
        "coalesce(trim(\"value\"), '') = '' AND coalesce(trim(\"numerator\"), '') = '' "
        "AND coalesce(trim(\"denominator\"), '') = ''"
    ),
    skip_row_reason=(
        "has no value, numerator or denominator: an indicator not returned in this file "
        "(an earlier return of it stays)"
    ),
    row_rules=(
        RowRule(
            "indicator_code",
            "indicator_code IS NOT NULL AND cat_code IS NULL",
            "unknown indicator code '{value}': not a measure of seeds/measures.csv that "
            "partners return (method partner_return)",
        ),
        RowRule(
            "unit",
            f"unit IS NOT NULL AND unit <> {_UNIT}",
            "unit '{value}' is not the indicator's unit in seeds/measures.csv (the template "
            "fills it in: leave it as it is)",
        ),
        RowRule(
            "period",
            f"{_PERIOD_TYPE} = 'month' AND NOT regexp_full_match(trim(period), '{_MONTH_RE}')",
            "bad period '{value}' for a monthly indicator: expected YYYY-MM (e.g. 2026-07)",
        ),
        RowRule(
            "period",
            f"{_PERIOD_TYPE} = 'quarter' AND NOT coalesce("
            f"regexp_full_match(trim(period), '{_QUARTER_RE}') AND {_YEARS_FOLLOW}, false)",
            "bad period '{value}' for a quarterly indicator: expected YYYY/YY Qn (e.g. 2026/27 Q2)",
        ),
        RowRule(
            "period",
            f"{_PERIOD_TYPE} = 'financial_year' AND NOT coalesce("
            f"regexp_full_match(trim(period), '{_YEAR_RE}') AND {_YEARS_FOLLOW}, false)",
            "bad period '{value}' for a yearly indicator: expected YYYY/YY (e.g. 2026/27)",
        ),
        RowRule(
            "period",
            f"{PERIOD_MONTH_SQL} NOT BETWEEN _file_first_month AND _file_last_month",
            "period '{value}' is outside the file's period ({file_period})",
        ),
        RowRule(
            "value",
            f"{_IS_PCT} AND value > 100",
            "a percentage is at most 100",
        ),
        RowRule(
            "value",
            f"{_IS_PCT} AND value > 0 AND value < 1 AND (numerator IS NULL OR denominator IS NULL)",
            "value in the wrong unit: '{value}' looks like a fraction; a percentage is written "
            "0-100 (90 for 90%, not 0.9)",
        ),
        RowRule(
            "value",
            f"{_IS_PCT} AND denominator > 0 AND abs(value - {_SHARE}) > 0.5 "
            f"AND abs(100 * value - {_SHARE}) <= 0.5",
            "value in the wrong unit: '{value}' is numerator / denominator as a fraction; a "
            "percentage is written 0-100 (100 x numerator / denominator)",
        ),
        RowRule(
            "value",
            f"{_IS_PCT} AND denominator > 0 AND abs(value - {_SHARE}) > 0.5 "
            f"AND abs(100 * value - {_SHARE}) > 0.5",
            "value '{value}' does not agree with numerator and denominator: it must be "
            "100 x numerator / denominator, within 0.5 points",
        ),
        RowRule(
            "value",
            f"{_IS_COUNT} AND value <> floor(value)",
            "value in the wrong unit: a count is a whole number, not '{value}'",
        ),
        RowRule(
            "numerator",
            f"{_IS_COUNT} AND (numerator IS NOT NULL OR denominator IS NOT NULL)",
            "a count has no numerator or denominator (only a percentage has)",
        ),
        RowRule(
            "denominator",
            f"{_IS_PCT} AND (numerator IS NULL) <> (denominator IS NULL)",
            "numerator and denominator come together: give both or neither",
        ),
        RowRule(
            "numerator",
            "numerator > denominator",
            "the numerator is larger than the denominator",
        ),
    ),
    notes=(
        "Each row replaces the same CSP's figure of the same indicator and period (scope: CSP "
        "and indicator; period: the row's month): a partner restates one figure by returning "
        "it again, and a template row left blank (no value, numerator or denominator) is not "
        "returned, so an earlier return of it stays.",
        "Wrong unit: a percentage between 0 and 1 without numerator and denominator (0.9 "
        "typed, or Excel's 90% cell, for 90) and a percentage that is numerator / denominator "
        "rather than 100 times it are rejected; so is a count with a fraction (12.5). A "
        "percentage is consistent with its numerator and denominator within 0.5 points "
        "(rounded to a whole percent at worst).",
        "Due 42 days (6 weeks) after the quarter's end, its monthly figures with it "
        "(`partner_returns_due`, `source_status`).",
    ),
)
