"""A real Superset, provisioned from superset/: every chart answers, RLS and SQL Lab hold,
provisioning is idempotent and a publish never breaks a dashboard.

Each test leaves the server as it found it: what a test changes (a chart's definition,
the published serving file) is put back in a ``finally``, so the tests run in any order."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import duckdb
import pytest
import requests
from catalogue import in_domain, read
from conftest import AS_OF, DASHBOARDS, LATE_FIRE_MONTH, LATE_FIRES, MEDWAY, MK, REPO
from dashboards.asb_fire import sent_per_csp
from dashboards.charts import fy_name
from provision import Client

from ingest.contracts import get_contract

pytestmark = pytest.mark.superset


def chart_data(client: Client, chart_id: int) -> dict:
    r = client.s.get(f"{client.url}/api/v1/chart/{chart_id}/data/", timeout=60)
    assert r.status_code == 200, f"chart {chart_id}: {r.status_code} {r.text[:500]}"
    return r.json()["result"][0]


def all_charts(dashboard_charts: dict[str, list[dict]]) -> list[dict]:
    return [c for charts in dashboard_charts.values() for c in charts]


def test_every_chart_of_every_dashboard_returns_rows(admin, dashboard_charts):
    assert set(dashboard_charts) == DASHBOARDS
    for title, charts in dashboard_charts.items():
        assert charts, f"dashboard {title} has no charts"
        for chart in charts:
            result = chart_data(admin, chart["id"])
            assert not result.get("error"), (chart["slice_name"], result["error"])
            assert result["rowcount"] > 0, f"{title} / {chart['slice_name']}: no rows"


def test_scorecard_table_has_the_report_columns(admin, dashboard_charts):
    table = next(
        c
        for c in dashboard_charts["Community safety overview"]
        if c["slice_name"] == "Community safety scorecard"
    )
    result = chart_data(admin, table["id"])
    assert result["colnames"] == [
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
    # counts-only measures show no rate (areas without a population have none either)
    assert all(row["rate"] is None for row in result["data"] if row["unit"] == "count")
    assert any(row["rate"] is not None for row in result["data"])
    arrows = {row["direction_arrow"] for row in result["data"]}
    assert arrows <= {"↑", "↓", "↔", ""} and arrows & {"↑", "↓"}
    # The report's order: All crime first.
    assert result["data"][0]["measure_name"].startswith("All ")
    # the significance label stands beside the arrow of every change it judges
    assert {row["significance_label"] for row in result["data"]} <= {
        "not significant",
        "significant",
        "",
    }
    assert any(row["significance_label"] == "not significant" for row in result["data"])


def test_targets_table_colours_each_status_with_its_reason_on_hover(
    admin, dashboard_charts, superset_server
):
    """The overview's Targets table: every register row of the month with its status as a
    coloured badge whose title (shown on hover) is the sentence behind it, read from the
    serving file; No data is grey and never Green."""
    table = next(
        c for c in dashboard_charts["Community safety overview"] if c["slice_name"] == "Targets"
    )
    result = chart_data(admin, table["id"])
    assert result["rowcount"] > 0
    colours = {"Green": "#2e7d32", "Amber": "#f9a825", "Red": "#c62828", "No data": "#9e9e9e"}
    con = duckdb.connect(str(superset_server.serving_path), read_only=True)
    try:
        reasons = {
            r[0]
            for r in con.execute(
                "SELECT rag_reason FROM main.scorecard WHERE rag IS NOT NULL"
            ).fetchall()
        }
    finally:
        con.close()
    for row in result["data"]:
        badge = row["rag_html"]
        (status,) = [s for s in colours if badge.endswith(f">{s}</span>")]
        assert f"background:{colours[status]}" in badge
        title = badge.split('title="', 1)[1].split('">', 1)[0]
        assert title.replace("&quot;", '"').replace("&amp;", "&") in reasons
        assert title.replace("&quot;", '"').replace("&amp;", "&") == row["rag_reason"]
        if status == "Green":
            assert row["judged_value"] is not None


def area_query(admin: Client, chart_id: int) -> dict:
    """The chart's saved query, also returning the area of every row."""
    chart = admin.req("GET", f"/api/v1/chart/{chart_id}")["result"]
    qc = json.loads(chart["query_context"])
    for query in qc["queries"]:
        extra = [c for c in ("area_code", "area_name") if c not in query["columns"]]
        query["columns"] = [*query["columns"], *extra]
    return qc


def areas_seen(client: Client, query_context: dict) -> set[str]:
    result = client.req("POST", "/api/v1/chart/data", json=query_context)["result"][0]
    assert not result.get("error"), result["error"]
    assert result["rowcount"] > 0
    return {row["area_code"] for row in result["data"]}


def test_a_csp_manager_sees_only_their_csp(superset_server, admin, dashboard_charts):
    mk = superset_server.client("mk_manager")
    medway = superset_server.client("medway_manager")
    for chart in all_charts(dashboard_charts):
        qc = area_query(admin, chart["id"])
        assert MEDWAY in areas_seen(admin, qc), chart["slice_name"]  # the check can fail
        assert areas_seen(mk, qc) == {MK}, chart["slice_name"]
        assert areas_seen(medway, qc) == {MEDWAY}, chart["slice_name"]
        # The saved chart, as the dashboard shows it, also answers the manager.
        assert chart_data(mk, chart["id"])["rowcount"] > 0


def test_every_dataset_is_restricted_per_csp(admin):
    """Each CSP's rule covers every dataset of the assets, the domestic abuse marts too."""
    datasets = {
        d["table_name"]: d["id"] for d in admin.list_all("/api/v1/dataset/", ["id", "table_name"])
    }
    assert {
        "marac_cases_by_agency",
        "repeat_flag_agreement",
        "asb_reports_by_category",
        "probation_needs",
        "restatements",
        "source_status",
    } <= set(datasets)
    rules = {
        r["name"]: {t["id"] for t in r["tables"]}
        for r in admin.list_all("/api/v1/rowlevelsecurity/")
    }
    for code in (MK, MEDWAY):
        (tables,) = [t for name, t in rules.items() if name.endswith(f"({code})")]
        assert tables == set(datasets.values()), code


