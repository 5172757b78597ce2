"""Static checks of dbt_project/ from the parsed manifest (`dbt parse`, no warehouse)."""

from __future__ import annotations

import csv

import pytest
from dbt_support import (
    CRIME_MEASURES,
    DBT_PROJECT,
    SCORECARD_COLUMNS,
    SEEDS,
    copy_project,
    dbt_environ,
    invoke_dbt,
)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("dbt_parse")
    # models and tests ref() the seeds: parse needs the seed files to exist
    project = copy_project(tmp_path)
    with dbt_environ(tmp_path):
        res = invoke_dbt(project, tmp_path, "parse")
    assert res.success, res.exception
    return res.result


def models(manifest):
    return {n.name: n for n in manifest.nodes.values() if n.resource_type == "model"}


def test_layers_and_schemas(manifest):
    got = {name: n.config.schema for name, n in models(manifest).items()}
    assert got["stg_police_uk__street_crimes"] == "staging"
    assert got["stg_police__recorded_crimes"] == "staging"
    assert got["int_crime__unioned"] == "intermediate"
    for mart in ("fct_crime", "dim_area", "dim_date", "scorecard"):
        assert got[mart] == "marts"


def test_every_model_column_is_described_and_marts_have_enforced_contracts(manifest):
    for name, node in models(manifest).items():
        assert node.description, name
        assert node.columns, name
        for col in node.columns.values():
            assert col.description, (name, col.name)
        if node.config.schema == "marts":
            assert node.config.contract.enforced, name
            for col in node.columns.values():
                assert col.data_type, (name, col.name)


def test_scorecard_contract_columns(manifest):
    cols = list(models(manifest)["scorecard"].columns)
    assert [c for c in cols if c in SCORECARD_COLUMNS] == SCORECARD_COLUMNS


def test_sources_have_freshness_on_loaded_at(manifest):
    sources = {s.name: s for s in manifest.sources.values()}
    assert set(sources) >= {"police_street", "police_crime"}
    for s in sources.values():
        assert s.loaded_at_field == "_loaded_at"
        assert s.freshness.warn_after.count and s.freshness.error_after.count


def test_unit_tests_and_exposures_exist(manifest):
    unit = {u.name: u.model for u in manifest.unit_tests.values()}
    assert unit["scorecard_ytd_change_worked_examples"] == "scorecard"
    assert unit["scorecard_rate_per_1000_population"] == "scorecard"
    assert unit["dim_date_financial_year_quarters_and_months"] == "dim_date"
    exposures = {e.label: e for e in manifest.exposures.values()}
    assert {"Community safety overview", "Crime"} <= set(exposures)
    for e in exposures.values():
        assert e.type.value == "dashboard"
        assert "model.csp_warehouse.scorecard" in e.depends_on.nodes


def test_each_computation_is_one_macro(manifest):
    macros = {m.name for m in manifest.macros.values() if m.package_name == "csp_warehouse"}
    assert {
        "financial_year",
        "fy_start",
        "fy_month_number",
        "fy_quarter",
        "pct_change",
        "rate_per",
        "direction",
        "ytd_complete",
        "cumulative_repeat_rate",
        "crime_measures",
    } <= macros


def test_crime_measures_exist_in_the_measures_seed():
    if not (SEEDS / "measures.csv").exists():
        pytest.skip("seeds/measures.csv not written yet")
    with open(SEEDS / "measures.csv", encoding="utf-8") as fh:
        codes = {r["measure_code"] for r in csv.DictReader(fh)}
    assert CRIME_MEASURES <= codes
    text = (DBT_PROJECT / "macros" / "crime_measures.sql").read_text()
    for code in CRIME_MEASURES:
        assert f"'{code}'" in text
