"""The committed Superset assets are consistent, without a server: one export bundle
whose objects link by UUID, a read-only DuckDB connection, provisioning's zip, and lists
of measures that are the measure catalogue's (seeds/measures.csv)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml
from conftest import DASHBOARDS, FOREIGN_NAMES, FOREIGN_PREFIXES, REPO, clean_environ
from provision import asset_datasets, build_bundle

ASSETS = REPO / "superset" / "assets"
GENERATOR = REPO / "superset" / "generate_assets.py"
CATALOGUE = REPO / "seeds" / "measures.csv"


def load(kind: str, assets: Path = ASSETS) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((assets / kind).rglob("*.yaml"))]


def generate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_environ(),
    )


def catalogue(path: Path = CATALOGUE) -> list[dict[str, str]]:
    """The catalogue's rows in report order, read here with the csv module."""
    with path.open(newline="") as fh:
        return sorted(csv.DictReader(fh), key=lambda r: int(r["display_order"]))


def chart(name: str, assets: Path = ASSETS) -> dict:
    (found,) = [c for c in load("charts", assets) if c["slice_name"] == name]
    return found


def measure_codes(c: dict) -> list[str]:
    """The chart's `measure_code IN [...]` list; the same in params and query_context."""
    (in_params,) = [
        f["comparator"]
        for f in c["params"]["adhoc_filters"]
        if f["subject"] == "measure_code" and f["operator"] == "IN"
    ]
    (query,) = json.loads(c["query_context"])["queries"]
    (in_query,) = [f["val"] for f in query["filters"] if f["col"] == "measure_code"]
    assert in_params == in_query, c["slice_name"]
    return in_params


def test_assets_match_their_generator():
    out = generate("--check")
    assert out.returncode == 0, out.stdout + out.stderr


def test_metadata_is_an_assets_export():
    meta = yaml.safe_load((ASSETS / "metadata.yaml").read_text())
    assert meta["version"] == "1.0.0" and meta["type"] == "assets"