def serving_sum(serving, sql: str, area_code: str) -> int:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(sql, {"area": area_code}).fetchone()[0]
    finally:
        con.close()


def named_chart(dashboard_charts, title: str, name: str) -> dict:
    (chart,) = [c for c in dashboard_charts[title] if c["slice_name"] == name]
    return chart


DA = "Domestic abuse and MARAC"


def test_mk_domestic_abuse_figures_are_mk_figures(superset_server, dashboard_charts):
    """Through the saved charts, the Milton Keynes manager's MARAC cases by agency and
    repeat-flag notes add up to the serving file's Milton Keynes rows, and Medway's to
    Medway's."""
    serving = superset_server.serving_path
    agency = named_chart(dashboard_charts, DA, "MARAC cases by referring agency")
    notes = named_chart(
        dashboard_charts, DA, "Repeat flag against derived repeat, by CSP and month"
    )
    for user, code in (("mk_manager", MK), ("medway_manager", MEDWAY)):
        client = superset_server.client(user)
        cases = sum(r["total_cases"] for r in chart_data(client, agency["id"])["data"])
        assert cases == serving_sum(
            serving,
            "SELECT sum(cases) FROM main.marac_cases_by_agency WHERE area_code = $area",
            code,
        )
        rows = chart_data(client, notes["id"])["data"]
        assert sum(r["events"] for r in rows) == serving_sum(
            serving,
            "SELECT sum(events) FROM main.repeat_flag_agreement WHERE area_code = $area",
            code,
        )
        assert {r["source"] for r in rows} == {"dv_incidents", "marac_cases"}


def test_a_rate_comes_with_its_interval(superset_server, dashboard_charts):
    """Each rate chart (domestic abuse, ASB satisfaction) answers the rate inside its 95%
    interval, and last year's rate."""
    mk = superset_server.client("mk_manager")
    charts = [
        c
        for title in (DA, ASBF)
        for c in dashboard_charts[title]
        if "(cumulative, 95% interval)" in c["slice_name"]
    ]
    assert len(charts) == len(
        [
            m
            for m in read()
            if m.method == "ytd_proportion" and m.domain in ("domestic_abuse", "asb")
        ]
    )
    for chart in charts:
        rows = [r for r in chart_data(mk, chart["id"])["data"] if r["Cumulative rate"] is not None]
        assert rows, chart["slice_name"]
        for r in rows:
            low, high = r["Cumulative rate__yhat_lower"], r["Cumulative rate__yhat_upper"]
            assert 0 <= low <= r["Cumulative rate"] <= high <= 100, (chart["slice_name"], r)
        assert any(r["Same month last FY"] is not None for r in rows), chart["slice_name"]


ASBF = "ASB and fire"
OVERVIEW = "Community safety overview"


def serving_rows(serving, sql: str, **params) -> list[dict]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def demo_manifest(superset_server) -> dict:
    """The session's demo manifest (its restated files and its late return)."""
    if not superset_server.built:
        pytest.skip("CSP_TEST_SERVING: the status day and the demo's files are unknown")
    return json.loads((superset_server.landing_dir / "demo_manifest.json").read_text())


def late_council_return(manifest: dict) -> dict:
    """The demo's late council ASB return: Medway's, none from a month to the end."""
    (late,) = [r for r in manifest["late"] if r["source"] == "asb_council"]
    assert late["scope"] == MEDWAY and late["missing_from"] in manifest["months"], late
    return late


def first_day(month: str) -> dt.date:
    return dt.date.fromisoformat(f"{month}-01")


def month_name(day: dt.date) -> str:
    return f"{day:%B %Y}"


