"""Domestic abuse and MARAC: incidents and cases this year against last, the cumulative
rates (repeats, child present) with their 95% intervals against last year, MARAC cases by
referring agency, and the notes on the repeat flag.

This module writes no measure code: every measure it charts is a row of the catalogue
(seeds/measures.csv, read by superset/catalogue.py) of domain `domestic_abuse`, in report
order (display_order), chosen by its method:
  - a count (method `count`: domestic abuse incidents, MARAC cases heard): a chart of its
    monthly count, this FY against last FY;
  - a proportion (method `ytd_proportion`: the DV and MARAC repeat rates, the share of
    incidents with a child present): a chart of its cumulative rate in the FY, with its 95%
    Wilson interval shaded, against the same point of last FY, and a row in the rates table.
So a new catalogue row of the domain gets its chart once `python superset/generate_assets.py`
has run, with no edit here (superset/dashboards/crime.py says which module may name a code).

The scorecard has domestic abuse rows at area_type 'csp' only (the files are sent per
CSP). The notes compare the partner's repeat flag, the official figure the scorecard
counts, with the repeat the warehouse derives from the pseudonymised victim
(main.repeat_flag_agreement).
"""

from __future__ import annotations

from assets_format import (
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

TITLE = "Domestic abuse and MARAC"
SLUG = "domestic-abuse"

DOMAIN = "domestic_abuse"
COUNT = "count"
PROPORTION = "ytd_proportion"

RATES_TABLE = "Domestic abuse rates with 95% intervals"
AGENCY_BY_MONTH = "MARAC cases by referring agency and month"
AGENCY_TOTALS = "MARAC cases by referring agency"
FLAG_AGREEMENT = "Repeat flag against derived repeat, by CSP and month"
NOTES = "About the repeat figures"

NOTES_TEXT = """\
### About the repeat figures

**The repeat rates are the partners' own figures.** A domestic abuse incident counts as a
repeat when the police flag it as one (another incident within 12 months), a MARAC case
when the MARAC coordinator does (within 12 months of a previous MARAC). That flag is the
official figure: it is what the scorecard and the rates above count.

The warehouse also derives a repeat from the pseudonymised victim: an earlier incident
(or case) of the same victim in the 12 months before, in any file loaded. The table
compares the two for each CSP and month:

* *Flagged only*: the partner knows of an earlier event the files do not hold (before
  the first file loaded, or in another area).
* *Derived only*: the files hold an earlier event the partner did not flag.

Read the disagreement % only where *Full history* is Yes: until 12 months of files are
loaded, the derived repeat cannot see a whole year.

**The shaded band** around each rate is its 95% Wilson score interval. With few cases
(MARAC) it is wide: a change inside it may be chance.
"""


def build(measures: list[Measure]) -> Dashboard:
    domain = in_domain(measures, DOMAIN)
    counts = [m for m in domain if m.method == COUNT]
    proportions = [m for m in domain if m.method == PROPORTION]
    if not counts or not proportions:
        raise LookupError(f"the catalogue has no count or no proportion of domain {DOMAIN}")
    charts = [fy_count(m) for m in counts] + [rate_with_interval(m) for m in proportions]
    charts += [
        table_raw(
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
                "value_last_year",
            ],
            [("display_order", True), ("period_month", False)],
            [simple_filter("measure_code", "IN", codes(proportions)), *csp_only()],
            "Each cumulative rate of the month: the numerator (Count) and denominator from "
            "1 April, the rate in %, its 95% Wilson interval, and the rate 12 months earlier.",
            column_config={
                "count": {"d3NumberFormat": ",d"},
                "denominator": {"d3NumberFormat": ",d"},
                "value": {"d3NumberFormat": ",.1f"},
                "ci_lower": {"d3NumberFormat": ",.1f"},
                "ci_upper": {"d3NumberFormat": ",.1f"},
                "value_last_year": {"d3NumberFormat": ",.1f"},
            },
        ),
        timeseries(
            AGENCY_BY_MONTH,
            "echarts_timeseries_bar",
            "marac_cases_by_agency",
            "period_month",
            True,
            ["referring_agency"],
            "total_cases",
            [],
            "Cases heard at MARAC each month, by the agency that referred them.",
            stack=True,
        ),
        table_agg(
            AGENCY_TOTALS,
            "marac_cases_by_agency",
            ["referring_agency"],
            ["total_cases", "total_repeat_cases", "repeat_share"],
            [],
            "Cases heard at MARAC in the selected financial year by referring agency, with "
            "the repeats among them.",
        ),
        table_raw(
            FLAG_AGREEMENT,
            "repeat_flag_agreement",
            [
                "area_name",
                "month_label",
                "source",
                "events",
                "flagged_repeats",
                "derived_repeats",
                "flagged_only",
                "derived_only",
                "disagreements",
                "disagreement_pct",
                "full_history_label",
            ],
            [("period_month", False), ("area_name", True), ("source", True)],
            [],
            "Data quality: for each file source, CSP and month, the repeats the partner "
            "flagged (the official figure) against those the warehouse derives from the "
            "pseudonymised victim, and the share of events on which they disagree.",
            column_config={"disagreement_pct": {"d3NumberFormat": ",.1f"}},
        ),
    ]
    fy_charts = [fy_name(m) for m in counts]
    names = [c.name for c in charts]
    da_rows = [*csp_only(), simple_filter("domain", "==", DOMAIN)]
    filters = [
        NativeFilter(
            "da-csp",
            "CSP",
            "area_name",
            "scorecard",
            pre_filter=da_rows,
            description="Community Safety Partnership (those that send domestic abuse files)",
        ),
        NativeFilter(
            "da-fy",
            "Financial year",
            "financial_year",
            "scorecard",
            sort_asc=False,
            excluded=fy_charts,
            pre_filter=da_rows,
            description="April to March (the this-year-against-last charts always show the "
            "two latest years)",
        ),
        NativeFilter(
            "da-month",
            "Month",
            "month_label",
            "scorecard",
            sort_asc=False,
            parents=["da-fy"],
            excluded=[n for n in names if n != RATES_TABLE],
            pre_filter=da_rows,
            description="Month of the rates table (latest first)",
        ),
    ]
    layout = [
        *chunks(fy_charts, 2, 50),
        *chunks([interval_name(m) for m in proportions], 3, 55),
        [(RATES_TABLE, 12, 30)],
        [(AGENCY_BY_MONTH, 8, 60), (AGENCY_TOTALS, 4, 60)],
        [(NOTES, 4, 90), (FLAG_AGREEMENT, 8, 90)],
    ]
    return Dashboard(
        TITLE,
        SLUG,
        "Domestic abuse and MARAC in the partnership: incidents and cases this year against "
        "last, the cumulative repeat and child-present rates with their 95% intervals, "
        "MARAC cases by referring agency, and how far the partners' repeat flags and the "
        "warehouse's derived repeats disagree.",
        charts,
        layout,
        filters,
        markdown={NOTES: NOTES_TEXT},
    )
