"""Superset's asset export format (the unzipped bundle of /api/v1/assets/import/).

Builders only: a database, a dataset with its columns and metrics, the chart kinds the
dashboards use (raw and aggregate tables, ECharts time series, a line with a shaded
interval, pivot tables), native filters, a dashboard's layout (charts and markdown text),
and the rendering of all of it into YAML files. What the
dashboards show is declared in superset/dashboards/; nothing here names a dataset, a
chart or a measure.

Every object has a fixed UUID, uuid5(NS, "<kind>:<name>"), so generating again never
changes an identity and the importer updates objects in place. Each chart's `params`
(what the browser renders) and `query_context` (what the chart-data API, reports and
cache warm-up run) are built from one definition.

Standard library and pyyaml only: Superset's virtual environment runs this too.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import yaml

NS = uuid.UUID("6f1c8a52-3b1e-4c55-9a0e-5d2b7c9e0a11")
VERSION = "1.0.0"
#: Fixed, so that the files only change when a definition does.
TIMESTAMP = "2026-01-01T00:00:00+00:00"


def uid(kind: str, name: str) -> str:
    """The fixed UUID of an object: uuid5(NS, "kind:name")."""
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


# ----------------------------------------------------------------- databases, datasets
def database(name: str, uri: str, connect_args: dict[str, Any]) -> dict[str, Any]:
    """A read-only database: no DML, CTAS/CVAS or file upload; SQL Lab allowed."""
    return {
        "database_name": name,
        "sqlalchemy_uri": uri,
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
            "engine_params": {"connect_args": connect_args},
            "schemas_allowed_for_file_upload": [],
        },
        "uuid": uid("database", name),
        "version": VERSION,
    }


def column(
    name: str,
    type_: str | None = None,
    *,
    expression: str | None = None,
    description: str | None = None,
    verbose: str | None = None,
    is_dttm: bool = False,
) -> dict[str, Any]:
    """A dataset column; with `expression`, a calculated column."""
    return {
        "column_name": name,
        "verbose_name": verbose,
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


def dataset(
    table: str,
    *,
    database_name: str,
    sql: str | None,
    columns: list[dict[str, Any]],
    metrics: list[dict[str, Any]],
    description: str,
    main_dttm: str | None = "period_month",
    schema: str = "main",
) -> dict[str, Any]:
    """A physical (`sql` None) or virtual dataset of `database_name`."""
    return {
        "table_name": table,
        "main_dttm_col": main_dttm,
        "description": description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": schema,
        "sql": sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": uid("dataset", table),
        "metrics": metrics,
        "columns": columns,
        "version": VERSION,
        "database_uuid": uid("database", database_name),
    }


# ----------------------------------------------------------------------------- charts
def simple_filter(col: str, op: str, value: Any = None) -> dict[str, Any]:
    """An adhoc WHERE filter: `col op value` (op: ==, IN, NOT IN, IS NOT NULL)."""
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
    op = {"==": "==", "IN": "IN", "NOT IN": "NOT IN", "IS NOT NULL": "IS NOT NULL"}[f["operator"]]
    if op == "IS NOT NULL":
        return {"col": f["subject"], "op": op}
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
    """One chart: its name is its identity (UUID) and its file name."""

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

    @property
    def file_name(self) -> str:
        slug = "".join(ch if ch.isalnum() else "_" for ch in self.name).strip("_")
        return "_".join(p for p in slug.split("_") if p) + ".yaml"

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
    render_html: bool = False,
) -> Chart:
    """A table of rows as they are (no GROUP BY), ordered by `order` (column, ascending).
    `render_html`: cells holding HTML render it (Superset sanitises it: a span's style and
    title stay, scripts do not), for a coloured status with its reason on hover."""
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
        "allow_render_html": render_html,
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
    """A table of `metrics` by `groupby`, highest first metric first."""
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
    y_title: str = "",
) -> Chart:
    """An ECharts line or bar chart of `metric_name` by `x`, one series per `series` value
    (`y_title`: the y axis's title, e.g. the unit)."""
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
    if y_title:
        # clear of the axis's labels
        params.update(y_axis_title=y_title, y_axis_title_margin=50)
    query = {
        "columns": [base_axis(x, temporal), *series],
        "series_columns": series,
        "metrics": [metric_name],
        "orderby": [[metric_name, False]],
        "row_limit": 10000,
    }
    return Chart(name, viz, ds, params, query, description)


#: Superset's ECharts time series draw the metrics labelled `<series>__yhat_lower` and
#: `<series>__yhat_upper` as a band, in the colour of the series `<series>`, around its
#: points (then drawn as dots: a forecast's observations and confidence band; the tooltip
#: shows "(lower, upper)" beside the value).
BAND_LOWER, BAND_UPPER = "__yhat_lower", "__yhat_upper"


def adhoc_metric(label: str, sql: str) -> dict[str, Any]:
    """A SQL metric of one chart, shown as `label`."""
    return {
        "expressionType": "SQL",
        "sqlExpression": sql,
        "label": label,
        "hasCustomLabel": True,
        "optionName": f"metric_{uid('metric', f'{label}:{sql}')[:8]}",
    }


def interval_line(
    name: str,
    ds: str,
    x: str,
    value: tuple[str, str],
    lower_sql: str,
    upper_sql: str,
    others: list[tuple[str, str]],
    filters: list[dict[str, Any]],
    description: str,
    y_format: str = ",.1f",
    y_title: str = "",
) -> Chart:
    """An ECharts chart by month of `value` (label, SQL) as dots with its interval
    (`lower_sql` to `upper_sql`) shaded around them, and a line for each of `others`
    (label, SQL)."""
    label, sql = value
    metrics = [
        adhoc_metric(label, sql),
        adhoc_metric(f"{label}{BAND_LOWER}", lower_sql),
        adhoc_metric(f"{label}{BAND_UPPER}", upper_sql),
        *(adhoc_metric(lbl, expr) for lbl, expr in others),
    ]
    chart = timeseries(name, "echarts_timeseries_line", ds, x, True, [], "", filters, description)
    chart.params.update(
        metrics=metrics,
        y_axis_format=y_format,
        y_axis_title=y_title,
        x_axis_time_format="%b %y",
        opacity=0.2,
    )
    chart.query.update(metrics=metrics, orderby=[[metrics[0], False]])
    return chart


def pivot(
    name: str,
    ds: str,
    rows: list[str],
    cols: list[str],
    metric_name: str,
    filters: list[dict[str, Any]],
    description: str,
) -> Chart:
    """A pivot table of `metric_name` (summed), `rows` down and `cols` across."""
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


# ------------------------------------------------------------------------- dashboards
@dataclass
class NativeFilter:
    """A select filter of a dashboard on one dataset column. `excluded` names the charts
    of the dashboard it does not apply to; `parents` are ids of filters it cascades from."""

    fid: str
    name: str
    column: str
    dataset: str
    sort_asc: bool = True
    parents: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    pre_filter: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""

    def to_yaml(self, chart_ids: dict[str, int]) -> dict[str, Any]:
        return {
            "id": f"NATIVE_FILTER-{self.fid}",
            "name": self.name,
            "filterType": "filter_select",
            "type": "NATIVE_FILTER",
            "description": self.description,
            "targets": [
                {"column": {"name": self.column}, "datasetUuid": uid("dataset", self.dataset)}
            ],
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
            "cascadeParentIds": [f"NATIVE_FILTER-{p}" for p in self.parents],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": [chart_ids[n] for n in self.excluded]},
            "controlValues": {
                "enableEmptyFilter": True,
                "defaultToFirstItem": True,
                "multiSelect": False,
                "searchAllOptions": False,
                "inverseSelection": False,
                "sortAscending": self.sort_asc,
            },
            "adhoc_filters": list(self.pre_filter),
            "time_range": "No filter",
            "requiredFirst": True,
            "tabsInScope": [],
        }


#: A dashboard row: (chart or markdown name, width of 12, height) for each, left to right.
Row = list[tuple[str, int, int]]


@dataclass
class Dashboard:
    """A dashboard: its charts, their layout (rows top to bottom) and its filters.
    `markdown` names blocks of markdown text the layout places like charts."""

    title: str
    slug: str
    description: str
    charts: list[Chart]
    layout: list[Row]
    filters: list[NativeFilter]
    markdown: dict[str, str] = field(default_factory=dict)

    @property
    def uuid(self) -> str:
        return uid("dashboard", self.slug)

    def to_yaml(self, chart_ids: dict[str, int]) -> dict[str, Any]:
        """`chart_ids` are placeholders (the importer maps charts by UUID), unique over
        the bundle."""
        charts = {c.name: c for c in self.charts}
        position: dict[str, Any] = {
            "DASHBOARD_VERSION_KEY": "v2",
            "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
            "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
            "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": self.title}},
        }
        for r, row in enumerate(self.layout, start=1):
            row_id = f"ROW-{self.slug}-{r}"
            position["GRID_ID"]["children"].append(row_id)
            position[row_id] = {
                "type": "ROW",
                "id": row_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {"background": "BACKGROUND_TRANSPARENT"},
            }
            for name, width, height in row:
                if name in self.markdown:
                    mid = f"MARKDOWN-{uid('markdown', f'{self.slug}:{name}')[:8]}"
                    position[row_id]["children"].append(mid)
                    position[mid] = {
                        "type": "MARKDOWN",
                        "id": mid,
                        "children": [],
                        "parents": ["ROOT_ID", "GRID_ID", row_id],
                        "meta": {"width": width, "height": height, "code": self.markdown[name]},
                    }
                    continue
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
        in_dash = [chart_ids[n] for row in self.layout for n, _, _ in row if n in charts]
        native = []
        for f in self.filters:
            spec = f.to_yaml(chart_ids)
            excluded = spec["scope"]["excluded"]
            native.append({**spec, "chartsInScope": [i for i in in_dash if i not in excluded]})
        metadata = {
            "native_filter_configuration": native,
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
            "dashboard_title": self.title,
            "description": self.description,
            "css": "",
            "slug": self.slug,
            "certified_by": None,
            "certification_details": None,
            "published": True,
            "uuid": self.uuid,
            "position": position,
            "metadata": metadata,
            "version": VERSION,
        }