def test_objects_link_by_uuid():
    databases = {d["uuid"] for d in load("databases")}
    datasets = {d["uuid"] for d in load("datasets")}
    charts = {c["uuid"]: c for c in load("charts")}
    assert all(d["database_uuid"] in databases for d in load("datasets"))
    assert all(c["dataset_uuid"] in datasets for c in charts.values())
    titles = set()
    for dash in load("dashboards"):
        titles.add(dash["dashboard_title"])
        used = {
            v["meta"]["uuid"]
            for v in dash["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        }
        assert used and used <= set(charts), dash["dashboard_title"]
        for f in dash["metadata"]["native_filter_configuration"]:
            assert all(t["datasetUuid"] in datasets for t in f["targets"])
    assert titles == DASHBOARDS
    uuids = [x["uuid"] for k in ("databases", "datasets", "charts", "dashboards") for x in load(k)]
    assert len(uuids) == len(set(uuids))


def test_serving_connection_is_read_only_without_external_access():
    (db,) = load("databases")
    assert db["sqlalchemy_uri"] == "duckdb:///${CSP_SERVING_PATH}"
    args = db["extra"]["engine_params"]["connect_args"]
    assert args["read_only"] is True
    assert args["config"]["enable_external_access"] is False
    assert args["config"]["lock_configuration"] is True
    assert not db["allow_dml"] and not db["allow_file_upload"] and not db["allow_ctas"]


def test_every_dataset_has_descriptions_and_an_area_for_rls():
    for ds in asset_datasets(ASSETS):
        cols = {c["column_name"]: c for c in ds["columns"]}
        assert "area_code" in cols, ds["table_name"]
        missing = [n for n, c in cols.items() if not c.get("description")]
        assert not missing, (ds["table_name"], missing)


def test_bundle_fills_in_the_serving_path(tmp_path):
    serving = tmp_path / "serving.duckdb"
    with zipfile.ZipFile(io.BytesIO(build_bundle(ASSETS, serving))) as zf:
        names = zf.namelist()
        assert "csp_assets/metadata.yaml" in names
        db = yaml.safe_load(zf.read("csp_assets/databases/csp_serving.yaml"))
    assert db["sqlalchemy_uri"] == f"duckdb:///{serving}"
    assert db["sqlalchemy_uri"].startswith("duckdb:////")


def test_the_scorecard_is_in_the_catalogues_report_order():
    c = chart("Community safety scorecard")
    assert c["params"]["order_by_cols"] == ['["display_order", true]']
    (query,) = json.loads(c["query_context"])["queries"]
    assert query["orderby"] == [["display_order", True]]
    for ds in load("datasets"):
        cols = {col["column_name"]: col for col in ds["columns"]}
        assert "measure_order" not in cols, ds["table_name"]
        if ds["table_name"].startswith("scorecard"):
            assert cols["display_order"]["type"] == "INTEGER"
            assert cols["display_order"]["expression"] is None  # the table's own column


def test_every_measure_pivot_lists_the_crime_domain_in_report_order():
    crime = [r["measure_code"] for r in catalogue() if r["domain"] == "crime"]
    assert len(crime) >= 20
    assert measure_codes(chart("Every measure: this FY against last FY by month")) == crime


def test_hate_crime_strands_are_the_hate_crime_domain_without_the_total():
    strands = [
        r["measure_code"]
        for r in catalogue()
        if r["domain"] == "hate_crime" and r["measure_code"] != "hate_crime_total"
    ]
    assert len(strands) == 5
    assert measure_codes(chart("Hate crime by strand")) == strands


def test_rates_per_1000_are_the_measures_with_rate_per_1000():
    per_1000 = [r["measure_code"] for r in catalogue() if r["rate_per"] == "1000"]
    assert per_1000
    assert measure_codes(chart("Rates per 1,000 by month")) == per_1000


def dashboard(slug: str, assets: Path = ASSETS) -> dict:
    (found,) = [d for d in load("dashboards", assets) if d["slug"] == slug]
    return found


def dashboard_charts(slug: str, assets: Path = ASSETS) -> list[dict]:
    """The charts of the dashboard, in layout order."""
    by_uuid = {c["uuid"]: c for c in load("charts", assets)}
    position = dashboard(slug, assets)["position"]
    return [
        by_uuid[v["meta"]["uuid"]]
        for v in position.values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    ]


def equal_filter(c: dict, col: str):
    (value,) = [
        f["comparator"]
        for f in c["params"]["adhoc_filters"]
        if f["subject"] == col and f["operator"] == "=="
    ]
    return value


def test_domestic_abuse_charts_are_the_catalogues_domain_measures():
    """One this-FY-against-last chart per count of domain domestic_abuse, one rate with its
    interval per proportion, in report order; every chart at CSP level."""
    rows = [r for r in catalogue() if r["domain"] == "domestic_abuse"]
    counts = [r["measure_code"] for r in rows if r["method"] == "count"]
    proportions = [r["measure_code"] for r in rows if r["method"] == "ytd_proportion"]
    assert len(counts) >= 2 and len(proportions) >= 3
    charts = dashboard_charts("domestic-abuse")
    on_scorecard = [c for c in charts if c["params"]["datasource"].startswith("__scorecard")]
    fy = [c for c in on_scorecard if c["params"]["datasource"] == "__scorecard_fy_compare__"]
    assert [equal_filter(c, "measure_code") for c in fy] == counts
    assert all(c["params"]["groupby"] == ["fy_position"] for c in fy)
    bands = [c for c in on_scorecard if "(cumulative, 95% interval)" in c["slice_name"]]
    assert [equal_filter(c, "measure_code") for c in bands] == proportions
    (table,) = [c for c in charts if c["slice_name"] == "Domestic abuse rates with 95% intervals"]
    assert measure_codes(table) == proportions
    assert all(equal_filter(c, "area_type") == "csp" for c in on_scorecard if c is not table)


def test_a_rate_is_drawn_with_its_interval_shaded():
    """Superset shades `<series>__yhat_lower` to `<series>__yhat_upper` around `<series>`:
    the rate, its Wilson interval and last year's rate, the same in params and query."""
    bands = [
        c
        for c in dashboard_charts("domestic-abuse")
        if "(cumulative, 95% interval)" in c["slice_name"]
    ]
    assert len(bands) == 3
    for c in bands:
        metrics = c["params"]["metrics"]
        (query,) = json.loads(c["query_context"])["queries"]
        assert query["metrics"] == metrics
        sql = {m["label"]: m["sqlExpression"] for m in metrics}
        assert sql == {
            "Cumulative rate": "MAX(value)",
            "Cumulative rate__yhat_lower": "MAX(ci_lower)",
            "Cumulative rate__yhat_upper": "MAX(ci_upper)",
            "Same month last FY": "MAX(value_last_year)",
        }, c["slice_name"]
        assert c["params"]["x_axis"] == "period_month"


def test_domestic_abuse_notes_explain_the_official_figure():
    dash = dashboard("domestic-abuse")
    (notes,) = [
        v for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "MARKDOWN"
    ]
    text = notes["meta"]["code"]
    assert "official figure" in text and "Full history" in text and "95%" in text
    row = dash["position"][notes["parents"][-1]]
    names = [dash["position"][cid]["meta"].get("sliceName") for cid in row["children"]]
    assert "Repeat flag against derived repeat, by CSP and month" in names
    # The month filter narrows the rates table only.
    (month,) = [f for f in dash["metadata"]["native_filter_configuration"] if f["name"] == "Month"]
    assert len(month["chartsInScope"]) == 1


def test_asb_and_fire_charts_are_the_catalogues_domain_measures():
    """One this-FY-against-last chart per ASB count (methods count, sum_of, repeat_people),
    one rate with its interval per ASB proportion, the fire rates in one chart, and every
    ASB and fire measure in the figures table, in report order; every chart at CSP level."""
    rows = catalogue()
    asb = [r for r in rows if r["domain"] == "asb"]
    counts = [r["measure_code"] for r in asb if r["method"] in ("count", "sum_of", "repeat_people")]
    proportions = [r["measure_code"] for r in asb if r["method"] == "ytd_proportion"]
    fire = [r["measure_code"] for r in rows if r["domain"] == "fire" and r["rate_per"]]
    assert len(counts) >= 4 and proportions and len(fire) >= 3
    charts = dashboard_charts("asb-fire")
    on_scorecard = [c for c in charts if c["params"]["datasource"].startswith("__scorecard")]
    fy = [c for c in on_scorecard if c["params"]["datasource"] == "__scorecard_fy_compare__"]
    assert [equal_filter(c, "measure_code") for c in fy] == counts
    bands = [c for c in on_scorecard if "(cumulative, 95% interval)" in c["slice_name"]]
    assert [equal_filter(c, "measure_code") for c in bands] == proportions
    (rates,) = [c for c in charts if c["slice_name"].startswith("Fire incidents")]
    assert measure_codes(rates) == fire
    assert rates["params"]["y_axis_title"] == "per 100,000 population (year to date)"
    (figures,) = [c for c in charts if c["slice_name"].startswith("ASB and fire figures")]
    assert measure_codes(figures) == [
        r["measure_code"] for r in rows if r["domain"] in ("asb", "fire")
    ]
    assert all(equal_filter(c, "area_type") == "csp" for c in on_scorecard)
    # The restated figures: the restatements of both domains, at CSP level.
    (restated,) = [c for c in charts if c["params"]["datasource"] == "__restatements__"]
    (domains,) = [
        f["comparator"] for f in restated["params"]["adhoc_filters"] if f["subject"] == "domain"
    ]
    assert domains == ["asb", "fire"] and equal_filter(restated, "area_type") == "csp"
    council = [c for c in charts if c["params"]["datasource"] == "__asb_reports_by_category__"]
    assert {c["params"]["groupby"][0] for c in council} == {"category", "channel"}


def test_scorecard_figures_are_marked_when_restated():
    """The ASB and fire figures table shows the count as first reported beside the count,
    and the restated mark; the notes say what first reported and latest mean."""
    (figures,) = [
        c
        for c in dashboard_charts("asb-fire")
        if c["slice_name"].startswith("ASB and fire figures")
    ]
    cols = figures["params"]["all_columns"]
    assert cols[cols.index("count") + 1 : cols.index("count") + 3] == [
        "first_reported_count",
        "restated_label",
    ]
    (scorecard,) = [d for d in load("datasets") if d["table_name"] == "scorecard"]
    (label,) = [c for c in scorecard["columns"] if c["column_name"] == "restated_label"]
    assert "is_restated" in label["expression"] and "first_reported_count" in label["expression"]
    dash = dashboard("asb-fire")
    (notes,) = [
        v for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "MARKDOWN"
    ]
    text = notes["meta"]["code"]
    assert "first reported" in text and "latest" in text and "Data status" in text


def current_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One row per measure code: the one with the latest valid_from (its definition in
    force now), in report order."""
    latest: dict[str, dict[str, str]] = {}
    for r in rows:
        kept = latest.get(r["measure_code"])
        if kept is None or r["valid_from"] > kept["valid_from"]:
            latest[r["measure_code"]] = r
    return [r for r in rows if latest[r["measure_code"]] is r]


def test_drugs_and_alcohol_charts_are_the_catalogues_measures():
    """One this-FY-against-last line per client count (distinct_ytd), the completion rates
    (ytd_proportion) in a table and a line, the court orders' measures by month and the
    NDTMS figures by reporting year, each list the catalogue's in report order, once per
    code however many definitions it has; every chart at CSP level."""
    rows = current_rows(catalogue())
    treatment = [r for r in rows if r["domain"] == "substance_misuse"]
    clients = [r["measure_code"] for r in treatment if r["method"] == "distinct_ytd"]
    rates = [r["measure_code"] for r in treatment if r["method"] == "ytd_proportion"]
    ndtms = [r["measure_code"] for r in treatment if r["source"] == "ndtms_viewit"]
    orders = [
        r["measure_code"]
        for r in rows
        if r["domain"] == "reoffending" and r["source"] == "court_orders"
    ]
    assert len(clients) == 3 and len(rates) == 2 and len(ndtms) == 2 and len(orders) == 5
    charts = dashboard_charts("drug-alcohol")
    by_name = {c["slice_name"]: c for c in charts}
    assert all(c["params"]["datasource"].startswith("__scorecard") for c in charts)
    assert all(equal_filter(c, "area_type") == "csp" for c in charts)
    fy = [c for c in charts if c["params"]["datasource"] == "__scorecard_fy_compare__"]
    assert [equal_filter(c, "measure_code") for c in fy] == clients
    assert all(c["params"]["groupby"] == ["fy_position"] for c in fy)
    table = by_name["Clients in treatment from 1 April: this FY against last FY"]
    assert measure_codes(table) == clients
    assert table["params"]["all_columns"][2:4] == ["count", "ytd_count_last_year"]
    for name in (
        "Successful completion rates with 95% intervals and their definitions",
        "Successful completion rates by month, a line per definition",
    ):
        assert measure_codes(by_name[name]) == rates, name
    assert measure_codes(by_name["DRR and ATR orders by month"]) == orders
    ndtms_chart = by_name["National NDTMS figures by reporting year"]
    assert measure_codes(ndtms_chart) == ndtms
    assert ndtms_chart["params"]["x_axis"] == "financial_year"
    assert measure_codes(by_name["Definitions of the drug and alcohol figures"]) == (
        clients + rates + orders + ndtms
    )


def sql_of(column) -> str:
    return column["sqlExpression"] if isinstance(column, dict) else column


def test_a_completion_rate_shows_the_definition_it_was_counted_under():
    """The rates table has each rate's interval and, beside it, its definition (number and
    valid from) and its numerator and denominator in words; last year's rate only under the
    same definition; the line draws a line per measure and definition; the notes name the
    catalogue's changed definitions with the day they apply from."""
    charts = {c["slice_name"]: c for c in dashboard_charts("drug-alcohol")}
    table = charts["Successful completion rates with 95% intervals and their definitions"]
    cols = table["params"]["all_columns"]
    (query,) = json.loads(table["query_context"])["queries"]
    assert query["columns"] == cols
    names = [c["label"] if isinstance(c, dict) else c for c in cols]
    assert names[:7] == [
        "measure_name",
        "month_label",
        "count",
        "denominator",
        "value",
        "ci_lower",
        "ci_upper",
    ]
    assert names[7:] == [
        "Last year (same definition)",
        "Definition",
        "numerator_definition",
        "denominator_definition",
    ]
    assert "value_last_year" in sql_of(cols[7]) and "definition_valid_from" in sql_of(cols[7])
    assert "definition_number" in sql_of(cols[8]) and "definition_valid_from" in sql_of(cols[8])
    line = charts["Successful completion rates by month, a line per definition"]
    (series,) = line["params"]["groupby"]
    (query,) = json.loads(line["query_context"])["queries"]
    assert query["series_columns"] == [series] and series in query["columns"]
    assert "definition_number" in sql_of(series) and "measure_name" in sql_of(series)
    # the FY filter leaves the line and the definitions table alone: every definition shows
    dash = dashboard("drug-alcohol")
    filters = {f["name"]: f for f in dash["metadata"]["native_filter_configuration"]}
    ids = {
        v["meta"]["sliceName"]: v["meta"]["chartId"]
        for v in dash["position"].values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    }
    fy_scope = filters["Financial year"]["chartsInScope"]
    assert ids[line["slice_name"]] not in fy_scope
    assert ids["Definitions of the drug and alcohol figures"] not in fy_scope
    assert ids[table["slice_name"]] in fy_scope
    assert filters["Month"]["chartsInScope"] == [
        ids["Clients in treatment from 1 April: this FY against last FY"]
    ]
    (notes,) = [
        v for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "MARKDOWN"
    ]
    text = notes["meta"]["code"]
    changed = [r for r in current_rows(catalogue()) if r["valid_from"]]
    assert changed and "A definition can change" in text and "95%" in text
    for r in changed:
        day = dt.date.fromisoformat(r["valid_from"])
        assert f"*{r['measure_name']}*, from {day.day} {day:%B %Y}" in text


REO = "reoffending"
IOM_TABLE = "IOM scorecard by quarter"


def test_reoffending_charts_are_the_catalogues_measures():
    """The IOM table reads the domain's quarterly measures (cohort size, the change and
    its year to date, the cost), the cohort line the quarterly counts, the orders chart
    the court orders' measures, each list the catalogue's in report order; the needs
    charts read probation_needs, each one assessment type (never the two added), the
    table keeping them apart; every chart at CSP level."""
    rows = current_rows(catalogue())
    quarterly = [r for r in rows if r["domain"] == "reoffending" and r["period_type"] == "quarter"]
    orders = [
        r["measure_code"]
        for r in rows
        if r["domain"] == "reoffending" and r["source"] == "court_orders"
    ]
    methods = {
        r["method"]: r["measure_code"]
        for r in quarterly
        if r["method"] in ("change", "ytd_change", "sum")
    }
    counts = [r["measure_code"] for r in quarterly if r["unit"] == "count"]
    (cohort,) = [r["measure_code"] for r in quarterly if r["source"] == "iom_cohort"]
    assert len(counts) == 2 and set(methods) == {"change", "ytd_change", "sum"} and orders
    charts = {c["slice_name"]: c for c in dashboard_charts(REO)}
    assert all(equal_filter(c, "area_type") == "csp" for c in charts.values())
    table = charts[IOM_TABLE]
    assert measure_codes(table) == [
        cohort,
        methods["change"],
        methods["ytd_change"],
        methods["sum"],
    ]
    sql = {m["label"]: m["sqlExpression"] for m in table["params"]["metrics"]}
    (query,) = json.loads(table["query_context"])["queries"]
    assert [m["label"] for m in query["metrics"]] == list(sql)
    assert list(sql) == [
        "Number on scheme",
        "Convictions this FY in quarter",
        "Convictions last FY in quarter",
        "Change % (quarter)",
        "Convictions this FY from 1 April",
        "Convictions last FY, same quarters",
        "Change % (from 1 April)",
        "Total cost of offending (2015/16 prices)",
    ]
    assert f"'{cohort}' THEN count" in sql["Number on scheme"]
    assert f"'{methods['change']}' THEN value" in sql["Change % (quarter)"]
    assert f"'{methods['change']}' THEN denominator" in sql["Convictions last FY in quarter"]
    assert f"'{methods['ytd_change']}' THEN value" in sql["Change % (from 1 April)"]
    cost = sql["Total cost of offending (2015/16 prices)"]
    assert f"'{methods['sum']}' THEN count" in cost and "'No data'" in cost  # never 0
    assert table["params"]["groupby"][0] == "area_name"  # a CSP's quarter, never two CSPs'
    line = charts["IOM cohort and its convictions by quarter"]
    assert measure_codes(line) == counts
    assert measure_codes(charts["DRR and ATR outcomes by month"]) == orders
    needs = [c for c in charts.values() if c["params"]["datasource"] == "__probation_needs__"]
    assert len(needs) == 3
    heatmaps = [c for c in needs if c["viz_type"] == "heatmap_v2"]
    assert sorted(equal_filter(c, "event_type") for c in heatmaps) == ["initial", "termination"]
    assert all(c["params"]["metric"] == "need_share_fytd" for c in heatmaps)
    (pivot,) = [c for c in needs if c["viz_type"] == "pivot_table_v2"]
    assert pivot["params"]["groupbyRows"][0] == "event_type_label"
    (ds,) = [d for d in load("datasets") if d["table_name"] == "probation_needs"]
    metrics = {m["metric_name"]: m["expression"] for m in ds["metrics"]}
    assert metrics["need_share_fytd"] == "arg_max_null(ytd_need_pct, period_month)"
    # the FY filter leaves the cohort line alone (every quarter), narrows the rest
    dash = dashboard(REO)
    filters = {f["name"]: f for f in dash["metadata"]["native_filter_configuration"]}
    assert set(filters) == {"CSP", "Financial year"}
    ids = {
        v["meta"]["sliceName"]: v["meta"]["chartId"]
        for v in dash["position"].values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    }
    fy_scope = filters["Financial year"]["chartsInScope"]
    assert ids["IOM cohort and its convictions by quarter"] not in fy_scope
    assert {ids[n] for n in ids if n != "IOM cohort and its convictions by quarter"} <= set(
        fy_scope
    )
    assert set(filters["CSP"]["chartsInScope"]) == set(ids.values())
    (notes,) = [
        v for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "MARKDOWN"
    ]
    text = notes["meta"]["code"]
    assert "2015/16 prices" in text and "Heeks et al. 2018" in text and "No data" in text


def test_the_overview_shows_the_data_status_first_overdue_first():
    """The overview's first row is the Data status table of source_status, overdue sources
    first; the year and month filters leave it alone (it is always the latest)."""
    dash = dashboard("community-safety-overview")
    position = dash["position"]
    first_row = position[position["GRID_ID"]["children"][0]]
    (cell,) = first_row["children"]
    assert position[cell]["meta"]["sliceName"] == "Data status"
    status = chart("Data status")
    assert status["params"]["datasource"] == "__source_status__"
    assert status["params"]["all_columns"] == [
        "source_title",
        "area_name",
        "last_period_label",
        "expected_by_label",
        "overdue_label",
        "days_late",
        "status",
    ]
    (query,) = json.loads(status["query_context"])["queries"]
    assert query["orderby"][:2] == [["is_overdue", False], ["days_late", False]]
    filters = {f["name"]: f for f in dash["metadata"]["native_filter_configuration"]}
    status_id = position[cell]["meta"]["chartId"]
    assert status_id in filters["CSP"]["chartsInScope"]
    for name in ("Financial year", "Month"):
        assert status_id not in filters[name]["chartsInScope"], name


NEW_CODE = "assault_with_injury_8n"


def test_a_new_crime_measure_in_the_catalogue_reaches_the_crime_dashboard(tmp_path):
    """One catalogue row of domain crime, regenerate: the code is in the crime
    dashboard's assets, with no other edit."""
    rows = catalogue()
    fields = list(rows[0])
    other_crime = max(int(r["display_order"]) for r in rows if r["domain"] == "crime")
    new = dict.fromkeys(fields, "")
    new.update(
        measure_code=NEW_CODE,
        measure_name="Assault with injury (8N)",
        description="Crimes with Home Office offence code 8N.",
        domain="crime",
        display_order=str(other_crime + 5),
        unit="count",
        period_type="month",
        method="count",
        source="police_crime",
        numerator_rule="offence_code = '8N'",
        higher_is_better="false",
        numerator_definition="Crimes with Home Office offence code 8N",
    )
    edited = tmp_path / "measures.csv"
    shutil.copyfile(CATALOGUE, edited)
    with edited.open("a", newline="") as fh:
        csv.DictWriter(fh, fieldnames=fields, lineterminator="\n").writerow(new)
    out_dir = tmp_path / "assets"

    out = generate("--catalogue", str(edited), "--out", str(out_dir))
    assert out.returncode == 0, out.stdout + out.stderr
    assert generate("--catalogue", str(edited), "--out", str(out_dir), "--check").returncode == 0
    # The committed assets are stale against the edited catalogue, and untouched.
    assert generate("--catalogue", str(edited), "--check").returncode == 1
    assert generate("--check").returncode == 0

    (dash,) = [d for d in load("dashboards", out_dir) if d["slug"] == "crime"]
    in_dashboard = {
        v["meta"]["uuid"]
        for v in dash["position"].values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    }
    naming = [
        c["slice_name"]
        for c in load("charts", out_dir)
        if c["uuid"] in in_dashboard and NEW_CODE in yaml.safe_dump(c)
    ]
    assert naming == ["Every measure: this FY against last FY by month"]
    pivot = chart("Every measure: this FY against last FY by month", out_dir)
    expected = [r["measure_code"] for r in catalogue(edited) if r["domain"] == "crime"]
    assert measure_codes(pivot) == expected and expected[-1] == NEW_CODE
    # Nothing else moved: every other file is the committed one.
    changed = {
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*.yaml")
        if p.read_text() != (ASSETS / p.relative_to(out_dir)).read_text()
    }
    assert changed == {"charts/Every_measure_this_FY_against_last_FY_by_month.yaml"}


def test_provisioning_and_the_launcher_take_the_serving_path_from_settings(monkeypatch, tmp_path):
    """ingest.config.Settings is the one home of the serving path: provision.py resolves
    it and serve.py hands it, absolute, to the server and to provisioning."""
    import provision
    import serve

    from ingest.config import Settings

    for name in list(os.environ):
        if name.startswith(FOREIGN_PREFIXES) or name in FOREIGN_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CSP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CSP_SERVING_PATH", raising=False)
    expected = tmp_path / "data" / "serving.duckdb"
    assert Settings.from_env().serving_path == expected
    assert provision.serving_path() == expected
    assert serve.superset_env()["CSP_SERVING_PATH"] == str(expected)

    monkeypatch.setenv("CSP_SERVING_PATH", "elsewhere/serving.duckdb")
    assert provision.serving_path() == tmp_path / "elsewhere" / "serving.duckdb"
    assert serve.superset_env()["CSP_SERVING_PATH"] == str(
        tmp_path / "elsewhere" / "serving.duckdb"
    )
