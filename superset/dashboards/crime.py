"""Crime: this year against last, rates, hate crime, public place violence, serious
acquisitive crime, crime by LSOA and the peer ranking (Most Similar Group).

Measure codes, the rule: a measure code is written by hand in at most one dashboard
module, this one, and nowhere else under superset/ except the generated superset/assets/.
It names only the measures with charts of their own (ALL_CRIME, SAC,
PUBLIC_PLACE_VIOLENCE) and the hate crime total (HATE_CRIME_TOTAL, to leave it out of the
strands). Every list of measures comes from the catalogue (seeds/measures.csv, read by
superset/catalogue.py), in its report order (display_order):
  - every measure, this FY against last: the rows of domain `crime`;
  - hate crime by strand: the rows of domain `hate_crime` other than the total;
  - rates per 1,000: the rows with rate_per 1000.
So a new catalogue row of domain `crime` shows in this dashboard once
`python superset/generate_assets.py` has run, with no other edit. The project's check
allows each code in the catalogue and at most one more hand-written file;
tests/unit/test_superset_catalogue.py holds superset/ to this module.
"""

from __future__ import annotations

from assets_format import (
    Chart,
    Dashboard,
    NativeFilter,
    pivot,
    simple_filter,
    table_agg,
    table_raw,
    timeseries,
)
from catalogue import Measure, codes, in_domain

from dashboards.charts import csp_only, fy_line

TITLE = "Crime"
SLUG = "crime"

ALL_CRIME = "all_crime"
SAC = "sac"
PUBLIC_PLACE_VIOLENCE = "public_place_violence"
HATE_CRIME_TOTAL = "hate_crime_total"

CRIME_DOMAIN = "crime"
HATE_CRIME_DOMAIN = "hate_crime"

ALL_CRIME_FY = "All crime: this FY against last FY by month"
SAC_FY = "Serious acquisitive crime: this FY against last FY by month"
PPV_FY = "Public place violence: this FY against last FY by month"
EVERY_MEASURE = "Every measure: this FY against last FY by month"
RATES = "Rates per 1,000 by month"
HATE_STRANDS = "Hate crime by strand"
HATE_CHANGE = "Hate crime: change on last year and its significance"
PPV_AND_SAC = "Public place violence and SAC by month"
BY_LSOA = "Crime by LSOA"
PEERS = "Peer ranking: rate per 1,000 and position in the Most Similar Group by quarter"


def fy_count(name: str, measure: Measure) -> Chart:
    return fy_line(
        name,
        measure,
        f"Monthly count of {measure.measure_name.lower()} in this financial year against "
        "the same month of last year.",
    )


def and_list(words: list[str]) -> str:
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]]))


def rates_description(rated: list[Measure]) -> str:
    """The rates chart's description, naming the measures whose denominator is not the
    population."""
    others: dict[str, list[str]] = {}
    for m in rated:
        if m.rate_denominator != "population":
            name = m.measure_name[:1].lower() + m.measure_name[1:]
            others.setdefault(str(m.rate_denominator), []).append(name)
    notes = "; ".join(f"per 1,000 {d} for {and_list(names)}" for d, names in others.items())
    return f"Year-to-date rate per 1,000 population{f' ({notes})' if notes else ''} at each month."


