"""Drugs and alcohol: clients in treatment this year against last, successful completion
rates with their 95% intervals and the definition each rate was counted under, DRR and
ATR orders by month, and the national NDTMS figures by reporting year.

This module writes no measure code: every measure it charts is a row of the catalogue
(seeds/measures.csv, read by superset/catalogue.py), in report order (display_order),
chosen by its domain, method and source:
  - clients in treatment (domain `substance_misuse`, method `distinct_ytd`: each client
    counted once from 1 April to the month's end): the latest month against the same
    months of last FY in a table, and a line of each this FY against last FY by month;
  - completion rates (domain `substance_misuse`, method `ytd_proportion`): a table of each
    month's rate with its 95% Wilson interval, its numerator and denominator, and the
    definition it was counted under (number, the day it applies from, numerator and
    denominator in words); a line per measure and definition over the months;
  - the national comparator (domain `substance_misuse`, source `ndtms_viewit`: OHID's
    NDTMS ViewIt figures, one per area and reporting year): by reporting year;
  - the court orders with a treatment requirement (domain `reoffending`, source
    `court_orders`: DRRs and ATRs commenced, completed, revoked): by month.
So a new catalogue row of these kinds shows here once `python superset/generate_assets.py`
has run, with no edit here (superset/dashboards/crime.py says which module may name a
code).

A measure's definition can change (seeds/measures.csv: a second row with a valid_from,
e.g. a completion rate's denominator moving from "those exiting" to "all in treatment").
The scorecard counts each figure under the definition in force for its period and says
which (numerator_definition, denominator_definition, definition_valid_from,
definition_number); this dashboard shows it beside every rate, draws each definition as a
line of its own and shows last year's rate only when it was counted under the same
definition, so that a change of definition never reads as a change in performance.

The treatment, court order and NDTMS figures are at area_type 'csp' (the NDTMS rows of a
CSP have its ONS code), so the row-level security of every dataset applies as it is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from assets_format import (
    Chart,
    Dashboard,
    NativeFilter,
    adhoc_metric,
    simple_filter,
    table_agg,
    table_raw,
    timeseries,
)
from catalogue import Measure, codes, in_domain

from dashboards.charts import chunks, csp_only, fy_line, fy_name, lower_first

TITLE = "Drugs and alcohol"
SLUG = "drug-alcohol"

DOMAIN = "substance_misuse"
ORDERS_DOMAIN = "reoffending"
CLIENTS = "distinct_ytd"
PROPORTION = "ytd_proportion"
#: The national NDTMS ViewIt export (yearly figures per area): the comparator.
NDTMS_SOURCE = "ndtms_viewit"
#: Probation's snapshot of the DRR and ATR orders.
ORDERS_SOURCE = "court_orders"

CLIENTS_TABLE = "Clients in treatment from 1 April: this FY against last FY"
RATES_TABLE = "Successful completion rates with 95% intervals and their definitions"
RATES_LINE = "Successful completion rates by month, a line per definition"
ORDERS = "DRR and ATR orders by month"
NDTMS = "National NDTMS figures by reporting year"
DEFINITIONS = "Definitions of the drug and alcohol figures"
NOTES = "About the treatment figures and their definitions"

#: The definition a figure was counted under, as the tables show it:
#: "1 (since always)", "2 (from 1 April 2025)".
DEFINITION_SQL = (
    "CASE WHEN definition_valid_from IS NULL "
    "THEN printf('%d (since always)', definition_number) "
    "ELSE printf('%d (from %s)', definition_number, "
    "strftime(definition_valid_from, '%-d %B %Y')) END"
)
#: Last year's rate at the same month, only when it was counted under the same definition
#: (the definition applied since always, or from at least 12 months before the month).
SAME_DEFINITION_LAST_YEAR_SQL = (
    "CASE WHEN definition_valid_from IS NULL "
    "OR definition_valid_from <= period_month - INTERVAL 12 MONTH "
    "THEN value_last_year END"
)


def sql_column(label: str, sql: str) -> dict[str, Any]:
    """A column of one chart computed by SQL on the dataset's row, shown as `label`."""
    return {"label": label, "sqlExpression": sql, "expressionType": "SQL"}


DEFINITION = sql_column("Definition", DEFINITION_SQL)
MEASURE_DEFINITION = sql_column(
    "Measure and definition",
    f"printf('%s, definition %s', measure_name, {DEFINITION_SQL})",
)
LAST_YEAR_SAME_DEFINITION = sql_column("Last year (same definition)", SAME_DEFINITION_LAST_YEAR_SQL)


def of_codes(measures: list[Measure]) -> list[dict]:
    """The CSP rows of `measures`."""
    return [simple_filter("measure_code", "IN", codes(measures)), *csp_only()]


