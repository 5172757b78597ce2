"""Reoffending and IOM: the Integrated Offender Management scorecard by quarter (cohort
size, the cohort's convictions this FY against the same quarter last FY, the change in %
for the quarter and from 1 April, the cost of its offending), the cohort over time, the
DRR and ATR orders' outcomes by month, and probation's criminogenic needs by team and
OASys section (seed report 000's "IOM Scorecard" and "Criminogenic needs" tables).

This module writes no measure code: every measure it charts is a row of the catalogue
(seeds/measures.csv, read by superset/catalogue.py), chosen by its domain (`reoffending`),
period type, method and source:
  - the IOM figures are the domain's quarterly measures (period_type `quarter`, one row
    per CSP and quarter, period_month the quarter's last month):
      * cohort size: the measure of the cohort snapshot alone (source `iom_cohort`), a
        level at the quarter's end;
      * the cohort's convictions: the other quarterly measure in unit `count`;
      * the change in reoffending: method `change` (count: the cohort's convictions in the
        quarter; denominator: the same offenders' convictions in the same quarter last FY;
        value: the change in %) and method `ytd_change` (the same from 1 April);
      * the cost of offending: method `sum` (count: £ at 2015/16 prices, NULL while the
        cost seed has no figures: shown as "No data", never as 0);
  - the court orders with a treatment requirement (source `court_orders`: DRRs and ATRs
    commenced, completed, revoked), by month;
  - the criminogenic needs are the `probation_needs` mart (not the scorecard): initial
    and termination assessments in charts of their own, never added together.
So a new quarterly count of the domain shows in the cohort line, and a new court order
measure in the orders chart, once `python superset/generate_assets.py` has run
(superset/dashboards/crime.py says which module may name a code).

Every figure is at area_type 'csp' and every dataset has area_code, so the row-level
security of every dataset applies as it is.
"""

from __future__ import annotations

from typing import Any

from assets_format import (
    Chart,
    Dashboard,
    NativeFilter,
    adhoc_metric,
    pivot,
    simple_filter,
    table_agg,
    timeseries,
)
from catalogue import Measure, codes, in_domain

from dashboards.charts import csp_only

TITLE = "Reoffending and IOM"
SLUG = "reoffending"

DOMAIN = "reoffending"
QUARTER = "quarter"
#: The quarterly snapshot of the IOM cohort: its count is the cohort's size.
COHORT_SOURCE = "iom_cohort"
#: Probation's snapshot of the DRR and ATR orders.
ORDERS_SOURCE = "court_orders"
CHANGE, YTD_CHANGE, SUM = "change", "ytd_change", "sum"
#: The unit of the quarterly counts (the cohort and its convictions) the line draws.
COUNT_UNIT = "count"
#: The published mart of probation's criminogenic needs.
NEEDS = "probation_needs"

IOM_TABLE = "IOM scorecard by quarter"
COHORT_LINE = "IOM cohort and its convictions by quarter"
ORDERS = "DRR and ATR outcomes by month"
NEEDS_INITIAL = "Criminogenic needs at initial assessment from 1 April (% with the need)"
NEEDS_TERMINATION = "Criminogenic needs at termination from 1 April (% with the need)"
NEEDS_TABLE = "Criminogenic needs by team and OASys section from 1 April: counts and %"
NOTES = "About the IOM and needs figures"

#: The quarter of the financial year and its months: 'Q1 2025/26 (Apr-Jun)'.
QUARTER_SQL = (
    "printf('Q%d %s (%s-%s)', ((quarter(period_month) + 2) % 4) + 1, financial_year, "
    "strftime(period_month - INTERVAL 2 MONTH, '%b'), strftime(period_month, '%b'))"
)
QUARTER_COLUMN = {"label": "Quarter", "sqlExpression": QUARTER_SQL, "expressionType": "SQL"}

#: The cost at 2015/16 prices, or "No data" (a NULL sum, while the seed has no figures).
COST_SQL = "coalesce(printf('£%,d', {}), 'No data')"

# The IOM table's columns (metric labels), in order.
COHORT = "Number on scheme"
THIS_FY = "Convictions this FY in quarter"
LAST_FY = "Convictions last FY in quarter"
CHANGE_PCT = "Change % (quarter)"
YTD_THIS_FY = "Convictions this FY from 1 April"
YTD_LAST_FY = "Convictions last FY, same quarters"
YTD_CHANGE_PCT = "Change % (from 1 April)"
COST = "Total cost of offending (2015/16 prices)"


def of_codes(measures: list[Measure]) -> list[dict]:
    """The CSP rows of `measures`."""
    return [simple_filter("measure_code", "IN", codes(measures)), *csp_only()]


def one(measures: list[Measure], what: str) -> Measure:
    if len(measures) != 1:
        raise LookupError(
            f"the catalogue has {len(measures)} quarterly measures of domain {DOMAIN} "
            f"that are {what}; expected one"
        )
    return measures[0]


def of_measure(measure: Measure, column: str) -> str:
    """The measure's `column` in its one row per CSP and quarter."""
    return f"MAX(CASE WHEN measure_code = '{measure.measure_code}' THEN {column} END)"


