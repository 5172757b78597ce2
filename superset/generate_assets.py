"""Write the crime domain's Superset assets (superset/assets/) in Superset's export format.

The YAML under superset/assets/ is what provisioning imports and what is reviewed in
git. This script wrote it, and rewrites it when a chart is added here: every chart's
`params` (what the browser renders) and `query_context` (what the chart-data API,
reports and cache warm-up run) are built from one definition, and every object has a
fixed UUID derived from its name, so re-generating never changes an identity.

A later domain either adds its charts and dashboard below or exports them from the UI
(Dashboards -> Export) and unzips them into superset/assets/.

Column descriptions come from dbt (dbt_project/models/marts/**/scorecard.yml) when the
file exists, otherwise from DEFAULT_DESCRIPTIONS below.

    python superset/generate_assets.py            # rewrite superset/assets/
    python superset/generate_assets.py --check    # exit 1 if assets/ is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
REPO = HERE.parent
NS = uuid.UUID("6f1c8a52-3b1e-4c55-9a0e-5d2b7c9e0a11")
VERSION = "1.0.0"


def uid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


DB_NAME = "csp_serving"
DB_UUID = uid("database", DB_NAME)

MEASURE_ORDER = [
    "all_crime",
    "sac",
    "domestic_burglary",
    "vehicle_crime",
    "public_place_violence",
    "robbery_personal",
    "violence_with_injury",
    "violence_without_injury",
    "criminal_damage",
    "hate_crime_total",
    "hate_crime_race",
    "hate_crime_religion",
    "hate_crime_disability",
    "hate_crime_sexual_orientation",
    "hate_crime_transgender",
    "asb_police",
]
HATE_STRANDS = [
    "hate_crime_race",
    "hate_crime_religion",
    "hate_crime_disability",
    "hate_crime_sexual_orientation",
    "hate_crime_transgender",
]
PER_1000 = ["all_crime", "sac", "domestic_burglary", "vehicle_crime"]

DEFAULT_DESCRIPTIONS = {
    "measure_code": "Code of the measure (measure catalogue), e.g. all_crime, sac.",
    "measure_name": "Name of the measure as managers read it.",
    "area_code": "ONS code of the area: a CSP (E22) or a police force area (E23).",
    "area_name": "Name of the area.",
    "area_type": "'csp' or 'force'.",
    "period_month": "Reporting month (first day of the month).",
    "financial_year": "Financial year of the month, April to March, e.g. 2025/26.",
    "count": "Count in the month.",
    "denominator": "Population or households used for the rate (ONS mid-year estimate).",
    "value": "Rate: year-to-date count per 1,000 (or 100,000) of the denominator.",
    "unit": "Unit of the rate, e.g. 'per 1,000 population'; 'count' when no rate.",
    "ytd_count": "Count from 1 April to the end of the month.",
    "ytd_count_last_year": "Count over the same months of the previous financial year.",
    "ytd_change_pct": "YTD change %: (YTD - YTD last year) / YTD last year x 100.",
    "direction": "Monthly direction: 'up', 'down' or 'same' against the previous month.",
    "previous_month_count": "Count in the previous month.",
    "source": "Source extract the figure comes from.",
    "loaded_at": "When the rows behind the figure were loaded.",
    "target": "Target for the measure in the financial year (empty until targets exist).",
    "rag": "Red / Amber / Green status against the target (empty until targets exist).",
    "rag_reason": "The rule and inputs that gave the RAG status.",
    "ci_lower": "Lower bound of the confidence interval of the rate.",
    "ci_upper": "Upper bound of the confidence interval of the rate.",
    "significance": "Whether the change is statistically significant.",
}

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
}

SCORECARD_TYPES = {
    "measure_code": "VARCHAR",
    "measure_name": "VARCHAR",
    "area_code": "VARCHAR",
    "area_name": "VARCHAR",
    "area_type": "VARCHAR",
    "period_month": "DATE",
    "financial_year": "VARCHAR",
    "count": "BIGINT",
    "denominator": "DOUBLE",
    "value": "DOUBLE",
    "unit": "VARCHAR",
    "ytd_count": "BIGINT",
    "ytd_count_last_year": "BIGINT",
    "ytd_change_pct": "DOUBLE",
    "direction": "VARCHAR",
    "previous_month_count": "BIGINT",
    "source": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "target": "DOUBLE",
    "rag": "VARCHAR",
    "rag_reason": "VARCHAR",
    "ci_lower": "DOUBLE",
    "ci_upper": "DOUBLE",
    "significance": "VARCHAR",
}

ARROW_SQL = (
    "CASE direction WHEN 'up' THEN '↑' WHEN 'down' THEN '↓' WHEN 'same' THEN '↔' ELSE '' END"
)
MEASURE_ORDER_SQL = (
    "CASE measure_code "
    + " ".join(f"WHEN '{m}' THEN {i + 1}" for i, m in enumerate(MEASURE_ORDER))
    + " ELSE 99 END"
)
FY_MONTH_LABEL_SQL = (
    "printf('%02d %s', ((month(period_month) + 8) % 12) + 1, strftime(period_month, '%b'))"
)


def dbt_model(name: str = "scorecard") -> dict[str, Any]:
    """The dbt model's YAML entry (columns with data_type and description), if any."""
    for path in sorted((REPO / "dbt_project" / "models").glob(f"**/{name}.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models", []):
            if model.get("name") == name:
                return model
    return {}


def clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def dbt_descriptions() -> dict[str, str]:
    return {
        c["name"]: clean(c["description"])
        for c in dbt_model().get("columns", [])
        if c.get("description")
    }


def scorecard_types() -> dict[str, str]:
    """Columns of the scorecard: dbt's contract when present, else the agreed list."""
    cols = {
        c["name"]: str(c["data_type"]).upper()
        for c in dbt_model().get("columns", [])
        if c.get("data_type")
    }
    return cols or SCORECARD_TYPES


# --------------------------------------------------------------------------- datasets
def column(
    name: str,
    type_: str | None = None,
    *,
    expression: str | None = None,
    description: str | None = None,
    verbose: str | None = None,
    is_dttm: bool = False,
) -> dict[str, Any]:
    return {
        "column_name": name,
        "verbose_name": verbose if verbose is not None else VERBOSE.get(name),
        "is_dttm": is_dttm,
        "is_active": True,
        "type": type_,
        "advanced_data_type": None,
        "groupby": True,
        "filterable": True,
        "expression": expression,
        "description": description,
        "python_date_format": None,
        "extra": {},
    }


def metric(
    name: str,
    expression: str,
    verbose: str,
    d3format: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    return {
        "metric_name": name,
        "verbose_name": verbose,
        "metric_type": None,
        "expression": expression,
        "description": description,
        "d3format": d3format,
        "currency": None,
        "extra": {},
        "warning_text": None,
    }


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

CALCULATED = [
    (
        "direction_arrow",
        ARROW_SQL,
        "Monthly direction",
        "Monthly direction as the report shows it: ↑ above last month, ↓ below, ↔ equal.",
    ),
    (
        "measure_order",
        MEASURE_ORDER_SQL,
        "Measure order",
        "Position of the measure in the report (All crime first).",
    ),
    (
        "month_label",
        "strftime(period_month, '%Y-%m')",
        "Month (YYYY-MM)",
        "Reporting month as YYYY-MM, for filters.",
    ),
    (
        "target_label",
        "coalesce(printf('%,.1f', target), 'No target')",
        "Target",
        "The target as the report shows it: 'No target' when none is set.",
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
]


def dataset(
    table: str,
    *,
    sql: str | None,
    columns: list[dict[str, Any]],
    description: str,
    main_dttm: str | None = "period_month",
) -> dict[str, Any]:
    return {
        "table_name": table,
        "main_dttm_col": main_dttm,
        "description": description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": "main",
        "sql": sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": uid("dataset", table),
        "metrics": COMMON_METRICS if table != "crime_by_lsoa" else COMMON_METRICS[:1],
        "columns": columns,
        "version": VERSION,
        "database_uuid": DB_UUID,
    }


def scorecard_columns(desc: dict[str, str]) -> list[dict[str, Any]]:
    cols = [
        column(n, t, description=desc.get(n), is_dttm=n in ("period_month", "loaded_at"))
        for n, t in scorecard_types().items()
    ]
    cols += [
        column(
            n,
            "VARCHAR" if n != "measure_order" else "INTEGER",
            expression=e,
            verbose=v,
            description=d,
        )
        for n, e, v, d in CALCULATED
    ]
    return cols


def build_datasets() -> dict[str, dict[str, Any]]:
    desc = {**DEFAULT_DESCRIPTIONS, **dbt_descriptions()}
    scorecard = dataset(
        "scorecard",
        sql=None,
        columns=scorecard_columns(desc),
        description="The published scorecard: one row per measure, area and month "
        "(dbt model `scorecard`).",
    )
    fy_cols = scorecard_columns(desc) + [
        column(
            "fy_month_label",
            "VARCHAR",
            verbose="Month of the FY",
            description="Month of the financial year, '01 Apr' to '12 Mar'.",
        ),
        column("fy_position", "VARCHAR", verbose="Year", description="'This FY' or 'Last FY'."),
    ]
    fy_compare = dataset(
        "scorecard_fy_compare",
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
        description="The scorecard's two latest financial years, by month of the FY, "
        "for this-year-against-last-year charts.",
    )
    lsoa_cols = [
        column(
            "lsoa_code",
            "VARCHAR",
            verbose="LSOA code",
            description="ONS code of the Lower Layer Super Output Area.",
        ),
        column(
            "lsoa_name",
            "VARCHAR",
            verbose="LSOA",
            description="Name of the LSOA (begins with its district's name).",
        ),
        column("area_code", "VARCHAR", description="ONS code of the CSP the LSOA is in."),
        column("area_name", "VARCHAR", verbose="CSP", description="Name of the CSP."),
        column("period_month", "DATE", is_dttm=True, description=desc["period_month"]),
        column("financial_year", "VARCHAR", description=desc["financial_year"]),
        column("measure_code", "VARCHAR", description=desc["measure_code"]),
        column("measure_name", "VARCHAR", description=desc["measure_name"]),
        column("count", "BIGINT", description="Count in the LSOA and month."),
        column(
            "month_label",
            "VARCHAR",
            expression="strftime(period_month, '%Y-%m')",
            verbose="Month (YYYY-MM)",
            description="Reporting month as YYYY-MM.",
        ),
    ]
    lsoa = dataset(
        "crime_by_lsoa",
        sql=(
            "SELECT lsoa_code, lsoa_name, csp_code AS area_code, csp_name AS area_name,\n"
            "       period_month, financial_year, measure_code, measure_name, count\n"
            "FROM main.crime_by_lsoa_month"
        ),
        columns=lsoa_cols,
        description="Crime counts by LSOA and month (serving table crime_by_lsoa_month).",
    )
    return {d["table_name"]: d for d in (scorecard, fy_compare, lsoa)}


# ----------------------------------------------------------------------------- charts
def simple_filter(col: str, op: str, value: Any) -> dict[str, Any]:
    return {
        "clause": "WHERE",
        "expressionType": "SIMPLE",
        "subject": col,
        "operator": op,
        "comparator": value,
        "isExtra": False,
        "isNew": False,
        "filterOptionName": f"filter_{uid('filter', f'{col}{op}{value}')[:8]}",
    }


def query_filter(f: dict[str, Any]) -> dict[str, Any]:
    op = {"==": "==", "IN": "IN", "NOT IN": "NOT IN"}[f["operator"]]
    return {"col": f["subject"], "op": op, "val": f["comparator"]}


def base_axis(col: str, temporal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "columnType": "BASE_AXIS",
        "sqlExpression": col,
        "label": col,
        "expressionType": "SQL",
    }
    if temporal:
        out["timeGrain"] = "P1M"
    return out


class Chart:
    def __init__(
        self,
        name: str,
        viz: str,
        ds: str,
        params: dict[str, Any],
        query: dict[str, Any],
        description: str,
    ) -> None:
        self.name, self.viz, self.ds = name, viz, ds
        self.params, self.query, self.description = params, query, description
        self.uuid = uid("chart", name)

    def to_yaml(self) -> dict[str, Any]:
        params = {
            "datasource": f"__{self.ds}__",
            "viz_type": self.viz,
            **self.params,
            "extra_form_data": {},
            "dashboards": [],
        }
        query = {
            "filters": [
                query_filter(f)
                for f in self.params.get("adhoc_filters", [])
                if f["operator"] != "TEMPORAL_RANGE"
            ],
            "extras": {"having": "", "where": ""},
            "applied_time_extras": {},
            "annotation_layers": [],
            "series_limit": 0,
            "order_desc": True,
            "url_params": {},
            "custom_params": {},
            "custom_form_data": {},
            "post_processing": [],
            **self.query,
        }
        query_context = {
            "datasource": {"id": 0, "type": "table"},
            "force": False,
            "queries": [query],
            "form_data": params,
            "result_format": "json",
            "result_type": "full",
        }
        return {
            "slice_name": self.name,
            "description": self.description,
            "certified_by": None,
            "certification_details": None,
            "viz_type": self.viz,
            "params": params,
            "query_context": json.dumps(query_context, sort_keys=True),
            "cache_timeout": None,
            "uuid": self.uuid,
            "version": VERSION,
            "dataset_uuid": uid("dataset", self.ds),
        }


def table_raw(
    name: str,
    ds: str,
    cols: list[str],
    order: list[tuple[str, bool]],
    filters: list[dict[str, Any]],
    description: str,
    column_config: dict[str, Any] | None = None,
    row_limit: int = 1000,
) -> Chart:
    params = {
        "query_mode": "raw",
        "all_columns": cols,
        "groupby": [],
        "metrics": [],
        "percent_metrics": [],
        "order_by_cols": [json.dumps([c, asc]) for c, asc in order],
        "adhoc_filters": filters,
        "row_limit": row_limit,
        "server_pagination": False,
        "order_desc": True,
        "table_timestamp_format": "smart_date",
        "show_cell_bars": False,
        "color_pn": True,
        "include_search": False,
        "allow_render_html": False,
        "column_config": column_config or {},
        "conditional_formatting": [],
    }
    # No metrics (None, not []): a raw query, no GROUP BY.
    query = {
        "columns": cols,
        "metrics": None,
        "orderby": [[c, asc] for c, asc in order],
        "row_limit": row_limit,
    }
    return Chart(name, "table", ds, params, query, description)


def table_agg(
    name: str,
    ds: str,
    groupby: list[str],
    metrics: list[str],
    filters: list[dict[str, Any]],
    description: str,
    row_limit: int = 50,
) -> Chart:
    params = {
        "query_mode": "aggregate",
        "groupby": groupby,
        "metrics": metrics,
        "all_columns": [],
        "percent_metrics": [],
        "timeseries_limit_metric": metrics[0],
        "order_desc": True,
        "adhoc_filters": filters,
        "row_limit": row_limit,
        "server_pagination": False,
        "show_cell_bars": True,
        # Superset colours positive green and negative red; for crime a rise is bad, so
        # the bars stay neutral until the judgement column (higher_is_better) drives RAG.
        "color_pn": False,
        "include_search": False,
        "column_config": {},
        "conditional_formatting": [],
    }
    query = {
        "columns": groupby,
        "metrics": metrics,
        "orderby": [[metrics[0], False]],
        "row_limit": row_limit,
    }
    return Chart(name, "table", ds, params, query, description)


def timeseries(
    name: str,
    viz: str,
    ds: str,
    x: str,
    temporal: bool,
    series: list[str],
    metric_name: str,
    filters: list[dict[str, Any]],
    description: str,
    stack: bool = False,
    y_format: str = "SMART_NUMBER",
) -> Chart:
    all_filters = list(filters)
    if temporal:
        all_filters.insert(
            0,
            {
                "clause": "WHERE",
                "expressionType": "SIMPLE",
                "subject": x,
                "operator": "TEMPORAL_RANGE",
                "comparator": "No filter",
                "isExtra": False,
                "isNew": False,
                "filterOptionName": f"filter_time_{x}",
            },
        )
    params = {
        "x_axis": x,
        "time_grain_sqla": "P1M" if temporal else None,
        "x_axis_sort_asc": True,
        "metrics": [metric_name],
        "groupby": series,
        "adhoc_filters": all_filters,
        "order_desc": True,
        "row_limit": 10000,
        "truncate_metric": True,
        "show_empty_columns": True,
        "comparison_type": "values",
        "annotation_layers": [],
        "seriesType": "line",
        "show_legend": True,
        "legendType": "scroll",
        "legendOrientation": "top",
        "x_axis_time_format": "%b %Y",
        "x_axis_title_margin": 15,
        "y_axis_title_margin": 30,
        "y_axis_title_position": "Left",
        "y_axis_format": y_format,
        "y_axis_bounds": [None, None],
        "rich_tooltip": True,
        "tooltipTimeFormat": "%b %Y",
        "markerEnabled": True,
        "markerSize": 6,
        "zoomable": False,
        "stack": "Stack" if stack else None,
        "only_total": True,
        "color_scheme": "supersetColors",
        "sort_series_type": "name",
        "sort_series_ascending": True,
    }
    if not temporal:
        params["xAxisForceCategorical"] = True
    query = {
        "columns": [base_axis(x, temporal), *series],
        "series_columns": series,
        "metrics": [metric_name],
        "orderby": [[metric_name, False]],
        "row_limit": 10000,
    }
    return Chart(name, viz, ds, params, query, description)


def pivot(
    name: str,
    ds: str,
    rows: list[str],
    cols: list[str],
    metric_name: str,
    filters: list[dict[str, Any]],
    description: str,
) -> Chart:
    params = {
        "groupbyRows": rows,
        "groupbyColumns": cols,
        "metrics": [metric_name],
        "metricsLayout": "COLUMNS",
        "adhoc_filters": filters,
        "row_limit": 10000,
        "order_desc": True,
        "aggregateFunction": "Sum",
        "valueFormat": ",d",
        "colOrder": "key_a_to_z",
        "rowOrder": "key_a_to_z",
        "rowTotals": False,
        "colTotals": False,
        "transposePivot": False,
        "combineMetric": False,
        "date_format": "smart_date",
    }
    query = {
        "columns": rows + cols,
        "metrics": [metric_name],
        "orderby": [[metric_name, False]],
        "row_limit": 10000,
    }
    return Chart(name, "pivot_table_v2", ds, params, query, description)


def fy_line(title: str, code: str) -> Chart:
    return timeseries(
        f"{title}: this FY against last FY by month",
        "echarts_timeseries_line",
        "scorecard_fy_compare",
        "fy_month_label",
        False,
        ["fy_position"],
        "total_count",
        [simple_filter("measure_code", "==", code), simple_filter("area_type", "==", "csp")],
        f"Monthly count of {title.lower()} in this financial year against the same month "
        "of last year.",
    )


SCORECARD_COLUMNS = [
    "measure_name",
    "count",
    "rate",
    "unit",
    "ytd_count",
    "ytd_count_last_year",
    "ytd_change_pct",
    "direction_arrow",
    "previous_month_count",
    "target_label",
    "rag_label",
]


def build_charts() -> dict[str, Chart]:
    charts = [
        table_raw(
            "Community safety scorecard",
            "scorecard",
            SCORECARD_COLUMNS,
            [("measure_order", True)],
            [simple_filter("area_type", "==", "csp")],
            "The monthly report's scorecard: count, rate, YTD, change YTD with the "
            "monthly direction, previous month, target and RAG for each measure.",
            column_config={
                "rate": {"d3NumberFormat": ",.2f"},
                "ytd_change_pct": {"d3NumberFormat": "+.1f"},
                "count": {"d3NumberFormat": ",d"},
                "ytd_count": {"d3NumberFormat": ",d"},
                "ytd_count_last_year": {"d3NumberFormat": ",d"},
                "previous_month_count": {"d3NumberFormat": ",d"},
            },
        ),
        table_agg(
            "Change YTD by measure",
            "scorecard",
            ["measure_name"],
            ["ytd_change"],
            [simple_filter("area_type", "==", "csp")],
            "YTD change % of each measure against the same period last year.",
            row_limit=100,
        ),
        fy_line("All crime", "all_crime"),
        fy_line("Serious acquisitive crime", "sac"),
        fy_line("Public place violence", "public_place_violence"),
        pivot(
            "Every measure: this FY against last FY by month",
            "scorecard_fy_compare",
            ["measure_name", "fy_position"],
            ["fy_month_label"],
            "total_count",
            [simple_filter("area_type", "==", "csp")],
            "Monthly counts of every crime measure, this financial year and last.",
        ),
        timeseries(
            "Rates per 1,000 by month",
            "echarts_timeseries_line",
            "scorecard",
            "period_month",
            True,
            ["measure_name"],
            "rate",
            [
                simple_filter("measure_code", "IN", PER_1000),
                simple_filter("area_type", "==", "csp"),
            ],
            "Year-to-date rate per 1,000 population (per 1,000 households for burglary "
            "and vehicle crime) at each month.",
            y_format=",.1f",
        ),
        timeseries(
            "Hate crime by strand",
            "echarts_timeseries_bar",
            "scorecard",
            "period_month",
            True,
            ["measure_name"],
            "total_count",
            [
                simple_filter("measure_code", "IN", HATE_STRANDS),
                simple_filter("area_type", "==", "csp"),
            ],
            "Hate crimes by strand and month (a crime with several strands counts in each).",
            stack=True,
        ),
        timeseries(
            "Public place violence and SAC by month",
            "echarts_timeseries_line",
            "scorecard",
            "period_month",
            True,
            ["measure_name"],
            "total_count",
            [
                simple_filter("measure_code", "IN", ["public_place_violence", "sac"]),
                simple_filter("area_type", "==", "csp"),
            ],
            "Monthly counts of public place violence and serious acquisitive crime.",
        ),
        table_agg(
            "Crime by LSOA",
            "crime_by_lsoa",
            ["lsoa_name", "lsoa_code"],
            ["total_count"],
            [simple_filter("measure_code", "==", "all_crime")],
            "All crime by LSOA over the selected period, highest first (top 50).",
        ),
    ]
    return {c.name: c for c in charts}


# ------------------------------------------------------------------------- dashboards
def native_filter(
    fid: str,
    name: str,
    col: str,
    ds: str,
    *,
    sort_asc: bool = True,
    parents: list[str] | None = None,
    excluded: list[int] | None = None,
    pre_filter: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    return {
        "id": f"NATIVE_FILTER-{fid}",
        "name": name,
        "filterType": "filter_select",
        "type": "NATIVE_FILTER",
        "description": description,
        "targets": [{"column": {"name": col}, "datasetUuid": uid("dataset", ds)}],
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "cascadeParentIds": [f"NATIVE_FILTER-{p}" for p in parents or []],
        "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded or []},
        "controlValues": {
            "enableEmptyFilter": True,
            "defaultToFirstItem": True,
            "multiSelect": False,
            "searchAllOptions": False,
            "inverseSelection": False,
            "sortAscending": sort_asc,
        },
        "adhoc_filters": pre_filter or [],
        "time_range": "No filter",
        "requiredFirst": True,
        "tabsInScope": [],
    }


def dashboard(
    title: str,
    slug: str,
    description: str,
    layout: list[list[tuple[str, int, int]]],
    filters: list[dict[str, Any]],
    charts: dict[str, Chart],
    chart_ids: dict[str, int],
) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": title}},
    }
    for r, row in enumerate(layout, start=1):
        row_id = f"ROW-{slug}-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for name, width, height in row:
            chart = charts[name]
            cid = f"CHART-{chart.uuid[:8]}"
            position[row_id]["children"].append(cid)
            position[cid] = {
                "type": "CHART",
                "id": cid,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": width,
                    "height": height,
                    "chartId": chart_ids[name],
                    "uuid": chart.uuid,
                    "sliceName": name,
                },
            }
    in_dash = [chart_ids[n] for row in layout for n, _, _ in row]
    metadata = {
        "native_filter_configuration": [
            {**f, "chartsInScope": [i for i in in_dash if i not in f["scope"]["excluded"]]}
            for f in filters
        ],
        "chart_configuration": {},
        "global_chart_configuration": {
            "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
            "chartsInScope": in_dash,
        },
        "color_scheme": "supersetColors",
        "refresh_frequency": 0,
        "expanded_slices": {},
        "label_colors": {},
        "shared_label_colors": [],
        "map_label_colors": {},
        "color_scheme_domain": [],
        "timed_refresh_immune_slices": [],
        "cross_filters_enabled": False,
        "default_filters": "{}",
    }
    return {
        "dashboard_title": title,
        "description": description,
        "css": "",
        "slug": slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": uid("dashboard", slug),
        "position": position,
        "metadata": metadata,
        "version": VERSION,
    }


def build_dashboards(charts: dict[str, Chart]) -> list[dict[str, Any]]:
    # Chart ids in the export are placeholders: the importer maps them by UUID.
    chart_ids = {name: i for i, name in enumerate(charts, start=1)}
    csp_only = [simple_filter("area_type", "==", "csp")]
    overview = dashboard(
        "Community safety overview",
        "community-safety-overview",
        "The monthly scorecard of the partnership, as the performance report shows it.",
        [[("Community safety scorecard", 12, 80)], [("Change YTD by measure", 12, 50)]],
        [
            native_filter(
                "csp",
                "CSP",
                "area_name",
                "scorecard",
                pre_filter=csp_only,
                description="Community Safety Partnership",
            ),
            native_filter(
                "fy",
                "Financial year",
                "financial_year",
                "scorecard",
                sort_asc=False,
                description="April to March",
            ),
            native_filter(
                "month",
                "Month",
                "month_label",
                "scorecard",
                sort_asc=False,
                parents=["fy"],
                description="Reporting month (latest first)",
            ),
        ],
        charts,
        chart_ids,
    )
    fy_charts = [chart_ids[n] for n in charts if "this FY against last FY" in n]
    crime = dashboard(
        "Crime",
        "crime",
        "Crime in the partnership: this year against last, rates, hate crime, public "
        "place violence, serious acquisitive crime and crime by LSOA.",
        [
            [("All crime: this FY against last FY by month", 12, 50)],
            [
                ("Serious acquisitive crime: this FY against last FY by month", 6, 50),
                ("Public place violence: this FY against last FY by month", 6, 50),
            ],
            [("Every measure: this FY against last FY by month", 12, 130)],
            [("Rates per 1,000 by month", 6, 50), ("Hate crime by strand", 6, 50)],
            [("Public place violence and SAC by month", 6, 60), ("Crime by LSOA", 6, 60)],
        ],
        [
            native_filter(
                "crime-csp",
                "CSP",
                "area_name",
                "scorecard",
                pre_filter=csp_only,
                description="Community Safety Partnership",
            ),
            native_filter(
                "crime-fy",
                "Financial year",
                "financial_year",
                "scorecard",
                sort_asc=False,
                excluded=fy_charts,
                description="April to March (the this-year-against-last charts "
                "always show the two latest years)",
            ),
        ],
        charts,
        chart_ids,
    )
    return [overview, crime]


def database() -> dict[str, Any]:
    return {
        "database_name": DB_NAME,
        # provision.py replaces ${CSP_SERVING_PATH} with the absolute path of the file.
        "sqlalchemy_uri": "duckdb:///${CSP_SERVING_PATH}",
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "impersonate_user": False,
        "extra": {
            "allows_virtual_table_explore": True,
            "disable_data_preview": False,
            "disable_drill_to_detail": False,
            "cost_estimate_enabled": False,
            "metadata_params": {},
            "engine_params": {
                # Read-only; no file, network or extension access; settings locked.
                # superset_config.DB_CONNECTION_MUTATOR enforces the same for any DuckDB
                # connection.
                "connect_args": {
                    "read_only": True,
                    "config": {"enable_external_access": False, "lock_configuration": True},
                },
            },
            "schemas_allowed_for_file_upload": [],
        },
        "uuid": DB_UUID,
        "version": VERSION,
    }


def render() -> dict[str, str]:
    """Relative path -> YAML text of every asset file."""

    def dump(obj: Any) -> str:
        return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=100)

    files = {
        "metadata.yaml": dump(
            {"version": VERSION, "type": "assets", "timestamp": "2026-01-01T00:00:00+00:00"}
        ),
        f"databases/{DB_NAME}.yaml": dump(database()),
    }
    for name, ds in build_datasets().items():
        files[f"datasets/{DB_NAME}/{name}.yaml"] = dump(ds)
    charts = build_charts()
    for chart in charts.values():
        slug = "".join(ch if ch.isalnum() else "_" for ch in chart.name).strip("_")
        slug = "_".join(p for p in slug.split("_") if p)
        files[f"charts/{slug}.yaml"] = dump(chart.to_yaml())
    for dash in build_dashboards(charts):
        files[f"dashboards/{dash['slug']}.yaml"] = dump(dash)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if assets/ is stale")
    args = parser.parse_args()
    files = render()
    if args.check:
        stale = [
            p
            for p, text in files.items()
            if not (ASSETS / p).is_file() or (ASSETS / p).read_text() != text
        ]
        for p in stale:
            print(f"stale: superset/assets/{p}")
        return 1 if stale else 0
    for path in ASSETS.rglob("*.yaml"):
        if str(path.relative_to(ASSETS)) not in files:
            path.unlink()
    for rel, text in files.items():
        out = ASSETS / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    print(f"wrote {len(files)} files under {ASSETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
