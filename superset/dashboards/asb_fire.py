"""ASB and fire: anti-social behaviour reported to the police and to the council this year
against last, council reports by category and channel, repeat callers, satisfaction with
its 95% interval, deliberate fires and malicious false alarms per 100,000, and the figures
restated since they were first reported.

This module writes no measure code: every measure it charts is a row of the catalogue
(seeds/measures.csv, read by superset/catalogue.py) of domain `asb` or `fire`, in report
order (display_order), chosen by its method and rate:
  - an ASB count (methods `count`, `sum_of`, `repeat_people`: ASB reported to the police,
    to the council, both together, the repeat callers): a chart of its monthly count,
    this FY against last FY;
  - an ASB proportion (method `ytd_proportion`: satisfaction): its cumulative rate in the
    FY with its 95% Wilson interval shaded, against the same point of last FY;
  - the fire measures with a rate: one chart of their year-to-date rates by month, per
    rate (per 100,000 population), titled with the unit.
Every one of them is a row of the figures table, with its count as first reported and a
mark on the restated ones. So a new catalogue row of either domain shows here once
`python superset/generate_assets.py` has run, with no edit here.

The council and fire files are sent per CSP, so those measures have rows at area_type
'csp' only; the police's ASB has force rows too (charted at CSP level like the rest).
The CSP filter lists the CSPs with a council or fire figure: the measures whose source
is no police extract (a force's police files cover every CSP of the force).
"""

from __future__ import annotations

import re

from assets_format import (
    Chart,
    Dashboard,
    NativeFilter,
    simple_filter,
    table_agg,
    table_raw,
    timeseries,
)
from catalogue import Measure, codes, in_domain

from dashboards.charts import (
    chunks,
    csp_only,
    fy_count,
    fy_name,
    interval_name,
    rate_with_interval,
)

TITLE = "ASB and fire"
SLUG = "asb-fire"

ASB = "asb"
FIRE = "fire"
#: ASB measures counted per month (this FY against last FY)
COUNT_METHODS = ("count", "sum_of", "repeat_people")
PROPORTION = "ytd_proportion"
#: A catalogue source of this prefix is a police extract (one per force, not per CSP).
POLICE_SOURCE_PREFIX = "police_"

BY_CATEGORY = "Council ASB reports by category and month"
BY_CHANNEL = "Council ASB reports by channel, with satisfaction"
FIGURES = "ASB and fire figures by month, restated marked"
RESTATED = "Restated ASB and fire figures"
NOTES = "About first reported and latest figures"

NOTES_TEXT = """\
### First reported and latest figures

**Every figure shown is the latest**: counted from the newest file the partner has sent
for the month. The **first reported** count is the one first published for that month,
as the monthly report of the time showed it.

When a partner later sends a corrected file for a month (a *restatement*: reports logged
late and backdated into the month, incidents reclassified), the figure changes. The
figures table marks it *Restated (first reported N)*, with the first reported count
beside the latest; the table beside lists every change: the count before and after,
when the figure was first reported and when it was restated, and the file that changed it.

**No data is not zero.** *ASB reported to the police and the council* has no value for a
month when either part is missing (a council return not received yet): the *Data status*
table of the Community safety overview says which source is overdue, and since when.
"""


def sources(measure: Measure) -> list[str]:
    """The extracts a catalogue row reads (`a|b`: the first with data, `a+b`: both)."""
    return re.split(r"[|+]", measure.source)


def sent_per_csp(measure: Measure) -> bool:
    """A measure counted from partner files sent per CSP (no police extract)."""
    return not any(s.startswith(POLICE_SOURCE_PREFIX) for s in sources(measure))


def per_text(measure: Measure) -> str:
    return f"per {measure.rate_per:,} {measure.rate_denominator}"


def rates_name(measure: Measure) -> str:
    return f"Fire incidents: year-to-date rate {per_text(measure)} by month"


def fire_rates(rated: list[Measure]) -> Chart:
    """The year-to-date rates of `rated` (one rate: per and denominator) by month."""
    first = rated[0]
    names = ", ".join(m.measure_name.lower() for m in rated)
    return timeseries(
        rates_name(first),
        "echarts_timeseries_line",
        "scorecard",
        "period_month",
        True,
        ["measure_name"],
        "rate",
        [simple_filter("measure_code", "IN", codes(rated)), *csp_only()],
        f"Year-to-date rate {per_text(first)} at each month of the financial year "
        f"(the scorecard's value): {names}.",
        y_format=",.1f",
        y_title=f"{per_text(first)} (year to date)",
    )


def by_rate(measures: list[Measure]) -> list[list[Measure]]:
    """The measures with a rate, grouped by rate (rate_per, rate_denominator), in order."""
    groups: dict[tuple, list[Measure]] = {}
    for m in measures:
        if m.has_rate:
            groups.setdefault((m.rate_per, m.rate_denominator), []).append(m)
    return list(groups.values())