def build(measures: list[Measure]) -> Dashboard:
    crime_codes = codes(in_domain(measures, CRIME_DOMAIN))
    strands = [c for c in codes(in_domain(measures, HATE_CRIME_DOMAIN)) if c != HATE_CRIME_TOTAL]
    per_1000 = [m for m in measures if m.rate_per == 1000]
    by_code = {m.measure_code: m for m in measures}
    charts = [
        fy_count(ALL_CRIME_FY, by_code[ALL_CRIME]),
        fy_count(SAC_FY, by_code[SAC]),
        fy_count(PPV_FY, by_code[PUBLIC_PLACE_VIOLENCE]),
        pivot(
            EVERY_MEASURE,
            "scorecard_fy_compare",
            ["measure_name", "fy_position"],
            ["fy_month_label"],
            "total_count",
            [simple_filter("measure_code", "IN", crime_codes), *csp_only()],
            "Monthly counts of every crime measure, this financial year and last.",
        ),
        timeseries(
            RATES,
            "echarts_timeseries_line",
            "scorecard",
            "period_month",
            True,
            ["measure_name"],
            "rate",
            [simple_filter("measure_code", "IN", codes(per_1000)), *csp_only()],
            rates_description(per_1000),
            y_format=",.1f",
        ),
        timeseries(
            HATE_STRANDS,
            "echarts_timeseries_bar",
            "scorecard",
            "period_month",
            True,
            ["measure_name"],
            "total_count",
            [simple_filter("measure_code", "IN", strands), *csp_only()],
            "Hate crimes by strand and month (a crime with several strands counts in each).",
            stack=True,
        ),
        table_raw(
            HATE_CHANGE,
            "scorecard",
            [
                "month_label",
                "area_name",
                "measure_name",
                "ytd_count",
                "ytd_count_last_year",
                "ytd_change_pct",
                "direction_arrow",
                "significance_label",
                "ytd_change_ci_lower",
                "ytd_change_ci_upper",
            ],
            [("period_month", False), ("area_name", True), ("display_order", True)],
            [simple_filter("measure_code", "IN", [HATE_CRIME_TOTAL, *strands]), *csp_only()],
            "Hate crime from 1 April against the same months last year, by strand, with the "
            "95% interval of the change (exact, for a handful of incidents) and whether it "
            "is significant: a strand's +140% from 7 to 17 incidents is 'not significant', "
            "a change that could be chance, not a trend.",
            column_config={
                "ytd_count": {"d3NumberFormat": ",d"},
                "ytd_count_last_year": {"d3NumberFormat": ",d"},
                "ytd_change_pct": {"d3NumberFormat": "+.1f"},
                "ytd_change_ci_lower": {"d3NumberFormat": "+.1f"},
                "ytd_change_ci_upper": {"d3NumberFormat": "+.1f"},
            },
            row_limit=500,
        ),
        timeseries(
            PPV_AND_SAC,
            "echarts_timeseries_line",
            "scorecard",
            "period_month",
            True,
            ["measure_name"],
            "total_count",
            [simple_filter("measure_code", "IN", [PUBLIC_PLACE_VIOLENCE, SAC]), *csp_only()],
            "Monthly counts of public place violence and serious acquisitive crime.",
        ),
        table_agg(
            BY_LSOA,
            "crime_by_lsoa",
            ["lsoa_name", "lsoa_code"],
            ["total_count"],
            [simple_filter("measure_code", "==", ALL_CRIME)],
            "All crime by LSOA over the selected period, highest first (top 50).",
        ),
        table_raw(
            PEERS,
            "peer_ranking",
            [
                "quarter_label",
                "area_name",
                "measure_name",
                "count",
                "rate_per_1000",
                "position_label",
                "position_last_quarter_label",
                "group_median_rate_per_1000",
            ],
            [("period_month", False), ("area_name", True), ("display_order", True)],
            [],
            "Each CSP against its group of similar CSPs (seeds/most_similar_groups.csv, a "
            "labelled stand-in until the Home Office groups are added): offences of the Home "
            "Office table of recorded crime by CSP per 1,000 population, and the CSP's "
            "position in its group by that rate, 1 = the lowest rate, this quarter and last.",
            column_config={
                "rate_per_1000": {"d3NumberFormat": ",.1f"},
                "group_median_rate_per_1000": {"d3NumberFormat": ",.1f"},
            },
            row_limit=500,
        ),
    ]
    fy_charts = [ALL_CRIME_FY, SAC_FY, PPV_FY, EVERY_MEASURE]
    filters = [
        NativeFilter(
            "crime-csp",
            "CSP",
            "area_name",
            "scorecard",
            pre_filter=csp_only(),
            description="Community Safety Partnership",
        ),
        NativeFilter(
            "crime-fy",
            "Financial year",
            "financial_year",
            "scorecard",
            sort_asc=False,
            excluded=fy_charts,
            description="April to March (the this-year-against-last charts "
            "always show the two latest years)",
        ),
    ]
    layout = [
        [(ALL_CRIME_FY, 12, 50)],
        [(SAC_FY, 6, 50), (PPV_FY, 6, 50)],
        [(EVERY_MEASURE, 12, 130)],
        [(RATES, 6, 50), (HATE_STRANDS, 6, 50)],
        [(HATE_CHANGE, 12, 60)],
        [(PPV_AND_SAC, 6, 60), (BY_LSOA, 6, 60)],
        [(PEERS, 12, 80)],
    ]
    return Dashboard(
        TITLE,
        SLUG,
        "Crime in the partnership: this year against last, rates, hate crime, public "
        "place violence, serious acquisitive crime, crime by LSOA and the CSP's position "
        "among its peers.",
        charts,
        layout,
        filters,
    )