def clients_line(measure: Measure) -> Chart:
    """A distinct_ytd measure: its clients from 1 April to each month, this FY against last."""
    return fy_line(
        fy_name(measure),
        measure,
        f"{measure.description} At each month of the financial year: "
        f"{lower_first(measure.numerator_definition)}, this FY against the same month of "
        "last FY.",
    )


def clients_table(clients: list[Measure]) -> Chart:
    return table_raw(
        CLIENTS_TABLE,
        "scorecard",
        ["measure_name", "month_label", "count", "ytd_count_last_year", "ytd_change_pct"],
        [("display_order", True), ("period_month", False)],
        of_codes(clients),
        "Clients in treatment from 1 April to the selected month (each counted once), "
        "against the same months of last financial year, and the change in %.",
        column_config={
            "count": {"d3NumberFormat": ",d", "customColumnName": "Clients from 1 April"},
            "ytd_count_last_year": {"d3NumberFormat": ",d", "customColumnName": "Last FY"},
            "ytd_change_pct": {"d3NumberFormat": "+.1f"},
        },
    )


def rates_table(proportions: list[Measure]) -> Chart:
    return table_raw(
        RATES_TABLE,
        "scorecard",
        [
            "measure_name",
            "month_label",
            "count",
            "denominator",
            "value",
            "ci_lower",
            "ci_upper",
            LAST_YEAR_SAME_DEFINITION,
            DEFINITION,
            "numerator_definition",
            "denominator_definition",
        ],
        [("display_order", True), ("period_month", False)],
        of_codes(proportions),
        "Each completion rate from 1 April to the month: the successful completions "
        "(Count) and the denominator, the rate in %, its 95% Wilson interval, last year's "
        "rate at the same month when it was counted the same way (blank across a change "
        "of definition), and the definition the rate was counted under: its number, the "
        "day it applies from, and its numerator and denominator in words.",
        column_config={
            "count": {"d3NumberFormat": ",d", "customColumnName": "Completions"},
            "denominator": {"d3NumberFormat": ",d"},
            "value": {"d3NumberFormat": ",.1f", "customColumnName": "Rate %"},
            "ci_lower": {"d3NumberFormat": ",.1f"},
            "ci_upper": {"d3NumberFormat": ",.1f"},
            LAST_YEAR_SAME_DEFINITION["label"]: {"d3NumberFormat": ",.1f"},
            "numerator_definition": {"customColumnName": "Numerator"},
            "denominator_definition": {"customColumnName": "Denominator (in words)"},
        },
    )


def rates_line(proportions: list[Measure]) -> Chart:
    """The rates by month, one line per measure and definition (a change of definition
    starts a new line)."""
    chart = timeseries(
        RATES_LINE,
        "echarts_timeseries_line",
        "scorecard",
        "period_month",
        True,
        [],
        "rate",
        of_codes(proportions),
        "Each completion rate from 1 April to the month, in %, over every month: a line "
        "per measure and definition, so that a change of definition starts a new line "
        "instead of a jump (the table says what each definition counts).",
        y_format=",.1f",
        y_title="% (year to date)",
    )
    chart.params["groupby"] = [MEASURE_DEFINITION]
    chart.query["columns"] = [*chart.query["columns"], MEASURE_DEFINITION]
    chart.query["series_columns"] = [MEASURE_DEFINITION]
    return chart


def orders_chart(orders: list[Measure]) -> Chart:
    names = ", ".join(m.measure_name for m in orders)
    return timeseries(
        ORDERS,
        "echarts_timeseries_bar",
        "scorecard",
        "period_month",
        True,
        ["measure_name"],
        "total_count",
        of_codes(orders),
        f"Drug Rehabilitation and Alcohol Treatment Requirements by month: {names}.",
    )


def ndtms_chart(ndtms: list[Measure]) -> Chart:
    names = ", ".join(lower_first(m.measure_name) for m in ndtms)
    return timeseries(
        NDTMS,
        "echarts_timeseries_bar",
        "scorecard",
        "financial_year",
        False,
        ["measure_name"],
        "total_count",
        of_codes(ndtms),
        f"The national NDTMS figures of the CSP by reporting year (April to March): "
        f"{names}; each rounded to 5. The comparator for the provider's figures above.",
    )


def definitions_table(shown: list[Measure]) -> Chart:
    """Every definition the CSP's figures were counted under, in report order."""
    periods = adhoc_metric("Periods with figures", "COUNT(*)")
    order = adhoc_metric("Report order", "MIN(display_order * 100 + definition_number)")
    chart = table_agg(
        DEFINITIONS,
        "scorecard",
        ["measure_name", DEFINITION, "numerator_definition", "denominator_definition"],
        [periods],
        of_codes(shown),
        "What each figure of this dashboard counts: every definition its figures were "
        "counted under (number and the day it applies from), the numerator and "
        "denominator in words, and how many months (years for a yearly figure) have "
        "figures under it.",
        row_limit=100,
    )
    chart.params.update(
        timeseries_limit_metric=order,
        order_desc=False,
        show_cell_bars=False,
        column_config={
            "numerator_definition": {"customColumnName": "Numerator"},
            "denominator_definition": {"customColumnName": "Denominator"},
        },
    )
    chart.query["orderby"] = [[order, True]]
    return chart


