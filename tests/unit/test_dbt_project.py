"""Static checks of dbt_project/ from the parsed manifest (`dbt parse`, no warehouse)."""

from __future__ import annotations

import re

import pytest
import yaml
from dbt_support import (
    DBT_PROJECT,
    SCORECARD_COLUMNS,
    copy_project,
    dbt_environ,
    invoke_dbt,
    measure_catalogue,
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
    for name in (
        "int_crime__events",
        "int_crime__source_coverage",
        "int_crime__measure_counts",
        "int_scorecard__crime_monthly",
    ):
        assert got[name] == "intermediate"
    for mart in ("fct_crime", "dim_area", "dim_date", "dim_measure", "scorecard"):
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
    assert unit["scorecard_ytd_change_and_last_year_worked_examples"] == "int_scorecard__values"
    assert unit["scorecard_rate_uses_the_financial_years_population"] == "int_scorecard__values"
    assert unit["scorecard_every_target_type_and_status"] == "scorecard"
    assert unit["scorecard_significance_of_the_year_to_date_change"] == "scorecard"
    assert unit["dim_date_financial_year_quarters_and_months"] == "dim_date"
    assert (
        unit["int_crime__measure_counts_one_scan_per_rule_and_source"]
        == "int_crime__measure_counts"
    )
    assert (
        unit["int_scorecard__crime_monthly_first_source_with_data"]
        == "int_scorecard__crime_monthly"
    )
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
        "wilson_interval",
        "measure_monthly",
        "measure_catalogue",
        "measure_event_counts",
        "validate_measure_catalogue",
    } <= macros


def test_one_yaml_file_per_model():
    """Every model has its own YAML beside it, named after it, in every layer."""
    models_dir = DBT_PROJECT / "models"
    for sql in models_dir.rglob("*.sql"):
        assert sql.with_suffix(".yml").is_file(), sql.relative_to(DBT_PROJECT)
    for yml in models_dir.rglob("*.yml"):
        if yml.name.startswith("_") or yml.name == "exposures.yml":
            continue
        assert yml.with_suffix(".sql").is_file(), yml.relative_to(DBT_PROJECT)


def test_no_measure_code_is_written_in_the_dbt_sql():
    """The SQL is generated from the catalogue: no model, macro or test names a measure.
    (A measure may share its code with its source, as dv_incidents and marac_cases do: the
    source's name is written where the source is meant.)"""
    from ingest.contracts import CONTRACTS

    codes = {r["measure_code"] for r in measure_catalogue()} - set(CONTRACTS)
    for path in DBT_PROJECT.rglob("*.sql"):
        if "target" in path.parts:
            continue
        words = set(re.findall(r"[a-z][a-z0-9_]*", path.read_text()))
        assert not (words & codes), (path.relative_to(DBT_PROJECT), sorted(words & codes))


def test_catalogue_and_register_are_checked_before_anything_runs():
    config = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())
    assert config["on-run-start"] == [
        "{{ validate_measure_catalogue() }}",
        "{{ validate_targets_register() }}",
    ]