def test_the_medway_manager_sees_the_overdue_council_asb_return_first(
    superset_server, dashboard_charts
):
    """Data status (overview), through the chart data API: Medway's manager sees Medway's
    council ASB return overdue, first, with the sentence saying since when, every other
    source up to date, and no other CSP's row; Milton Keynes's manager sees Milton Keynes
    up to date."""
    late = late_council_return(demo_manifest(superset_server))
    contract = get_contract(late["source"])
    missing = first_day(late["missing_from"])
    last_received = (missing - dt.timedelta(days=1)).replace(day=1)
    month_end = (missing + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    due = month_end + dt.timedelta(days=contract.lag_days)
    days_late = (dt.date.fromisoformat(AS_OF) - due).days
    assert days_late > 0  # the session's status day makes it overdue (conftest.AS_OF)

    chart = named_chart(dashboard_charts, OVERVIEW, "Data status")
    medway = chart_data(superset_server.client("medway_manager"), chart["id"])
    assert medway["colnames"] == [
        "source_title",
        "area_name",
        "last_period_label",
        "expected_by_label",
        "overdue_label",
        "days_late",
        "status",
    ]
    first, *others = medway["data"]
    assert {r["area_name"] for r in medway["data"]} == {"Medway"}  # RLS: no Milton Keynes
    assert first["source_title"] == contract.title
    assert first["overdue_label"] == "Overdue" and first["days_late"] == days_late
    assert first["last_period_label"] == month_name(last_received)
    assert first["expected_by_label"] == f"{month_name(missing)} by {due.day} {due:%B %Y}"
    assert first["status"].startswith(
        f"No data from {contract.title} since {month_name(last_received)}"
    ), first["status"]
    assert f"({days_late} days late)" in first["status"]
    assert others and all(r["overdue_label"] == "Up to date" for r in others), others
    assert all(r["days_late"] == 0 and r["status"].startswith("Up to date") for r in others)

    mk = chart_data(superset_server.client("mk_manager"), chart["id"])["data"]
    assert {r["area_name"] for r in mk} == {"Milton Keynes"}
    assert contract.title in {r["source_title"] for r in mk}
    assert all(r["overdue_label"] == "Up to date" for r in mk), mk


def fy_label(month: str) -> str:
    """The month as the dataset's fy_month_label ('11 Feb')."""
    day = first_day(month)
    return f"{(day.month + 8) % 12 + 1:02d} {day:%b}"


def fy_points(client: Client, chart: dict) -> dict[tuple[str, str], int | None]:
    """(fy_position, fy_month_label) -> the point of a this-FY-against-last-FY chart."""
    rows = chart_data(client, chart["id"])["data"]
    return {(r["fy_position"], r["fy_month_label"]): r["total_count"] for r in rows}


def test_asb_combined_has_no_value_while_the_council_return_is_missing(
    superset_server, dashboard_charts
):
    """Medway's manager: ASB reported to the police and the council (and to the council)
    have no value for the months without a council return and a value for every other
    month; police ASB has one every month. Milton Keynes has every month."""
    manifest = demo_manifest(superset_server)
    late = late_council_return(manifest)
    missing = {fy_label(m) for m in manifest["months"] if m >= late["missing_from"]}
    assert missing == {"11 Feb", "12 Mar"}  # the last two months of the latest FY
    asb = in_domain(read(), "asb")
    (combined,) = [m for m in asb if m.method == "sum_of"]
    (police,) = [m for m in asb if m.method == "count" and not sent_per_csp(m)]
    (council,) = [m for m in asb if m.method == "count" and sent_per_csp(m)]
    medway = superset_server.client("medway_manager")
    mk = superset_server.client("mk_manager")
    for measure in (combined, council):
        chart = named_chart(dashboard_charts, ASBF, fy_name(measure))
        points = fy_points(medway, chart)
        assert len(points) == 24, points
        no_value = {label for (fy, label), v in points.items() if v is None}
        assert no_value == missing and all(
            (fy, label) in points for fy in ("This FY", "Last FY") for label in missing
        )
        assert {fy for (fy, label), v in points.items() if v is None} == {"This FY"}
        assert all(v is not None for v in fy_points(mk, chart).values())
    police_points = fy_points(medway, named_chart(dashboard_charts, ASBF, fy_name(police)))
    assert len(police_points) == 24 and all(v is not None for v in police_points.values())


RESTATED = "Restated ASB and fire figures"
FIGURES = "ASB and fire figures by month, restated marked"


def test_restated_figures_are_listed_and_marked(superset_server, dashboard_charts):
    """Each manager's restated ASB and fire figures are their CSP's rows of the serving
    file's restatements: Medway's the fire incidents recorded late, Milton Keynes's the
    council's backdated reports; the figures table marks exactly the restated figures,
    with the first reported count beside the latest."""
    manifest = demo_manifest(superset_server)
    (backdated,) = [r for r in manifest["restated"] if r["source"] == "asb_council"]
    (council,) = [m for m in in_domain(read(), "asb") if m.method == "count" and sent_per_csp(m)]
    serving = superset_server.serving_path
    restated = named_chart(dashboard_charts, ASBF, RESTATED)
    figures = named_chart(dashboard_charts, ASBF, FIGURES)
    columns = ["measure_name", "month_label", "count_before", "count_after", "count_change"]
    for user, code in (("medway_manager", MEDWAY), ("mk_manager", MK)):
        client = superset_server.client(user)
        rows = chart_data(client, restated["id"])["data"]
        expected = serving_rows(
            serving,
            "SELECT measure_name, strftime(period_month, '%Y-%m') AS month_label, "
            "count_before, count_after, count_change FROM main.restatements "
            "WHERE domain IN ('asb', 'fire') AND area_type = 'csp' AND area_code = $area",
            area=code,
        )
        assert expected, code
        assert sorted(tuple(r[c] for c in columns) for r in rows) == sorted(
            tuple(r[c] for c in columns) for r in expected
        ), user
        # each restated once: the count before is the first reported
        assert all(r["first_reported_count"] == r["count_before"] for r in rows)
        assert all(r["restated_at_label"] != "Not published yet" for r in rows)
        if code == MEDWAY:
            (fire,) = rows
            assert (fire["month_label"], fire["count_change"]) == (LATE_FIRE_MONTH, LATE_FIRES)
            assert fire["source_file"].endswith(".restated-9.csv")
        else:
            assert {r["area_name"] for r in rows} == {"Milton Keynes"}
            assert min(r["month_label"] for r in rows) == backdated["period"]
            (of_council,) = [r for r in rows if r["measure_name"] == council.measure_name]
            assert of_council["month_label"] == backdated["period"]
            assert of_council["count_change"] == backdated["rows_after"] - backdated["rows_before"]
            assert backdated["file"].endswith(of_council["source_file"])

        marked = {
            (r["measure_name"], r["month_label"]): r
            for r in chart_data(client, figures["id"])["data"]
            if r["restated_label"]
        }
        is_restated = serving_rows(
            serving,
            "SELECT measure_name, strftime(period_month, '%Y-%m') AS month_label, count, "
            "first_reported_count FROM main.scorecard WHERE domain IN ('asb', 'fire') "
            "AND area_type = 'csp' AND area_code = $area AND is_restated",
            area=code,
        )
        assert is_restated and set(marked) == {
            (r["measure_name"], r["month_label"]) for r in is_restated
        }
        for r in is_restated:
            shown = marked[(r["measure_name"], r["month_label"])]
            assert shown["count"] == r["count"] != r["first_reported_count"]
            assert shown["first_reported_count"] == r["first_reported_count"]
            assert shown["restated_label"] == (
                f"Restated (first reported {r['first_reported_count']:,})"
            )


def test_asb_and_fire_figures_are_the_csps_figures(superset_server, dashboard_charts):
    """Through the saved charts, each manager's council reports by channel add up to the
    serving file's rows of their CSP, and the fire rates are the scorecard's values."""
    serving = superset_server.serving_path
    channel = named_chart(
        dashboard_charts, ASBF, "Council ASB reports by channel, with satisfaction"
    )
    (rates,) = [c for c in dashboard_charts[ASBF] if c["slice_name"].startswith("Fire incidents")]
    for user, code in (("mk_manager", MK), ("medway_manager", MEDWAY)):
        client = superset_server.client(user)
        rows = chart_data(client, channel["id"])["data"]
        assert sum(r["total_reports"] for r in rows) == serving_sum(
            serving,
            "SELECT sum(reports) FROM main.asb_reports_by_category WHERE area_code = $area",
            code,
        )
        assert all(0 <= r["satisfied_share"] <= 100 for r in rows if r["total_surveyed"])
        got = {
            (
                dt.datetime.fromtimestamp(r["period_month"] / 1000, dt.UTC).date(),
                r["measure_name"],
            ): r["rate"]
            for r in chart_data(client, rates["id"])["data"]
        }
        expected = {
            (r["period_month"], r["measure_name"]): r["value"]
            for r in serving_rows(
                serving,
                "SELECT period_month, measure_name, value FROM main.scorecard "
                "WHERE domain = 'fire' AND area_type = 'csp' AND area_code = $area",
                area=code,
            )
        }
        assert expected and got.keys() == expected.keys()
        assert all(got[k] == pytest.approx(v) for k, v in expected.items() if v is not None)


DRA = "Drugs and alcohol"
CLIENTS_TABLE = "Clients in treatment from 1 April: this FY against last FY"
RATES_TABLE = "Successful completion rates with 95% intervals and their definitions"
RATES_LINE = "Successful completion rates by month, a line per definition"
ORDERS = "DRR and ATR orders by month"
NDTMS = "National NDTMS figures by reporting year"
DEFINITIONS = "Definitions of the drug and alcohol figures"


def day_of(ms: int) -> dt.date:
    """A chart's time value (ms since the epoch, UTC) as a date."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()


def definition_label(number: int, valid_from: dt.date | None) -> str:
    """The dashboard's Definition: '1 (since always)', '2 (from 1 April 2025)'."""
    if valid_from is None:
        return f"{number} (since always)"
    return f"{number} (from {valid_from.day} {valid_from:%B %Y})"


def test_drugs_and_alcohol_figures_are_the_csps_figures(superset_server, dashboard_charts):
    """Through the saved charts, each manager's clients in treatment (this FY against last),
    DRR and ATR orders and NDTMS figures are the serving file's rows of their CSP."""
    serving = superset_server.serving_path
    clients = named_chart(dashboard_charts, DRA, CLIENTS_TABLE)
    orders = named_chart(dashboard_charts, DRA, ORDERS)
    ndtms = named_chart(dashboard_charts, DRA, NDTMS)
    client_measures = [
        m for m in in_domain(read(), "substance_misuse") if m.method == "distinct_ytd"
    ]
    for user, code in (("mk_manager", MK), ("medway_manager", MEDWAY)):
        client = superset_server.client(user)
        got = {
            (r["measure_name"], r["month_label"]): (r["count"], r["ytd_count_last_year"])
            for r in chart_data(client, clients["id"])["data"]
        }
        expected = {
            (r["measure_name"], r["month_label"]): (r["count"], r["ytd_count_last_year"])
            for r in serving_rows(
                serving,
                "SELECT measure_name, strftime(period_month, '%Y-%m') AS month_label, count, "
                "ytd_count_last_year FROM main.scorecard WHERE area_type = 'csp' "
                "AND area_code = $area AND measure_code IN (SELECT unnest($codes))",
                area=code,
                codes=[m.measure_code for m in client_measures],
            )
        }
        assert expected and got == expected, user
        # a second FY: every client count has last year's figure in the latest FY
        latest = max(month for _, month in got)
        assert all(got[(m.measure_name, latest)][1] is not None for m in client_measures), latest
        for m in client_measures:
            points = fy_points(client, named_chart(dashboard_charts, DRA, fy_name(m)))
            assert len(points) == 24 and all(v is not None for v in points.values()), m
        for chart, sql in (
            (orders, "domain = 'reoffending' AND source = 'court_orders'"),
            (ndtms, "period_type = 'financial_year' AND domain = 'substance_misuse'"),
        ):
            rows = chart_data(client, chart["id"])["data"]
            total = sum(r["total_count"] for r in rows)
            expected_total = serving_sum(
                serving,
                "SELECT sum(count) FROM main.scorecard WHERE area_type = 'csp' "
                f"AND area_code = $area AND {sql}",
                code,
            )
            assert rows and total == expected_total, (user, chart["slice_name"])


def test_a_completion_rate_is_shown_with_its_definition(superset_server, dashboard_charts):
    """The Milton Keynes manager's completion rates: each inside its 95% interval, beside
    the definition it was counted under (number, valid from, numerator and denominator in
    words, as the scorecard says); the measure whose definition changed shows its first
    definition before the day and its second from it, in the table, as a line of its own
    and in the definitions table; last year's rate only under the same definition."""
    serving = superset_server.serving_path
    client = superset_server.client("mk_manager")
    rates = [m for m in in_domain(read(), "substance_misuse") if m.method == "ytd_proportion"]
    changed = [m for m in rates if m.valid_from is not None]
    assert changed and len(changed) < len(rates)
    expected = {
        (r["measure_name"], r["month_label"]): r
        for r in serving_rows(
            serving,
            "SELECT measure_name, strftime(period_month, '%Y-%m') AS month_label, period_month, "
            "value, value_last_year, definition_number, definition_valid_from, "
            "numerator_definition, denominator_definition FROM main.scorecard "
            "WHERE area_type = 'csp' AND area_code = $area AND measure_code IN "
            "(SELECT unnest($codes))",
            area=MK,
            codes=[m.measure_code for m in rates],
        )
    }
    rows = chart_data(client, named_chart(dashboard_charts, DRA, RATES_TABLE)["id"])["data"]
    assert expected and {(r["measure_name"], r["month_label"]) for r in rows} == set(expected)
    for r in rows:
        e = expected[(r["measure_name"], r["month_label"])]
        assert r["ci_lower"] <= r["value"] <= r["ci_upper"], r
        assert r["Definition"] == definition_label(
            e["definition_number"], e["definition_valid_from"]
        )
        assert r["numerator_definition"] == e["numerator_definition"]
        assert r["denominator_definition"] == e["denominator_definition"]
        year_before = e["period_month"].replace(year=e["period_month"].year - 1)
        same = e["definition_valid_from"] is None or e["definition_valid_from"] <= year_before
        assert r["Last year (same definition)"] == (e["value_last_year"] if same else None), r
    for m in changed:
        labels = {
            r["month_label"]: r["Definition"] for r in rows if r["measure_name"] == m.measure_name
        }
        since = f"{m.valid_from:%Y-%m}"
        assert {v for k, v in labels.items() if k >= since} == {definition_label(2, m.valid_from)}
        assert {v for k, v in labels.items() if k < since} == {definition_label(1, None)}
        # last year's rate, under the first definition, is not shown beside the second's
        assert all(
            r["Last year (same definition)"] is None
            for r in rows
            if r["measure_name"] == m.measure_name and r["month_label"] >= since
        )
        # ... nor does the scorecard compare them: two definitions are never compared
        assert all(
            expected[(m.measure_name, r["month_label"])]["value_last_year"] is None
            for r in rows
            if r["measure_name"] == m.measure_name
            and since <= r["month_label"] < f"{m.valid_from.year + 1}-{m.valid_from.month:02d}"
        )

    line = chart_data(client, named_chart(dashboard_charts, DRA, RATES_LINE)["id"])["data"]
    series: dict[str, set[str]] = {}
    for r in line:
        series.setdefault(r["Measure and definition"], set()).add(
            f"{day_of(r['period_month']):%Y-%m}"
        )
    for m in changed:
        since = f"{m.valid_from:%Y-%m}"
        first = series[f"{m.measure_name}, definition {definition_label(1, None)}"]
        second = series[f"{m.measure_name}, definition {definition_label(2, m.valid_from)}"]
        assert first and max(first) < since <= min(second), (first, second)
    assert len(series) == len(rates) + len(changed)

    definitions = chart_data(client, named_chart(dashboard_charts, DRA, DEFINITIONS)["id"])
    shown = {(r["measure_name"], r["Definition"]) for r in definitions["data"]}
    for m in changed:
        assert (m.measure_name, definition_label(1, None)) in shown
        assert (m.measure_name, definition_label(2, m.valid_from)) in shown
        (now,) = [
            r
            for r in definitions["data"]
            if r["measure_name"] == m.measure_name
            and r["Definition"] == definition_label(2, m.valid_from)
        ]
        assert now["denominator_definition"] == m.denominator_definition


REO = "Reoffending and IOM"
IOM_TABLE = "IOM scorecard by quarter"
NEEDS_INITIAL = "Criminogenic needs at initial assessment from 1 April (% with the need)"
NEEDS_TERMINATION = "Criminogenic needs at termination from 1 April (% with the need)"


def quarter_label(period_month: dt.date, financial_year: str) -> str:
    """The IOM table's quarter: 'Q1 2025/26 (Apr-Jun)' for the quarter ending in June."""
    first = dt.date(
        period_month.year - (period_month.month < 3), (period_month.month - 3) % 12 + 1, 1
    )
    return (
        f"Q{(period_month.month - 4) % 12 // 3 + 1} {financial_year} ({first:%b}-{period_month:%b})"
    )


def test_the_iom_table_is_the_scorecards_quarterly_figures(superset_server, dashboard_charts):
    """Through the saved IOM table, each manager's quarters: the number on the scheme, the
    convictions this FY and last, the change % for the quarter and from 1 April are the
    scorecard's figures of the catalogue's quarterly IOM measures for their CSP and
    quarter; the cost is "No data" where the scorecard's is NULL, never 0."""
    serving = superset_server.serving_path
    quarterly = [m for m in in_domain(read(), "reoffending") if m.period_type == "quarter"]
    (cohort,) = [m for m in quarterly if m.source == "iom_cohort"]
    (change,) = [m for m in quarterly if m.method == "change"]
    (ytd,) = [m for m in quarterly if m.method == "ytd_change"]
    (cost,) = [m for m in quarterly if m.method == "sum"]
    table = named_chart(dashboard_charts, REO, IOM_TABLE)
    for user, code, name in (
        ("mk_manager", MK, "Milton Keynes"),
        ("medway_manager", MEDWAY, "Medway"),
    ):
        client = superset_server.client(user)
        rows = {r["Quarter"]: r for r in chart_data(client, table["id"])["data"]}
        figures: dict[str, dict[str, tuple]] = {}
        for r in serving_rows(
            serving,
            "SELECT measure_code, period_month, financial_year, count, denominator, value "
            "FROM main.scorecard WHERE area_type = 'csp' AND area_code = $area "
            "AND period_type = 'quarter' AND measure_code IN (SELECT unnest($codes))",
            area=code,
            codes=[m.measure_code for m in (cohort, change, ytd, cost)],
        ):
            quarter = quarter_label(r["period_month"], r["financial_year"])
            figures.setdefault(quarter, {})[r["measure_code"]] = (
                r["count"],
                r["denominator"],
                r["value"],
            )
        assert figures and set(rows) == set(figures), user
        assert {r["area_name"] for r in rows.values()} == {name}
        changes = 0
        for quarter, f in figures.items():
            r = rows[quarter]
            assert r["Number on scheme"] == f[cohort.measure_code][0], quarter
            count, denominator, value = f[change.measure_code]
            assert (r["Convictions this FY in quarter"], r["Convictions last FY in quarter"]) == (
                count,
                denominator,
            ), quarter
            if value is None:
                assert r["Change % (quarter)"] is None, quarter
            else:
                assert r["Change % (quarter)"] == pytest.approx(value), quarter
                changes += 1
            count, denominator, value = f[ytd.measure_code]
            assert r["Convictions this FY from 1 April"] == count
            assert r["Convictions last FY, same quarters"] == denominator
            assert r["Change % (from 1 April)"] == pytest.approx(value), quarter
            pounds = f[cost.measure_code][0]
            shown = r["Total cost of offending (2015/16 prices)"]
            assert shown == ("No data" if pounds is None else f"£{pounds:,}"), quarter
        assert changes >= 4, (user, changes)  # a year after the first, every quarter compares


def test_the_needs_heat_maps_are_the_marts_shares_from_1_april(superset_server, dashboard_charts):
    """Through the saved heat maps, the Milton Keynes manager's share of each team's initial
    (and, apart, termination) assessments with a need in each OASys section is
    probation_needs' share from 1 April at its latest month, for Milton Keynes only."""
    serving = superset_server.serving_path
    mk = superset_server.client("mk_manager")
    for name, event_type in ((NEEDS_INITIAL, "initial"), (NEEDS_TERMINATION, "termination")):
        rows = chart_data(mk, named_chart(dashboard_charts, REO, name)["id"])["data"]
        got = {(r["team"], r["need_section_label"]): r["need_share_fytd"] for r in rows}
        expected = {
            (r["team"], f"{r['need_section']} {r['need_section_name']}"): r["ytd_need_pct"]
            for r in serving_rows(
                serving,
                "SELECT team, need_section, need_section_name, ytd_need_pct "
                "FROM main.probation_needs WHERE area_code = $area AND event_type = $type "
                "AND period_month = (SELECT max(period_month) FROM main.probation_needs "
                "WHERE area_code = $area)",
                area=MK,
                type=event_type,
            )
        }
        assert expected and got.keys() == expected.keys(), name
        assert len({section for _, section in got}) == 10
        for key, share in expected.items():
            assert got[key] == pytest.approx(share) if share is not None else got[key] is None


def all_crime_two_fys(serving, area_code: str | None = None) -> int:
    """All crime over the two latest FYs in the serving file, counted with DuckDB."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(
            "SELECT sum(count) FROM main.scorecard WHERE area_type = 'csp' "
            "AND (area_code = $area OR $area IS NULL) AND measure_code = 'all_crime' "
            "AND financial_year IN (SELECT DISTINCT financial_year FROM main.scorecard "
            "ORDER BY 1 DESC LIMIT 2)",
            {"area": area_code},
        ).fetchone()[0]
    finally:
        con.close()


def all_crime_chart(dashboard_charts) -> dict:
    return next(
        c for c in all_charts(dashboard_charts) if c["slice_name"].startswith("All crime: this FY")
    )


def test_mk_totals_are_mk_figures(superset_server, dashboard_charts):
    """The manager's all-crime figures equal the serving file's Milton Keynes rows."""
    mk = superset_server.client("mk_manager")
    chart = all_crime_chart(dashboard_charts)
    got = sum(r["total_count"] or 0 for r in chart_data(mk, chart["id"])["data"])
    assert got == all_crime_two_fys(superset_server.serving_path, MK)


def serving_db_id(client: Client) -> int:
    return next(
        d["id"]
        for d in client.list_all("/api/v1/database/", ["id", "database_name"])
        if d["database_name"] == "csp_serving"
    )


def sqllab(client: Client, db_id: int, sql: str):
    return client.s.post(
        f"{client.url}/api/v1/sqllab/execute/",
        timeout=60,
        json={
            "database_id": db_id,
            "sql": sql,
            "schema": "main",
            "runAsync": False,
            "client_id": uuid.uuid4().hex[:10],
            "tab": "test",
            "tmp_table_name": "",
            "select_as_cta": False,
            "ctas_method": "TABLE",
            "queryLimit": 100,
            "expand_data": True,
        },
    )


def test_manager_is_refused_sql_lab(superset_server, admin):
    db_id = serving_db_id(admin)
    mk = superset_server.client("mk_manager")
    r = sqllab(mk, db_id, "SELECT * FROM main.scorecard")
    assert r.status_code in (401, 403), r.text[:300]
    page = mk.s.get(f"{mk.url}/sqllab/", timeout=30, allow_redirects=False)
    assert page.status_code in (302, 401, 403), page.status_code


def test_analyst_queries_the_serving_file_and_nothing_else(superset_server, admin):
    db_id = serving_db_id(admin)
    analyst = superset_server.client("analyst")
    r = sqllab(analyst, db_id, "SELECT area_name, count(*) AS n FROM main.scorecard GROUP BY 1")
    assert r.status_code == 200, r.text[:500]
    assert {row["area_name"] for row in r.json()["data"]} >= {"Milton Keynes", "Medway"}

    warehouse = superset_server.warehouse_path
    # What must never leak: a pseudonymised victim reference of the real raw table.
    secrets = ["root:"]
    if superset_server.built:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            secrets += [
                con.execute(
                    "SELECT victim_ref FROM raw.police_crime WHERE victim_ref IS NOT NULL LIMIT 1"
                ).fetchone()[0]
            ]
        finally:
            con.close()
    disabled = "disabled by configuration"
    refused = {
        "SELECT * FROM read_csv('/etc/passwd')": disabled,
        "SELECT * FROM read_text('/etc/passwd')": disabled,
        # no replacement scan of files: the path is not even looked up as a file
        "SELECT * FROM '/etc/passwd'": (disabled, "does not exist"),
        f"ATTACH '{warehouse}' AS wh": disabled,
        f"SELECT * FROM '{warehouse}'": disabled,
        "SELECT * FROM glob('/*')": disabled,
        "COPY (SELECT 1) TO '/tmp/csp_leak.csv'": "",
        "INSTALL httpfs": disabled,
        "SET enable_external_access = true": "locked",
        "SELECT * FROM raw.police_crime": "does not exist",
        "CREATE TABLE main.x AS SELECT 1": "",
    }
    for sql, reason in refused.items():
        r = sqllab(analyst, db_id, sql)
        assert r.status_code != 200 or r.json().get("status") != "success", sql
        reasons = (reason,) if isinstance(reason, str) else reason
        assert any(x in r.text for x in reasons), (sql, r.text[:300])
        assert not any(secret in r.text for secret in secrets), sql


def snapshot(admin: Client) -> dict:
    dashboards = {}
    for d in admin.list_all("/api/v1/dashboard/"):
        full = admin.req("GET", f"/api/v1/dashboard/{d['id']}")["result"]
        charts = admin.req("GET", f"/api/v1/dashboard/{d['id']}/charts")["result"]
        dashboards[full["dashboard_title"]] = {
            "id": full["id"],
            "position": full["position_json"],
            "metadata": json.loads(full["json_metadata"])["native_filter_configuration"],
            "charts": sorted((c["id"], c["slice_name"]) for c in charts),
        }
    charts = sorted(
        (c["id"], c["slice_name"], c["viz_type"])
        for c in admin.list_all("/api/v1/chart/", ["id", "slice_name", "viz_type"])
    )
    datasets = sorted(
        (d["id"], d["table_name"]) for d in admin.list_all("/api/v1/dataset/", ["id", "table_name"])
    )
    rls = sorted(
        (r["name"], r["clause"], tuple(sorted(t["id"] for t in r["tables"])))
        for r in admin.list_all("/api/v1/rowlevelsecurity/")
    )
    roles = sorted(r["name"] for r in admin.list_all("/api/v1/security/roles/"))
    users = sorted(
        (u["username"], tuple(sorted(r["name"] for r in u["roles"])))
        for u in admin.list_all("/api/v1/security/users/")
    )
    return {
        "dashboards": dashboards,
        "charts": charts,
        "datasets": datasets,
        "rls": rls,
        "roles": roles,
        "users": users,
    }


def test_provisioning_twice_changes_nothing(superset_server, admin):
    before = snapshot(admin)
    superset_server.provision()
    after = snapshot(admin)
    assert after == before
    assert set(after["dashboards"]) == DASHBOARDS
    assert {"Manager", "Analyst", "Admin", "CSP Milton Keynes", "CSP Medway"} <= set(after["roles"])


def test_a_changed_definition_updates_in_place(superset_server, admin, tmp_path):
    """Editing a chart's YAML and importing again renames the same chart (same id), adds
    nothing; provisioning the committed assets puts it back."""
    from provision import build_bundle, import_assets

    def charts() -> dict[int, str]:
        return {
            c["id"]: c["slice_name"] for c in admin.list_all("/api/v1/chart/", ["id", "slice_name"])
        }

    before = charts()
    assets = tmp_path / "assets"
    shutil.copytree(REPO / "superset" / "assets", assets)
    chart_yaml = assets / "charts" / "Community_safety_scorecard.yaml"
    text = chart_yaml.read_text()
    old_name = "Community safety scorecard"
    assert f"slice_name: {old_name}\n" in text
    chart_yaml.write_text(text.replace(f"slice_name: {old_name}\n", "slice_name: Scorecard v2\n"))

    try:
        import_assets(admin, build_bundle(assets, superset_server.serving_path))
        changed = charts()
        assert set(changed) == set(before)  # nothing added or removed: updated in place
        renamed = [cid for cid, name in changed.items() if name == "Scorecard v2"]
        assert len(renamed) == 1 and before[renamed[0]] == old_name
    finally:
        superset_server.provision()  # the committed assets, whatever happened above
    assert charts() == before


RESTATED_MONTH = "2025-06"  # in the latest FY: a point of the "This FY" line
EXTRA_CRIMES = 7


def restate_with_extra_crimes(landing: Path, month: str, n: int) -> Path:
    """A restatement of Thames Valley's crime file for `month`: every crime of the latest
    file for that month plus `n` new crimes in Milton Keynes LSOAs (police_crime contract,
    docs/architecture.md), named to sort after the files it restates."""
    folder = landing / "police_crime"
    latest = sorted(folder.glob(f"{month}-thames-valley-crime*.csv"))[-1]
    with latest.open(newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    with (REPO / "seeds" / "areas.csv").open(newline="") as fh:
        mk_lsoas = sorted(r["lsoa_code"] for r in csv.DictReader(fh) if r["csp_code"] == MK)
    refs = {r["crime_ref"] for r in rows}
    extra = []
    for i in range(n):
        crime = dict.fromkeys(columns, "")
        crime.update(
            crime_ref=f"TVP-RESTATED-9-{i:04d}",
            force_code=rows[0]["force_code"],
            recorded_date=f"{month}-{10 + i:02d}",
            offence_code="8N",
            offence_description="Assault with injury",
            lsoa_code=mk_lsoas[i % len(mk_lsoas)],
            location_type="public_place",
            domestic_abuse="N",
            hate_race="N",
            hate_religion="N",
            hate_sexual_orientation="N",
            hate_disability="N",
            hate_transgender="N",
        )
        assert crime["crime_ref"] not in refs
        extra.append(crime)
    path = folder / f"{month}-thames-valley-crime.restated-9.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows + extra)
    assert sorted(folder.glob(f"{month}-thames-valley-crime*.csv"))[-1] == path
    return path


def fy_month_count(client: Client, chart_id: int, month: str) -> int:
    """The "This FY" point for `month` (YYYY-MM) of a this-FY-against-last-FY chart."""
    first = dt.date.fromisoformat(f"{month}-01")
    label = f"{(first.month + 8) % 12 + 1:02d} {first:%b}"  # as the dataset's fy_month_label
    rows = [
        r
        for r in chart_data(client, chart_id)["data"]
        if r["fy_month_label"] == label and r["fy_position"] == "This FY"
    ]
    assert len(rows) == 1, (label, rows)
    return rows[0]["total_count"]


@pytest.fixture
def restore_publication(superset_server, tmp_path):
    """Puts back what a build changes: the files of the landing and quarantine folders, the
    working file and the published serving file (swapped in atomically, as a publish does),
    then refreshes Superset: the server serves what it served before the test."""
    if not superset_server.built:
        pytest.skip("CSP_TEST_SERVING: no landing folder or warehouse to build from")
    folders = [superset_server.landing_dir, superset_server.data_dir / "quarantine"]

    def files() -> set[Path]:
        return {p for folder in folders for p in folder.rglob("*") if p.is_file()}

    saved = tmp_path / "saved"
    saved.mkdir()
    files_before = files()
    shutil.copyfile(superset_server.warehouse_path, saved / "warehouse.duckdb")
    shutil.copyfile(superset_server.serving_path, saved / "serving.duckdb")
    yield
    for path in files() - files_before:
        path.unlink()
    shutil.copyfile(saved / "warehouse.duckdb", superset_server.warehouse_path)
    swap = superset_server.serving_path.with_name(".serving.restored.duckdb")
    shutil.copyfile(saved / "serving.duckdb", swap)
    os.replace(swap, superset_server.serving_path)
    superset_server.provision("--refresh")


def test_publishing_a_new_serving_file_under_load(
    superset_server, admin, dashboard_charts, restore_publication
):
    """A real build publishes a restated month while dashboards query: no failed request,
    the build refreshes Superset, and the charts show the restated figures."""
    charts = all_charts(dashboard_charts)
    all_crime = all_crime_chart(dashboard_charts)
    mk = superset_server.client("mk_manager")
    before = sum(r["total_count"] or 0 for r in chart_data(admin, all_crime["id"])["data"])
    assert before == all_crime_two_fys(superset_server.serving_path)
    mk_month_before = fy_month_count(mk, all_crime["id"], RESTATED_MONTH)
    restate_with_extra_crimes(superset_server.landing_dir, RESTATED_MONTH, EXTRA_CRIMES)

    failures: list[str] = []
    done = threading.Event()
    counts = {"requests": 0}

    def hammer(user: str) -> None:
        client = superset_server.client(user)
        i = 0
        deadline = time.monotonic() + 600  # bounded, whatever happens
        while not done.is_set() and time.monotonic() < deadline and i < 5000:
            chart = charts[i % len(charts)]
            i += 1
            try:
                r = client.s.get(f"{client.url}/api/v1/chart/{chart['id']}/data/", timeout=60)
                result = r.json()["result"][0] if r.status_code == 200 else {}
                if r.status_code != 200 or result.get("error") or not result.get("rowcount"):
                    failures.append(f"{chart['slice_name']}: {r.status_code} {r.text[:200]}")
            except Exception as exc:  # noqa: BLE001 - any failure counts
                failures.append(f"{chart['slice_name']}: {exc!r}")
            counts["requests"] += 1

    threads = [threading.Thread(target=hammer, args=(u,)) for u in ("admin", "mk_manager")]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        output = superset_server.build("build-2")
        time.sleep(2)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert counts["requests"] > 20, counts
    assert failures == [], (counts, failures[:5])
    # Only the restatement was new; the build refreshed this session's Superset.
    assert re.search(r"files: 1 loaded, \d+ skipped \(already loaded\), 0 rejected", output)
    assert "superset: Superset datasets refreshed" in output, output[-3000:]

    after = sum(r["total_count"] or 0 for r in chart_data(admin, all_crime["id"])["data"])
    assert after == all_crime_two_fys(superset_server.serving_path)
    assert after == before + EXTRA_CRIMES
    assert fy_month_count(mk, all_crime["id"], RESTATED_MONTH) == mk_month_before + EXTRA_CRIMES


PUBLISHED_EXTRA = 1000


def publish_copy(serving: Path, source: Path, extra: int) -> None:
    """Publish as the publish does (a new file written beside the serving file, renamed
    over it): a copy of `source` whose Milton Keynes all-crime count of its latest month
    is `extra` higher."""
    new = serving.with_name(".serving.test-publish.duckdb")
    shutil.copyfile(source, new)
    if extra:
        con = duckdb.connect(str(new))
        try:
            con.execute(
                "UPDATE main.scorecard SET count = count + $extra WHERE area_type = 'csp' "
                "AND area_code = $area AND measure_code = 'all_crime' AND period_month = "
                "(SELECT max(period_month) FROM main.scorecard WHERE measure_code = 'all_crime')",
                {"extra": extra, "area": MK},
            )
        finally:
            con.close()
    os.replace(new, serving)


def chart_totals(client: Client, chart_id: int, calls: int) -> list[int]:
    """The all-crime chart's total, `calls` times, each on a new connection, so that every
    gunicorn worker (each keeps the serving file open) answers some of them."""
    headers = {**client.s.headers, "Connection": "close"}
    totals = []
    for _ in range(calls):
        r = requests.get(f"{client.url}/api/v1/chart/{chart_id}/data/", headers=headers, timeout=60)
        assert r.status_code == 200, r.text[:500]
        totals.append(sum(row["total_count"] or 0 for row in r.json()["result"][0]["data"]))
    return totals


def test_a_published_serving_file_is_what_the_next_chart_query_reads(
    superset_server, admin, dashboard_charts, tmp_path
):
    """Superset keeps the serving file open between queries; a publish (a new file renamed
    over it, no refresh of Superset) is read by the very next chart query of every worker,
    as the admin and through a manager's row-level security, and so is a publish back."""
    serving = superset_server.serving_path
    saved = tmp_path / "serving.duckdb"
    shutil.copyfile(serving, saved)
    chart = all_crime_chart(dashboard_charts)["id"]
    mk = superset_server.client("mk_manager")
    before, mk_before = all_crime_two_fys(serving), all_crime_two_fys(serving, MK)
    try:
        # Every worker has the file open and has answered from it.
        assert chart_totals(admin, chart, 8) == [before] * 8
        assert chart_totals(mk, chart, 4) == [mk_before] * 4

        publish_copy(serving, saved, PUBLISHED_EXTRA)
        assert all_crime_two_fys(serving) == before + PUBLISHED_EXTRA
        assert chart_totals(admin, chart, 8) == [before + PUBLISHED_EXTRA] * 8
        assert chart_totals(mk, chart, 4) == [mk_before + PUBLISHED_EXTRA] * 4

        publish_copy(serving, saved, 0)
        assert chart_totals(admin, chart, 8) == [before] * 8
        assert chart_totals(mk, chart, 4) == [mk_before] * 4
    finally:
        publish_copy(serving, saved, 0)
