"""The serving database and the datasets every dashboard is built on.

`scorecard` (the published dbt model), `scorecard_fy_compare` (its two latest financial
years by month of the FY), `crime_by_lsoa` (serving table crime_by_lsoa_month), the
domestic abuse marts `marac_cases_by_agency` and `repeat_flag_agreement`, the council ASB
mart `asb_reports_by_category`, probation's criminogenic needs `probation_needs`, the
peer ranking among each CSP's Most Similar Group `peer_ranking`, and the
marts about the figures themselves:
`restatements` (figures changed after they were first published) and `source_status`
(is each partner's data up to date).
The columns of a published dbt model, their types and descriptions come from its
contract (dbt_project/models/**/<model>.yml, `data_type` and `description`), their one
home; this module adds the report's labels and the calculated columns. Every dataset has
`area_code`, so the row-level security of superset/security/rls.yaml restricts it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from assets_format import column, database, dataset, metric

REPO = Path(__file__).resolve().parents[2]
DB_NAME = "csp_serving"

VERBOSE = {
    "measure_name": "Measure",
    "area_name": "CSP",
    "period_month": "Month",
    "financial_year": "Financial year",
    "count": "Count",
    "value": "Rate",
    "unit": "Rate per",
    "ytd_count": "YTD",
    "ytd_count_last_year": "YTD last year",
    "ytd_change_pct": "Change YTD %",
    "direction": "Direction",
    "previous_month_count": "Previous month",
    "target": "Target",
    "rag": "RAG",
    "rag_reason": "RAG reason",
    "denominator": "Denominator",
    "value_last_year": "Last year",
    "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper",
    "referring_agency": "Referring agency",
    "cases": "Cases",
    "repeat_cases": "Repeat cases",
    "source": "Source",
    "events": "Events",
    "flagged_repeats": "Flagged repeats",
    "derived_repeats": "Derived repeats",
    "both_repeats": "Both",
    "flagged_only": "Flagged only",
    "derived_only": "Derived only",
    "disagreements": "Disagreements",
    "disagreement_pct": "Disagreement %",
    "history_months": "Months of history",
    "has_full_history": "Full history",
    "first_reported_count": "First reported",
    "first_reported_at": "First reported on",
    "is_restated": "Restated",
    "source_file": "File",
    "category": "Category",
    "channel": "Channel",
    "reports": "Reports",
    "surveyed": "Surveyed",
    "satisfied": "Satisfied",
    "count_before": "Before",
    "count_after": "After",
    "count_change": "Change",
    "restated_at": "Restated on",
    "source_title": "Source",
    "publisher": "Sent by",
    "last_period_received": "Last period received",
    "next_period_due": "Next period due",
    "expected_by": "Expected by",
    "is_overdue": "Overdue",
    "days_late": "Days late",
    "rate_per_1000": "Rate per 1,000",
    "rank_in_group": "Position",
    "group_size": "Ranked",
    "group_members": "Group members",
    "group_median_rate_per_1000": "Group median per 1,000",
    "rate_per_1000_last_quarter": "Rate per 1,000 last quarter",
    "rank_in_group_last_quarter": "Position last quarter",
    "population": "Population",
    "population_year": "Population mid-year",
    "status": "Status",
    "team": "Team",
    "event_type": "Assessment",
    "need_section": "OASys section",
    "need_section_name": "Need",
    "assessments": "Assessments",
    "with_need": "With the need",
    "need_pct": "With the need %",
    "need_ci_lower": "95% CI lower",
    "need_ci_upper": "95% CI upper",
    "ytd_assessments": "Assessments from 1 April",
    "ytd_with_need": "With the need from 1 April",
    "ytd_need_pct": "With the need from 1 April %",
    "ytd_need_ci_lower": "95% CI lower (from 1 April)",
    "ytd_need_ci_upper": "95% CI upper (from 1 April)",
}

ARROW_SQL = (
    "CASE direction WHEN 'up' THEN '↑' WHEN 'down' THEN '↓' WHEN 'same' THEN '↔' ELSE '' END"
)
#: The target as the report writes it: the comparison and the figure in the measure's unit.
TARGET_SQL = (
    "CASE WHEN target_type IS NULL THEN 'No target' "
    "WHEN target IS NULL THEN 'No baseline' "
    "ELSE CASE target_type WHEN 'reduce_by_pct' THEN '≤ ' WHEN 'below' THEN '< ' "
    "WHEN 'better_than_last_year' THEN 'better than ' ELSE '≥ ' END "
    "|| CASE WHEN unit = '%' THEN printf('%.1f%%', target) ELSE printf('%,.0f', target) END END"
)
#: The status as a coloured badge with the sentence behind it on hover.
RAG_HTML_SQL = (
    "CASE WHEN rag IS NULL THEN 'No target' ELSE printf('<span style=\"background:%s;"
    'color:%s;padding:2px 8px;border-radius:8px;font-weight:600" title="%s">%s</span>\', '
    "CASE rag WHEN 'Green' THEN '#2e7d32' WHEN 'Amber' THEN '#f9a825' WHEN 'Red' THEN "
    "'#c62828' ELSE '#9e9e9e' END, CASE rag WHEN 'Amber' THEN '#000000' ELSE '#ffffff' END, "
    "replace(replace(coalesce(rag_reason, ''), '&', '&amp;'), '\"', '&quot;'), rag) END"
)
FY_MONTH_LABEL_SQL = (
    "printf('%02d %s', ((month(period_month) + 8) % 12) + 1, strftime(period_month, '%b'))"
)

COMMON_METRICS = [
    metric("total_count", "SUM(count)", "Count", ",d", "Sum of the monthly counts."),
    metric("rate", "MAX(value)", "Rate", ",.2f", "The rate of one area and month."),
    metric(
        "ytd_change",
        "MAX(ytd_change_pct)",
        "Change YTD %",
        "+.1f",
        "YTD change % of one area and month.",
    ),
]

#: Calculated columns of the scorecard datasets: (name, SQL, verbose name, description).
CALCULATED = [
    (
        "direction_arrow",
        ARROW_SQL,
        "Monthly direction",
        "Monthly direction as the report shows it: ↑ above last month, ↓ below, ↔ equal.",
    ),
    (
        "month_label",
        "strftime(period_month, '%Y-%m')",
        "Month (YYYY-MM)",
        "Reporting month as YYYY-MM, for filters.",
    ),
    (
        "target_label",
        TARGET_SQL,
        "Target",
        "The target as the report shows it: '≤ 12,083', '≥ 48.0%', 'better than 46.1%'; "
        "'No target' when the register sets none, 'No baseline' when its baseline is "
        "missing.",
    ),
    (
        "rag_html",
        RAG_HTML_SQL,
        "Status",
        "The RAG status coloured (Green, Amber, Red, grey for No data), its reason on hover "
        "(rag_reason): HTML for the tables that render it.",
    ),
    (
        "significance_label",
        "CASE significance WHEN 'not significant' THEN 'not significant' "
        "WHEN 'significant increase' THEN 'significant' "
        "WHEN 'significant decrease' THEN 'significant' ELSE '' END",
        "Significance",
        "Whether the change against last year is beyond chance (its 95% interval excludes "
        "no change): 'not significant' beside an arrow means it may be noise.",
    ),
    (
        "rate",
        "CASE WHEN denominator IS NOT NULL THEN value END",
        "Rate",
        "The YTD rate where the measure has one (count per 1,000 or 100,000 of the "
        "denominator); blank for measures reported as counts only.",
    ),
    (
        "rag_label",
        "coalesce(rag, 'No target')",
        "RAG",
        "RAG status as the report shows it: 'No target' when none is set.",
    ),
    (
        "restated_label",
        "CASE WHEN is_restated THEN printf('Restated (first reported %,d)', "
        "first_reported_count) ELSE '' END",
        "Restated",
        "'Restated (first reported N)' when the count differs from the count as first "
        "published (a partner sent a corrected file for the month); blank otherwise.",
    ),
]

#: How a date and a time of day read in the tables (e.g. 4 April 2026, 4 Apr 2026 09:30).
DAY_SQL = "strftime({}, '%-d %B %Y')"
TIME_SQL = "strftime({}, '%-d %b %Y %H:%M')"


def col(name: str, type_: str | None = None, **kw: Any) -> dict[str, Any]:
    """A column with the report's label (VERBOSE) unless given one."""
    kw.setdefault("verbose", VERBOSE.get(name))
    return column(name, type_, **kw)