def build(measures: list[Measure]) -> Dashboard:
    asb = in_domain(measures, ASB)
    fire = in_domain(measures, FIRE)
    counts = [m for m in asb if m.method in COUNT_METHODS]
    proportions = [m for m in asb if m.method == PROPORTION]
    rated = by_rate(fire)
    if not counts or not proportions or not rated:
        raise LookupError(
            f"the catalogue has no count or no proportion of domain {ASB}, "
            f"or no {FIRE} measure with a rate"
        )
    shown = asb + fire
    charts = [fy_count(m) for m in counts] + [rate_with_interval(m) for m in proportions]
    charts += [
        timeseries(
            BY_CATEGORY,
            "echarts_timeseries_bar",
            "asb_reports_by_category",
            "period_month",
            True,
            ["category"],
            "total_reports",
            [],
            "ASB reports made to the council each month, by kind of ASB.",
            stack=True,
        ),
        table_agg(
            BY_CHANNEL,
            "asb_reports_by_category",
            ["channel"],
            ["total_reports", "total_surveyed", "satisfied_share"],
            [],
            "ASB reports made to the council in the selected financial year by how they "
            "were made, with the callers surveyed and the share of them satisfied.",
        ),
        *(fire_rates(group) for group in rated),
        table_raw(
            FIGURES,
            "scorecard",
            [
                "measure_name",
                "month_label",
                "count",
                "first_reported_count",
                "restated_label",
                "ytd_count",
                "rate",
                "unit",
            ],
            [("period_month", False), ("display_order", True)],
            [simple_filter("measure_code", "IN", codes(shown)), *csp_only()],
            "Every ASB and fire figure of the selected financial year, latest month first: "
            "the count (for satisfaction, the satisfied callers from 1 April), the count "
            "as first reported, 'Restated' when a later file changed it, the YTD count, and "
            "the rate with its unit. A blank count is no data (a file not received).",
            column_config={
                "count": {"d3NumberFormat": ",d"},
                "first_reported_count": {"d3NumberFormat": ",d"},
                "ytd_count": {"d3NumberFormat": ",d"},
                "rate": {"d3NumberFormat": ",.1f"},
            },
        ),
        table_raw(
            RESTATED,
            "restatements",
            [
                "measure_name",
                "area_name",
                "month_label",
                "first_reported_count",
                "first_reported_label",
                "count_before",
                "count_after",
                "count_change",
                "restated_at_label",
                "source_file",
            ],
            [("restated_at", False), ("period_month", False), ("measure_name", True)],
            [simple_filter("domain", "IN", [ASB, FIRE]), *csp_only()],
            "Every ASB and fire figure that changed after it was first published, latest "
            "change first: the month, the count as first reported and when, the count "
            "before and after the change, when the change was published and the file "
            "that made it.",
            column_config={
                "first_reported_count": {"d3NumberFormat": ",d"},
                "count_before": {"d3NumberFormat": ",d"},
                "count_after": {"d3NumberFormat": ",d"},
                "count_change": {"d3NumberFormat": "+,d"},
            },
        ),
    ]
    fy_charts = [fy_name(m) for m in counts]
    csp_rows = [
        *csp_only(),
        simple_filter("measure_code", "IN", codes([m for m in shown if sent_per_csp(m)])),
    ]
    filters = [
        NativeFilter(
            "asbf-csp",
            "CSP",
            "area_name",
            "scorecard",
            pre_filter=csp_rows,
            description="Community Safety Partnership (those that send council ASB or fire files)",
        ),
        NativeFilter(
            "asbf-fy",
            "Financial year",
            "financial_year",
            "scorecard",
            sort_asc=False,
            excluded=[*fy_charts, RESTATED],
            pre_filter=csp_rows,
            description="April to March (the this-year-against-last charts always show the "
            "two latest years; the restated figures table shows every year)",
        ),
    ]
    layout = [
        *chunks(fy_charts, 2, 50),
        *chunks([interval_name(m) for m in proportions] + [BY_CHANNEL], 2, 55),
        [(BY_CATEGORY, 12, 60)],
        *chunks([rates_name(group[0]) for group in rated], 1, 55),
        [(FIGURES, 12, 70)],
        [(NOTES, 4, 60), (RESTATED, 8, 60)],
    ]
    return Dashboard(
        TITLE,
        SLUG,
        "Anti-social behaviour and fire in the partnership: ASB reported to the police and "
        "to the council this year against last, council reports by category and channel, "
        "repeat callers, satisfaction with its 95% interval, deliberate fires and malicious "
        "false alarms per 100,000, and the figures restated since first reported.",
        charts,
        layout,
        filters,
        markdown={NOTES: NOTES_TEXT},
    )
