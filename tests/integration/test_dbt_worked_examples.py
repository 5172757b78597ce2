"""The worked examples of spec/measures.md, computed by the project's dbt macros through
real dbt, and the dbt unit tests that reproduce them in the models.

1. The macros are compiled by dbt (`dbt compile --inline`) with inputs built here and the
   compiled SQL runs in DuckDB: YTD change, change against baseline, rates, direction,
   financial year labels (the cumulative repeat rate is the scorecard's unit test
   scorecard_proportion_worked_examples).
2. `dbt build` on a warehouse whose raw tables exist but are empty (as ingest creates them
   at initialisation) succeeds, and the unit tests and singular tests that carry the
   worked examples pass.
"""

from __future__ import annotations

import json
import os

import duckdb
import pytest
from dbt_support import (
    copy_project,
    dbt_environ,
    invoke_dbt,
    raw_warehouse,
    target_path,
    warehouse_path,
)

pytestmark = pytest.mark.slow

# (name, SQL expression using the project's macros, expected)
EXAMPLES = [
    # YTD change %
    ("ytd_326_260", "{{ pct_change(326, 260) }}", 66 / 260 * 100),  # +25.4%
    ("ytd_348_256", "{{ pct_change(348, 256) }}", 35.9375),  # +35.9%
    # change against baseline %
    ("asb_12043_13425", "{{ pct_change(12043, 13425) }}", (12043 - 13425) / 13425 * 100),
    ("violence_1440_1146", "{{ pct_change(1440, 1146) }}", (1440 - 1146) / 1146 * 100),
    ("damage_2203_2318", "{{ pct_change(2203, 2318) }}", (2203 - 2318) / 2318 * 100),
    ("no_baseline", "{{ pct_change(5, 0) }}", None),
    # rates
    ("all_crime_per_1000", "{{ rate_per(5150, 250000, 1000) }}", 20.6),
    ("hate_per_100000", "{{ rate_per(45, 250000, 100000) }}", 18.0),
    # direction
    ("dir_up", "{{ direction(7, 5) }}", "up"),
    ("dir_down", "{{ direction(3, 5) }}", "down"),
    ("dir_same", "{{ direction(5, 5) }}", "same"),
    ("dir_no_data", "{{ direction('null', 5) }}", None),
    # calendar
    ("fy_label", "{{ financial_year(\"date '2012-06-01'\") }}", "2012/13"),
    ("fy_label_march", "{{ financial_year(\"date '2013-03-31'\") }}", "2012/13"),
    ("fy_label_century", "{{ financial_year(\"date '1999-04-01'\") }}", "1999/00"),
    ("fy_quarter_jan", "{{ fy_quarter(\"date '2013-01-15'\") }}", "Q4"),
    ("fy_quarter_jul", "{{ fy_quarter(\"date '2012-07-01'\") }}", "Q2"),
    ("fy_month_april", "{{ fy_month_number(\"date '2012-04-01'\") }}", 1),
    ("fy_month_march", "{{ fy_month_number(\"date '2013-03-01'\") }}", 12),
    ("fy_start", "strftime({{ fy_start(\"date '2013-02-10'\") }}, '%Y-%m-%d')", "2012-04-01"),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("dbt_worked")
    project = copy_project(tmp_path)
    with dbt_environ(tmp_path):
        raw_warehouse(warehouse_path(tmp_path)).close()
        yield project, tmp_path


def test_macros_reproduce_worked_examples(project):
    project_dir, tmp_path = project
    sql = "select " + ",\n".join(f"{expr} as {name}" for name, expr, _ in EXAMPLES)
    res = invoke_dbt(project_dir, tmp_path, "compile", "--inline", sql)
    assert res.success, res.exception
    compiled = res.result.results[0].node.compiled_code
    row = duckdb.sql(compiled).fetchone()
    for (name, _, expected), actual in zip(EXAMPLES, row, strict=True):
        if isinstance(expected, float):
            assert actual == pytest.approx(expected, abs=1e-9), name
        else:
            assert actual == expected, name
    # the documents' rounded figures (1 decimal place for display)
    got = dict(zip([e[0] for e in EXAMPLES], row, strict=True))
    assert round(got["ytd_326_260"], 1) == 25.4
    assert round(got["ytd_348_256"], 1) == 35.9
    assert round(got["asb_12043_13425"], 1) == -10.3
    assert round(got["violence_1440_1146"], 1) == 25.7
    assert round(got["damage_2203_2318"], 1) == -5.0
    assert round(got["all_crime_per_1000"], 1) == 20.6


def test_build_on_empty_raw_tables_and_worked_example_tests_pass(project):
    project_dir, tmp_path = project
    res = invoke_dbt(project_dir, tmp_path, "build")
    run_results = json.loads((target_path(tmp_path) / "run_results.json").read_text())
    status = {r["unique_id"]: r["status"] for r in run_results["results"]}
    failed = {k: v for k, v in status.items() if v not in ("success", "pass", "no-op")}
    assert res.success and not failed, failed
    names = {
        uid.split(".")[-1] if uid.startswith("unit_test.") else uid.split(".")[2] for uid in status
    }
    for expected in (
        "scorecard_ytd_change_and_last_year_worked_examples",
        "scorecard_rate_uses_the_financial_years_population",
        "scorecard_direction_and_no_data",
        "dim_date_financial_year_quarters_and_months",
        "int_crime__events_both_sources_classified_and_mapped",
        "int_crime__measure_counts_one_scan_per_rule_and_source",
        "int_scorecard__crime_monthly_first_source_with_data",
        "crime_by_lsoa_month_aggregation",
        "assert_measures_worked_examples",
        "assert_calendar_worked_examples",
        "assert_wilson_interval_published_values",
        "scorecard_proportion_worked_examples",
        "int_domestic_abuse__events_derived_repeat",
        "int_domestic_abuse__measure_counts_proportion_parts",
    ):
        assert expected in names, (expected, sorted(names))
    # empty raw tables: the marts exist and are empty, dim_date still covers a FY
    # dbt-duckdb keeps its connection open in this process: open with the same config
    con = duckdb.connect(os.environ["CSP_WAREHOUSE_PATH"])
    try:
        assert con.execute("select count(*) from main_marts.scorecard").fetchone()[0] == 0
        assert con.execute("select count(*) from main_marts.dim_date").fetchone()[0] >= 12
    finally:
        con.close()