def dbt_model(name: str = "scorecard") -> dict[str, Any]:
    """The dbt model's YAML entry (columns with data_type and description)."""
    for path in sorted((REPO / "dbt_project" / "models").glob(f"**/{name}.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models", []):
            if model.get("name") == name:
                return model
    raise LookupError(f"no dbt model {name} under dbt_project/models/")


def clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def contract(model: str) -> list[tuple[str, str, str | None]]:
    """(name, type, description) of every column of a published dbt model."""
    out = []
    for c in dbt_model(model).get("columns", []):
        if not c.get("data_type"):
            raise LookupError(f"{model}.yml: column {c['name']} has no data_type")
        out.append((c["name"], str(c["data_type"]).upper(), clean(c.get("description")) or None))
    return out


def calculated_columns(*names: str) -> list[dict[str, Any]]:
    """The calculated columns of CALCULATED (all of them when no name is given)."""
    return [
        col(n, "VARCHAR", expression=e, verbose=v, description=d)
        for n, e, v, d in CALCULATED
        if not names or n in names
    ]


#: the month as YYYY-MM, on every dataset with period_month (the same column everywhere)
(MONTH_LABEL,) = calculated_columns("month_label")


def mart_dataset(
    model: str, calculated: list[dict[str, Any]], metrics: list[dict[str, Any]]
) -> dict[str, Any]:
    """A physical dataset of a published dbt model: its contract's columns, the
    `calculated` ones, and its description from dbt. Its time column is period_month
    when it has one."""
    columns = contract(model)
    cols = [col(n, t, description=d, is_dttm=n == "period_month") for n, t, d in columns]
    return dataset(
        model,
        database_name=DB_NAME,
        sql=None,
        columns=cols + calculated,
        metrics=metrics,
        description=f"{clean(dbt_model(model).get('description'))} (dbt model `{model}`)",
        main_dttm="period_month" if any(n == "period_month" for n, _, _ in columns) else None,
    )


def domestic_abuse_datasets() -> list[dict[str, Any]]:
    by_agency = mart_dataset(
        "marac_cases_by_agency",
        [MONTH_LABEL],
        [
            metric("total_cases", "SUM(cases)", "Cases", ",d", "Cases heard at MARAC."),
            metric(
                "total_repeat_cases",
                "SUM(repeat_cases)",
                "Repeat cases",
                ",d",
                "Of them, cases flagged as repeats.",
            ),
            metric(
                "repeat_share",
                "100.0 * SUM(repeat_cases) / NULLIF(SUM(cases), 0)",
                "Repeats %",
                ",.1f",
                "Repeat cases as a share of the cases heard, in %.",
            ),
        ],
    )
    agreement = mart_dataset(
        "repeat_flag_agreement",
        [
            MONTH_LABEL,
            col(
                "full_history_label",
                "VARCHAR",
                expression=(
                    "CASE WHEN has_full_history THEN 'Yes' "
                    "ELSE printf('No (%d of 12 months)', history_months) END"
                ),
                verbose="Full history",
                description="Yes when the 12 months before have files loaded (the derived "
                "repeat sees a whole year); otherwise how many of them have.",
            ),
        ],
        [
            metric("total_events", "SUM(events)", "Events", ",d", "Incidents or cases."),
            metric(
                "disagreement_share",
                "100.0 * SUM(disagreements) / NULLIF(SUM(events), 0)",
                "Disagreement %",
                ",.1f",
                "Events on which the partner's flag and the derived repeat disagree, in %.",
            ),
        ],
    )
    return [by_agency, agreement]


def asb_datasets() -> list[dict[str, Any]]:
    """The council's ASB reports by category and channel."""
    return [
        mart_dataset(
            "asb_reports_by_category",
            [MONTH_LABEL],
            [
                metric("total_reports", "SUM(reports)", "Reports", ",d", "ASB reports made."),
                metric(
                    "total_surveyed",
                    "SUM(surveyed)",
                    "Surveyed",
                    ",d",
                    "Of them, reports whose caller answered the satisfaction survey.",
                ),
                metric(
                    "satisfied_share",
                    "100.0 * SUM(satisfied) / NULLIF(SUM(surveyed), 0)",
                    "Satisfied %",
                    ",.1f",
                    "Satisfied callers as a share of those surveyed, in %.",
                ),
            ],
        )
    ]


#: The figure of the latest month of the rows aggregated: with the financial year filtered,
#: its figure from 1 April to the latest month (a NULL is kept, never an older month's).
LATEST_SQL = "arg_max_null({}, period_month)"


def peer_datasets() -> list[dict[str, Any]]:
    """The peer ranking: per CSP, measure and quarter of the Home Office table of crime by
    CSP, the rate per 1,000 and the position within the CSP's group, this quarter and last."""
    return [
        mart_dataset(
            "peer_ranking",
            [
                MONTH_LABEL,
                col(
                    "quarter_label",
                    "VARCHAR",
                    expression="financial_year || ' Q' || financial_quarter",
                    verbose="Quarter",
                    description="The financial year and quarter, e.g. '2024/25 Q1'.",
                ),
                col(
                    "position_label",
                    "VARCHAR",
                    expression=(
                        "CASE WHEN rank_in_group IS NULL THEN 'not ranked' "
                        "ELSE printf('%d of %d', rank_in_group, group_size) END"
                    ),
                    verbose="Position",
                    description="The CSP's position by rate within its group this quarter, "
                    "1 = the lowest rate, of the members ranked (e.g. '13 of 15').",
                ),
                col(
                    "position_last_quarter_label",
                    "VARCHAR",
                    expression=(
                        "CASE WHEN rank_in_group_last_quarter IS NULL THEN 'not ranked' "
                        "ELSE printf('%d of %d', rank_in_group_last_quarter, "
                        "group_size_last_quarter) END"
                    ),
                    verbose="Position last quarter",
                    description="The same the quarter before.",
                ),
            ],
            [
                metric(
                    "peer_rate",
                    "MAX(rate_per_1000)",
                    "Rate per 1,000",
                    ",.1f",
                    "The CSP's rate per 1,000 population (one row per CSP, measure and quarter).",
                ),
            ],
        )
    ]


def reoffending_datasets() -> list[dict[str, Any]]:
    """Probation's criminogenic needs: per CSP, team, assessment type, OASys section and
    month. The metrics take the mart's own figures from 1 April (count, share and its
    Wilson interval) at the latest month of the rows, so that a chart filtered to one
    financial year shows that year to date and nothing is summed across months."""
    return [
        mart_dataset(
            "probation_needs",
            [
                MONTH_LABEL,
                col(
                    "need_section_label",
                    "VARCHAR",
                    expression="printf('%d %s', need_section, need_section_name)",
                    verbose="OASys section",
                    description="The OASys section with its number, e.g. '3 Accommodation' "
                    "(sorts in section order).",
                ),
                col(
                    "event_type_label",
                    "VARCHAR",
                    expression=(
                        "CASE event_type WHEN 'initial' THEN 'Initial' "
                        "WHEN 'termination' THEN 'Termination' ELSE event_type END"
                    ),
                    verbose="Assessment",
                    description="'Initial' (at the start of an order or licence) or "
                    "'Termination' (at its end).",
                ),
            ],
            [
                metric(
                    "assessments_fytd",
                    LATEST_SQL.format("ytd_assessments"),
                    "Assessments from 1 April",
                    ",d",
                    "Assessments of the type the team made from 1 April to the latest month.",
                ),
                metric(
                    "with_need_fytd",
                    LATEST_SQL.format("ytd_with_need"),
                    "With the need",
                    ",d",
                    "Of the assessments from 1 April, those that found a need in the section.",
                ),
                metric(
                    "need_share_fytd",
                    LATEST_SQL.format("ytd_need_pct"),
                    "% with the need",
                    ",.1f",
                    "The share of the assessments that found the need, from 1 April to the "
                    "latest month, in %; blank when the team made none.",
                ),
                metric(
                    "need_ci_lower_fytd",
                    LATEST_SQL.format("ytd_need_ci_lower"),
                    "95% CI lower (from 1 April)",
                    ",.1f",
                    "Lower bound of the share's 95% Wilson score interval, %.",
                ),
                metric(
                    "need_ci_upper_fytd",
                    LATEST_SQL.format("ytd_need_ci_upper"),
                    "95% CI upper (from 1 April)",
                    ",.1f",
                    "Upper bound of the share's 95% Wilson score interval, %.",
                ),
            ],
        )
    ]


def figure_datasets() -> list[dict[str, Any]]:
    """About the figures: the published figures that changed (`restatements`) and
    whether each partner's data is up to date (`source_status`)."""
    restatements = mart_dataset(
        "restatements",
        [
            MONTH_LABEL,
            col(
                "first_reported_label",
                "VARCHAR",
                expression=TIME_SQL.format("first_reported_at"),
                verbose="First reported on",
                description="When the figure was first published (UTC), as the table shows it.",
            ),
            col(
                "restated_at_label",
                "VARCHAR",
                expression=f"coalesce({TIME_SQL.format('restated_at')}, 'Not published yet')",
                verbose="Restated on",
                description="When the changed figure was published (UTC); 'Not published "
                "yet' for a change the next publish will publish.",
            ),
        ],
        [
            metric("restated_figures", "COUNT(*)", "Changes", ",d", "Changes of a figure."),
            metric(
                "total_change",
                "SUM(count_change)",
                "Change",
                "+,d",
                "Sum of the changes (count after − count before).",
            ),
        ],
    )
    status = mart_dataset(
        "source_status",
        [
            col(
                "last_period_label",
                "VARCHAR",
                expression="strftime(last_period_received, '%B %Y')",
                verbose="Last period received",
                description="The latest period received, e.g. January 2026 (its first month).",
            ),
            col(
                "expected_by_label",
                "VARCHAR",
                expression=(
                    f"printf('%s by %s', strftime(next_period_due, '%B %Y'), "
                    f"{DAY_SQL.format('expected_by')})"
                ),
                verbose="Next expected",
                description="The next period and the day it is due, e.g. February 2026 by "
                "4 April 2026 (the period's end plus the lag of the source's contract).",
            ),
            col(
                "overdue_label",
                "VARCHAR",
                expression="CASE WHEN is_overdue THEN 'Overdue' ELSE 'Up to date' END",
                verbose="Overdue",
                description="'Overdue' when the next period was due before the status day "
                "(as_of), else 'Up to date'.",
            ),
        ],
        [
            metric("sources", "COUNT(*)", "Sources", ",d", "Sources received per CSP."),
            metric(
                "overdue_sources",
                "SUM(CASE WHEN is_overdue THEN 1 ELSE 0 END)",
                "Overdue",
                ",d",
                "Of them, sources whose next period is overdue.",
            ),
        ],
    )
    return [restatements, status]


def scorecard_columns() -> list[dict[str, Any]]:
    cols = [
        col(n, t, description=d, is_dttm=n in ("period_month", "loaded_at"))
        for n, t, d in contract("scorecard")
    ]
    return cols + calculated_columns()


def serving_database() -> dict[str, Any]:
    return database(
        DB_NAME,
        # provision.py replaces ${CSP_SERVING_PATH} with the absolute path of the file.
        "duckdb:///${CSP_SERVING_PATH}",
        # Read-only; no file, network or extension access; settings locked.
        # superset_config.DB_CONNECTION_MUTATOR enforces the same for any DuckDB
        # connection.
        {
            "read_only": True,
            "config": {"enable_external_access": False, "lock_configuration": True},
        },
    )


def build_datasets() -> list[dict[str, Any]]:
    desc = {n: d for n, _, d in contract("scorecard")}
    scorecard = dataset(
        "scorecard",
        database_name=DB_NAME,
        sql=None,
        columns=scorecard_columns(),
        metrics=COMMON_METRICS,
        description="The published scorecard: one row per measure, area and month "
        "(dbt model `scorecard`).",
    )
    fy_cols = scorecard_columns() + [
        col(
            "fy_month_label",
            "VARCHAR",
            verbose="Month of the FY",
            description="Month of the financial year, '01 Apr' to '12 Mar'.",
        ),
        col("fy_position", "VARCHAR", verbose="Year", description="'This FY' or 'Last FY'."),
    ]
    fy_compare = dataset(
        "scorecard_fy_compare",
        database_name=DB_NAME,
        sql=(
            "SELECT s.*,\n"
            f"       {FY_MONTH_LABEL_SQL.replace('period_month', 's.period_month')}"
            " AS fy_month_label,\n"
            "       CASE WHEN s.financial_year = (SELECT max(financial_year) FROM main.scorecard)\n"
            "            THEN 'This FY' ELSE 'Last FY' END AS fy_position\n"
            "FROM main.scorecard AS s\n"
            "WHERE s.financial_year IN (\n"
            "    SELECT DISTINCT financial_year FROM main.scorecard\n"
            "    ORDER BY financial_year DESC LIMIT 2)"
        ),
        columns=fy_cols,
        metrics=COMMON_METRICS,
        description="The scorecard's two latest financial years, by month of the FY, "
        "for this-year-against-last-year charts.",
    )
    lsoa_cols = [
        col(
            "lsoa_code",
            "VARCHAR",
            verbose="LSOA code",
            description="ONS code of the Lower Layer Super Output Area.",
        ),
        col(
            "lsoa_name",
            "VARCHAR",
            verbose="LSOA",
            description="Name of the LSOA (begins with its district's name).",
        ),
        col("area_code", "VARCHAR", description="ONS code of the CSP the LSOA is in."),
        col("area_name", "VARCHAR", verbose="CSP", description="Name of the CSP."),
        col("period_month", "DATE", is_dttm=True, description=desc["period_month"]),
        col("financial_year", "VARCHAR", description=desc["financial_year"]),
        col("measure_code", "VARCHAR", description=desc["measure_code"]),
        col("measure_name", "VARCHAR", description=desc["measure_name"]),
        col("count", "BIGINT", description="Count in the LSOA and month."),
        MONTH_LABEL,
    ]
    lsoa = dataset(
        "crime_by_lsoa",
        database_name=DB_NAME,
        sql=(
            "SELECT lsoa_code, lsoa_name, csp_code AS area_code, csp_name AS area_name,\n"
            "       period_month, financial_year, measure_code, measure_name, count\n"
            "FROM main.crime_by_lsoa_month"
        ),
        columns=lsoa_cols,
        metrics=COMMON_METRICS[:1],
        description="Crime counts by LSOA and month (serving table crime_by_lsoa_month).",
    )
    return [
        scorecard,
        fy_compare,
        lsoa,
        *domestic_abuse_datasets(),
        *asb_datasets(),
        *peer_datasets(),
        *reoffending_datasets(),
        *figure_datasets(),
    ]