def day(d: date) -> str:
    """4 April 2026."""
    return f"{d.day} {d:%B %Y}"


def notes_text(shown: list[Measure]) -> str:
    changed = [m for m in shown if m.valid_from is not None]
    changes = "".join(
        f"\n* *{m.measure_name}*, from {day(m.valid_from)}: "
        f"{lower_first(m.numerator_definition)}, as a % of "
        f"{lower_first(str(m.denominator_definition))}."
        for m in changed
    )
    if changes:
        changes = "\n\nDefinitions in force now that changed:\n" + changes
    return f"""\
### About the treatment figures and their definitions

**Clients in treatment** are counted once in the financial year: a client with an episode
open at any time from 1 April to the month's end. Each month's figure is the year so far,
compared with the same months of last year.

**A definition can change**, for instance when the national definition does. Every figure
is counted under the definition in force for its period, and the dashboard says which:
the rates table shows the definition beside each rate (its number, the day it applies
from, the numerator and denominator in words), the line draws each definition as a line of
its own, and last year's rate is shown only when it was counted the same way. A change of
definition is not a change in performance.{changes}

**The 95% interval** of a rate is its Wilson score interval: with few clients it is wide,
and a change inside it may be chance.

**NDTMS** figures are the national statistics (NDTMS ViewIt), by reporting year and rounded
to 5: the comparator for the provider's own figures, counted from its monthly snapshots.
"""


def build(measures: list[Measure]) -> Dashboard:
    domain = in_domain(measures, DOMAIN)
    clients = [m for m in domain if m.method == CLIENTS]
    proportions = [m for m in domain if m.method == PROPORTION]
    ndtms = [m for m in domain if m.source == NDTMS_SOURCE]
    orders = [m for m in in_domain(measures, ORDERS_DOMAIN) if m.source == ORDERS_SOURCE]
    if not clients or not proportions or not ndtms or not orders:
        raise LookupError(
            f"the catalogue has no client count ({CLIENTS}) or no proportion of domain "
            f"{DOMAIN}, no {NDTMS_SOURCE} measure, or no {ORDERS_SOURCE} measure of domain "
            f"{ORDERS_DOMAIN}"
        )
    shown = [*clients, *proportions, *orders, *ndtms]
    monthly = [*clients, *proportions, *orders]
    client_lines = [clients_line(m) for m in clients]
    charts = [
        clients_table(clients),
        *client_lines,
        rates_line(proportions),
        rates_table(proportions),
        orders_chart(orders),
        ndtms_chart(ndtms),
        definitions_table(shown),
    ]
    line_names = [c.name for c in client_lines]
    names = [c.name for c in charts]
    filters = [
        NativeFilter(
            "dra-csp",
            "CSP",
            "area_name",
            "scorecard",
            pre_filter=of_codes(shown),
            description="Community Safety Partnership (those with treatment or court order "
            "figures)",
        ),
        NativeFilter(
            "dra-fy",
            "Financial year",
            "financial_year",
            "scorecard",
            sort_asc=False,
            excluded=[*line_names, RATES_LINE, NDTMS, DEFINITIONS],
            pre_filter=of_codes(monthly),
            description="April to March (the this-year-against-last charts show the two "
            "latest years; the rates line, the NDTMS figures and the definitions every year)",
        ),
        NativeFilter(
            "dra-month",
            "Month",
            "month_label",
            "scorecard",
            sort_asc=False,
            parents=["dra-fy"],
            excluded=[n for n in names if n != CLIENTS_TABLE],
            pre_filter=of_codes(clients),
            description="Month of the clients table (latest first)",
        ),
    ]
    layout = [
        [(CLIENTS_TABLE, 12, 25)],
        *chunks(line_names, 3, 50),
        [(RATES_LINE, 12, 55)],
        [(RATES_TABLE, 12, 70)],
        [(ORDERS, 12, 50)],
        [(NOTES, 6, 70), (NDTMS, 6, 70)],
        [(DEFINITIONS, 12, 70)],
    ]
    return Dashboard(
        TITLE,
        SLUG,
        "Drug and alcohol treatment in the partnership: clients in treatment this year "
        "against last, successful completion rates with their 95% intervals and the "
        "definition each was counted under, DRR and ATR orders by month, and the national "
        "NDTMS figures by reporting year.",
        charts,
        layout,
        filters,
        markdown={NOTES: notes_text(shown)},
    )