def iom_table(cohort: Measure, change: Measure, ytd_change: Measure, cost: Measure) -> Chart:
    """The report's IOM scorecard, a row per CSP and quarter of the financial year."""
    metrics = [
        adhoc_metric(COHORT, of_measure(cohort, "count")),
        adhoc_metric(THIS_FY, of_measure(change, "count")),
        adhoc_metric(LAST_FY, of_measure(change, "denominator")),
        adhoc_metric(CHANGE_PCT, of_measure(change, "value")),
        adhoc_metric(YTD_THIS_FY, of_measure(ytd_change, "count")),
        adhoc_metric(YTD_LAST_FY, of_measure(ytd_change, "denominator")),
        adhoc_metric(YTD_CHANGE_PCT, of_measure(ytd_change, "value")),
        adhoc_metric(COST, COST_SQL.format(of_measure(cost, "count"))),
    ]
    order = adhoc_metric("Quarter's last month", "MIN(period_month)")
    chart = table_agg(
        IOM_TABLE,
        "scorecard",
        ["area_name", QUARTER_COLUMN],
        metrics,
        of_codes([cohort, change, ytd_change, cost]),
        "The IOM scorecard of the financial year, a row per quarter: the offenders on the "
        "scheme at the quarter's end, their convictions in the quarter against the same "
        "offenders' convictions in the same quarter last year and the change in %, the "
        "same from 1 April, and the Home Office unit cost of the crimes they were "
        "convicted of (2015/16 prices, Heeks et al. 2018; No data until the unit costs "
        "are transcribed into the cost seed).",
        row_limit=100,
    )
    counts = {"d3NumberFormat": ",d"}
    pct = {"d3NumberFormat": "+,.1f"}
    chart.params.update(
        timeseries_limit_metric=order,
        order_desc=False,
        show_cell_bars=False,
        column_config={
            COHORT: counts,
            THIS_FY: counts,
            LAST_FY: counts,
            CHANGE_PCT: pct,
            YTD_THIS_FY: counts,
            YTD_LAST_FY: counts,
            YTD_CHANGE_PCT: pct,
        },
    )
    chart.query["orderby"] = [[order, True]]
    return chart


def cohort_line(counts: list[Measure]) -> Chart:
    names = " and ".join(m.measure_name for m in counts)
    return timeseries(
        COHORT_LINE,
        "echarts_timeseries_line",
        "scorecard",
        "period_month",
        True,
        ["measure_name"],
        "total_count",
        of_codes(counts),
        f"{names} by quarter (at the quarter's last month), every quarter with figures: "
        + " ".join(m.description for m in counts),
    )


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
        f"Drug Rehabilitation and Alcohol Treatment Requirements by month, their outcomes "
        f"(completed, revoked for further offending) beside those commenced: {names}.",
    )


def needs_of(event_type: str) -> list[dict]:
    """The CSP rows of one assessment type (never the two added together)."""
    return [simple_filter("event_type", "==", event_type), *csp_only()]


def needs_heatmap(name: str, event_type: str, description: str) -> Chart:
    """Teams across, OASys sections down (3 at the top), the share of the assessments
    that found the need from 1 April, on one colour scale from 0 to 100%."""
    metric_name = "need_share_fytd"
    params: dict[str, Any] = {
        "x_axis": "team",
        "time_grain_sqla": None,
        "groupby": "need_section_label",
        "metric": metric_name,
        "adhoc_filters": needs_of(event_type),
        "row_limit": 10000,
        "sort_x_axis": "alpha_asc",
        "sort_y_axis": "alpha_desc",
        "normalize_across": "heatmap",
        "legend_type": "continuous",
        "linear_color_scheme": "oranges",
        "xscale_interval": 1,
        "yscale_interval": 1,
        # from the chart's edge to the axis labels ("auto" centres the grid and cuts the
        # long section names off)
        "left_margin": 20,
        "bottom_margin": 20,
        "value_bounds": [0, 100],
        "y_axis_format": ",.1f",
        "x_axis_time_format": "smart_date",
        "x_axis_label_rotation": 0,
        "currency_format": None,
        "show_legend": True,
        "show_percentage": False,
        "show_values": True,
        "normalized": False,
        "border_color": {"r": 255, "g": 255, "b": 255, "a": 1},
        "border_width": 1,
    }
    query = {
        "columns": ["team", "need_section_label"],
        "metrics": [metric_name],
        "orderby": [["team", True], ["need_section_label", False]],
        "row_limit": 10000,
    }
    return Chart(name, "heatmap_v2", NEEDS, params, query, description)


def needs_table() -> Chart:
    """Counts and % by type, team and section: the report's criminogenic needs table, the
    count and the share side by side under each section."""
    metrics = ["with_need_fytd", "need_share_fytd"]
    chart = pivot(
        NEEDS_TABLE,
        NEEDS,
        ["event_type_label", "team"],
        ["need_section_label"],
        metrics[0],
        csp_only(),
        "For each assessment type (initial and termination apart) and team, and each OASys "
        "section: the assessments from 1 April that found the need, and their share of "
        "the team's assessments of the type in %. A blank share: the team made none.",
    )
    # One value per cell; "Maximum" leaves a blank share blank (a sum would show 0).
    chart.params.update(
        metrics=metrics, metricsLayout="COLUMNS", combineMetric=True, aggregateFunction="Maximum"
    )
    chart.query.update(metrics=metrics)
    return chart