# ----------------------------------------------------------------------------- render
class _Dumper(yaml.SafeDumper):
    """Safe YAML without anchors: an object used twice is written out twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def render(
    db: dict[str, Any], datasets: list[dict[str, Any]], dashboards: list[Dashboard]
) -> dict[str, str]:
    """Relative path -> YAML text of every file of the bundle.

    Charts are those of the dashboards, in dashboard order; a chart shared by two
    dashboards is written once."""
    files = {
        "metadata.yaml": dump({"version": VERSION, "type": "assets", "timestamp": TIMESTAMP}),
        f"databases/{db['database_name']}.yaml": dump(db),
    }
    for ds in datasets:
        files[f"datasets/{db['database_name']}/{ds['table_name']}.yaml"] = dump(ds)
    charts: dict[str, Chart] = {}
    for dash in dashboards:
        for chart in dash.charts:
            if charts.setdefault(chart.name, chart) is not chart:
                raise ValueError(f"two different charts are named {chart.name!r}")
    for chart in charts.values():
        files[f"charts/{chart.file_name}"] = dump(chart.to_yaml())
    # Chart ids in the export are placeholders: the importer maps them by UUID.
    chart_ids = {name: i for i, name in enumerate(charts, start=1)}
    for dash in dashboards:
        files[f"dashboards/{dash.slug}.yaml"] = dump(dash.to_yaml(chart_ids))
    return files
