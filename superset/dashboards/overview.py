"""Community safety overview: the monthly scorecard as the performance report shows it,
under the data status of each partner source.

Measures appear in the catalogue's report order (the scorecard's display_order column);
this module names no measure. The Data status table (serving table source_status) says,
for each source the CSP has sent, the last period received and when the next is due,
overdue sources first: a missing return reads "No data from ... since ...", not as a
silent gap in the scorecard. Whether a source is overdue is judged on the build's status
day (source_status.as_of).
"""

from __future__ import annotations

from assets_format import Dashboard, NativeFilter, simple_filter, table_agg, table_raw
from catalogue import Measure

from dashboards.charts import csp_only

TITLE = "Community safety overview"
SLUG = "community-safety-overview"

SCORECARD = "Community safety scorecard"
CHANGE_YTD = "Change YTD by measure"
DATA_STATUS = "Data status"
TARGETS = "Targets"

TARGETS_COLUMNS = [
    "area_name",
    "measure_name",
    "target_label",
    "judged_value",
    "baseline",
    "change_vs_baseline_pct",
    "distance_from_target",
    "projection_method",
    "rag_html",
    "rag_significance",
    "rag_reason",
]

DATA_STATUS_COLUMNS = [
    "source_title",
    "area_name",
    "last_period_label",
    "expected_by_label",
    "overdue_label",
    "days_late",
    "status",
]

SCORECARD_COLUMNS = [
    "measure_name",
    "count",
    "rate",
    "unit",
    "ytd_count",
    "ytd_count_last_year",
    "ytd_change_pct",
    "direction_arrow",
    "significance_label",
    "previous_month_count",
    "target_label",
    "rag_html",
]


def build(measures: list[Measure]) -> Dashboard:
    charts = [
        table_raw(
            DATA_STATUS,
            "source_status",
            DATA_STATUS_COLUMNS,
            [("is_overdue", False), ("days_late", False), ("source_title", True)],
            [],
            "Is each partner's data up to date? For every source the CSP has sent: the "
            "last period received, the next period and the day it is due (the period's end "
            "plus the lag of the source's contract) and, on the day of the build, whether it "
            "is overdue and by how many days. Overdue sources first.",
            column_config={"days_late": {"d3NumberFormat": ",d"}},
        ),
        table_raw(
            SCORECARD,
            "scorecard",
            SCORECARD_COLUMNS,
            [("display_order", True)],
            csp_only(),
            "The monthly report's scorecard: count, rate, YTD, change YTD with the "
            "monthly direction and whether the change is significant (a change whose 95% "
            "interval spans no change is 'not significant': a handful of incidents more is "
            "not a trend), previous month, target and RAG status (hover for the reason).",
            render_html=True,
            column_config={
                "rate": {"d3NumberFormat": ",.2f"},
                "ytd_change_pct": {"d3NumberFormat": "+.1f"},
                "count": {"d3NumberFormat": ",d"},
                "ytd_count": {"d3NumberFormat": ",d"},
                "ytd_count_last_year": {"d3NumberFormat": ",d"},
                "previous_month_count": {"d3NumberFormat": ",d"},
            },
        ),
        table_raw(
            TARGETS,
            "scorecard",
            TARGETS_COLUMNS,
            [("area_name", True), ("display_order", True)],
            [simple_filter("target_type", "IS NOT NULL"), *csp_only()],
            "Each CSP's targets (the register, seeds/targets.csv) in the month: the target, "
            "the figure judged (a count's projected outturn for the year, a rate's year to "
            "date), the baseline and the change against it, the status with its reason, and "
            "whether the distance from the target is beyond chance.",
            render_html=True,
            column_config={
                "judged_value": {"d3NumberFormat": ",.1f"},
                "baseline": {"d3NumberFormat": ",.1f"},
                "change_vs_baseline_pct": {"d3NumberFormat": "+.1f"},
                "distance_from_target": {"d3NumberFormat": "+,.1f"},
            },
        ),
        table_agg(
            CHANGE_YTD,
            "scorecard",
            ["measure_name"],
            ["ytd_change"],
            csp_only(),
            "YTD change % of each measure against the same period last year.",
            row_limit=100,
        ),
    ]
    filters = [
        NativeFilter(
            "csp",
            "CSP",
            "area_name",
            "scorecard",
            pre_filter=csp_only(),
            description="Community Safety Partnership",
        ),
        NativeFilter(
            "fy",
            "Financial year",
            "financial_year",
            "scorecard",
            sort_asc=False,
            excluded=[DATA_STATUS],
            description="April to March (the data status is always the latest)",
        ),
        NativeFilter(
            "month",
            "Month",
            "month_label",
            "scorecard",
            sort_asc=False,
            parents=["fy"],
            excluded=[DATA_STATUS],
            description="Reporting month (latest first)",
        ),
    ]
    return Dashboard(
        TITLE,
        SLUG,
        "The monthly scorecard of the partnership, as the performance report shows it, "
        "under the data status of each partner source (overdue first).",
        charts,
        [
            [(DATA_STATUS, 12, 40)],
            [(SCORECARD, 12, 80)],
            [(TARGETS, 12, 50)],
            [(CHANGE_YTD, 12, 50)],
        ],
        filters,
    )