NOTES_TEXT = """\
### About the IOM and needs figures

**The IOM cohort** is the offenders on the Integrated Offender Management scheme at the
quarter's end. Its **convictions** are those dated in the quarter (a conviction dated
before the offender's selection included), compared with **the same offenders'**
convictions in the same quarter of last financial year: the change in % says whether
this cohort offends less than it did a year before. *From 1 April* adds up each quarter's
cohort and convictions from the year's first quarter. A change is blank when last year's
figure is 0.

**The cost of offending** is the Home Office unit cost of the crimes the cohort was
convicted of in the quarter (Heeks et al. 2018, *The economic and social costs of crime*,
HORR 99), at **2015/16 prices**. It shows **No data** until the unit costs are
transcribed into the cost seed (seeds/cost_of_crime.csv): a partial sum is never shown
as the whole, and no cost is shown as 0.

**Criminogenic needs** are the OASys sections (3 Accommodation to 12 Attitudes) in which
an assessment found a need: the share of the team's assessments from 1 April of the
selected financial year. Initial assessments (at the start of an order or licence) and
termination assessments (at its end) are shown apart and never added together. With few
assessments a share is uncertain: the mart has each share's 95% Wilson interval.

**DRRs and ATRs** are the Drug Rehabilitation and Alcohol Treatment Requirements of
community orders: commenced, completed and revoked for further offending, by month.
"""


def build(measures: list[Measure]) -> Dashboard:
    domain = in_domain(measures, DOMAIN)
    quarterly = [m for m in domain if m.period_type == QUARTER]
    counts = [m for m in quarterly if m.unit == COUNT_UNIT]
    cohort = one([m for m in quarterly if m.source == COHORT_SOURCE], f"of {COHORT_SOURCE}")
    change = one([m for m in quarterly if m.method == CHANGE], f"method {CHANGE}")
    ytd_change = one([m for m in quarterly if m.method == YTD_CHANGE], f"method {YTD_CHANGE}")
    cost = one([m for m in quarterly if m.method == SUM], f"method {SUM}")
    orders = [m for m in domain if m.source == ORDERS_SOURCE]
    if not orders or len(counts) < 2:
        raise LookupError(
            f"the catalogue has no {ORDERS_SOURCE} measure of domain {DOMAIN}, or no "
            "quarterly count of the cohort's convictions"
        )
    charts = [
        iom_table(cohort, change, ytd_change, cost),
        cohort_line(counts),
        orders_chart(orders),
        needs_heatmap(
            NEEDS_INITIAL,
            "initial",
            "Of each team's initial assessments (at the start of an order or licence) "
            "from 1 April of the financial year, the share in % that found a need in each "
            "OASys section (3 at the top). Termination assessments are in the chart below, "
            "never added to these.",
        ),
        needs_heatmap(
            NEEDS_TERMINATION,
            "termination",
            "Of each team's termination assessments (at the end of an order or licence) "
            "from 1 April of the financial year, the share in % that found a need in each "
            "OASys section: against the initial assessments above, how far needs were "
            "met.",
        ),
        needs_table(),
    ]
    shown = [*quarterly, *orders]
    filters = [
        NativeFilter(
            "reo-csp",
            "CSP",
            "area_name",
            "scorecard",
            pre_filter=of_codes(shown),
            description="Community Safety Partnership (those with IOM or court order figures)",
        ),
        NativeFilter(
            "reo-fy",
            "Financial year",
            "financial_year",
            "scorecard",
            sort_asc=False,
            excluded=[COHORT_LINE],
            pre_filter=of_codes(shown),
            description="April to March: the IOM table's quarters, the orders' months and "
            "the needs from 1 April (the cohort line shows every quarter)",
        ),
    ]
    layout = [
        [(IOM_TABLE, 12, 40)],
        [(COHORT_LINE, 6, 55), (ORDERS, 6, 55)],
        [(NEEDS_INITIAL, 12, 65)],
        [(NEEDS_TERMINATION, 12, 65)],
        [(NEEDS_TABLE, 12, 90)],
        [(NOTES, 12, 60)],
    ]
    return Dashboard(
        TITLE,
        SLUG,
        "Reoffending in the partnership: the IOM scorecard by quarter (cohort size, the "
        "cohort's convictions against the same quarter last year, the change in % for the "
        "quarter and from 1 April, and the cost of its offending at 2015/16 prices, no data "
        "until the unit costs are transcribed), the cohort over time, DRR and ATR outcomes "
        "by month, and probation's criminogenic needs by team and OASys section, initial "
        "and termination assessments apart.",
        charts,
        layout,
        filters,
        markdown={NOTES: NOTES_TEXT},
    )
