"""The Dagster Definitions load, and form one graph from landing to the serving file."""

import dagster as dg
import pytest

from orchestration.defs.common import MONTHLY_PARTITIONS


@pytest.fixture(scope="module")
def repo():
    from orchestration.definitions import defs

    definitions = defs()
    assert isinstance(definitions, dg.Definitions)
    return definitions.get_repository_def()


def _key(*path: str) -> dg.AssetKey:
    return dg.AssetKey(list(path))


def test_import_is_light():
    """Importing the module builds nothing: the definitions are a lazy loader."""
    import orchestration.definitions as module

    assert not isinstance(module.defs, dg.Definitions)
    assert callable(module.defs)


def test_asset_keys(repo):
    keys = repo.asset_graph.get_all_asset_keys()
    for key in [
        _key("raw", "police_street"),
        _key("raw", "police_crime"),
        _key("raw", "dv_incidents"),
        _key("raw", "marac_cases"),
        _key("fct_dv_incident"),
        _key("fct_marac_case"),
        _key("marac_cases_by_agency"),
        _key("repeat_flag_agreement"),
        _key("raw", "asb_council"),
        _key("raw", "fire_incidents"),
        _key("fct_asb_report"),
        _key("fct_fire_incident"),
        _key("asb_reports_by_category"),
        _key("restatements"),
        _key("source_status"),
        _key("raw", "indicator_returns"),
        _key("partner_returns_due"),
        _key("stg_publish__history"),
        _key("scorecard"),
        _key("fct_crime"),
        _key("dim_area"),
        _key("dim_date"),
        _key("crime_by_lsoa_month"),
        _key("dim_measure"),
        _key("dim_measure_definition"),
        _key("int_crime__measure_counts"),
        _key("serving"),
        _key("superset_dashboards"),
        _key("dbt_docs"),
    ]:
        assert key in keys, key


def test_ingest_assets_are_monthly_partitioned(repo):
    """From the warehouse's first month (dbt's var csp_first_month, its one definition) to
    the current month: a ten-year history's 2016-17 months are partitions too."""
    import yaml

    from orchestration.defs.common import dbt_project_dir, first_month

    config = yaml.safe_load((dbt_project_dir() / "dbt_project.yml").read_text())
    assert first_month() == config["vars"]["csp_first_month"][:7] == "2010-04"
    for source in ("police_street", "police_crime"):
        node = repo.asset_graph.get(_key("raw", source))
        assert node.group_name == "ingest"
        assert node.partitions_def == MONTHLY_PARTITIONS
        assert node.partitions_def.start.strftime("%Y-%m-%d") == "2010-04-01"
    keys = MONTHLY_PARTITIONS.get_partition_keys()
    assert keys[0] == "2010-04-01" and {"2016-01-01", "2017-12-01"} <= set(keys)
    # the current month exists (end_offset=1)
    current = dg.MonthlyPartitionsDefinition(start_date="2010-04-01").get_last_partition_key()
    assert MONTHLY_PARTITIONS.get_last_partition_key() > current


def test_dbt_sources_map_to_ingest_assets(repo):
    graph = repo.asset_graph
    street_models = [
        k
        for k in graph.get_all_asset_keys()
        if _key("raw", "police_street") in graph.get(k).parent_keys
    ]
    assert street_models, "no dbt model reads raw/police_street"
    assert all(k.path[0].startswith("stg_") for k in street_models)
    crime_models = [
        k
        for k in graph.get_all_asset_keys()
        if _key("raw", "police_crime") in graph.get(k).parent_keys
    ]
    assert crime_models and all(k.path[0].startswith("stg_") for k in crime_models)


def test_groups_follow_dbt_folders(repo):
    graph = repo.asset_graph
    assert graph.get(_key("scorecard")).group_name == "marts"
    assert graph.get(_key("fct_crime")).group_name == "marts"
    stg = [k for k in graph.get_all_asset_keys() if k.path[0].startswith("stg_")]
    assert stg and all(graph.get(k).group_name == "staging" for k in stg)


def test_serving_is_downstream_of_marts_but_not_fct_crime(repo):
    node = repo.asset_graph.get(_key("serving"))
    assert node.group_name == "publish"
    assert {
        _key("scorecard"),
        _key("dim_area"),
        _key("dim_date"),
        _key("dim_measure"),
        _key("dim_measure_definition"),
        _key("crime_by_lsoa_month"),
    } <= set(node.parent_keys)
    assert _key("fct_crime") not in node.parent_keys


def test_docs_site_follows_the_publish(repo):
    node = repo.asset_graph.get(_key("dbt_docs"))
    assert node.group_name == "publish"
    assert set(node.parent_keys) == {_key("serving")}
    build = repo.get_job("build_and_publish_job")
    assert _key("dbt_docs") in build.asset_layer.executable_asset_keys


def test_superset_refresh_is_downstream_of_serving(repo):
    node = repo.asset_graph.get(_key("superset_dashboards"))
    assert node.group_name == "publish"
    assert set(node.parent_keys) == {_key("serving")}
    for job_name in ("build_and_publish_job", "publish_job"):
        job = repo.get_job(job_name)
        assert _key("superset_dashboards") in job.asset_layer.executable_asset_keys, job_name


def test_lsoa_mart_is_checked_against_the_scorecard(repo):
    checks = {
        c for c in repo.asset_graph.asset_check_keys if c.asset_key == _key("crime_by_lsoa_month")
    }
    names = {c.name for c in checks}
    assert "assert_crime_by_lsoa_month_sums_to_scorecard" in names
    assert any(n.startswith("unique_combination_of_columns") for n in names)


def test_dbt_tests_are_asset_checks(repo):
    checks = repo.asset_graph.asset_check_keys
    assert checks
    assert any(c.asset_key == _key("scorecard") for c in checks)


def test_repeat_flag_check_is_non_blocking_and_runs_with_the_build(repo):
    from orchestration.defs.quality.repeat_flags import CHECK_NAME

    key = dg.AssetCheckKey(_key("repeat_flag_agreement"), CHECK_NAME)
    assert key in repo.asset_graph.asset_check_keys
    assert not repo.asset_graph.get_check_spec(key).blocking
    assert key in repo.get_job("build_and_publish_job").asset_layer.asset_graph.asset_check_keys


def test_partners_on_time_check_is_non_blocking_and_names_the_late_partner(repo):
    from datetime import date

    from orchestration.defs.quality.partners_on_time import CHECK_NAME, Status, evaluate

    key = dg.AssetCheckKey(_key("source_status"), CHECK_NAME)
    assert key in repo.asset_graph.asset_check_keys
    assert not repo.asset_graph.get_check_spec(key).blocking
    assert key in repo.get_job("build_and_publish_job").asset_layer.asset_graph.asset_check_keys

    late = Status(
        "asb_council",
        "E22000143",
        "Medway",
        date(2026, 7, 1),
        date(2026, 10, 5),
        True,
        52,
        "No data from Anti-social behaviour reports (council ASB team) since July 2026: "
        "August 2026 was due by 5 October 2026 (52 days late)",
    )
    on_time = Status(
        "fire_incidents",
        "E22000307",
        "Milton Keynes",
        date(2026, 9, 1),
        date(2026, 12, 5),
        False,
        0,
        "Up to date",
    )
    warned = evaluate([late, on_time])
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert warned.description.startswith("1 partner return(s) overdue: Medway: No data from")
    assert "Milton Keynes" not in warned.description
    assert evaluate([on_time]).passed
    assert evaluate([]).description == "no partner file loaded yet"


def test_jobs_schedule_and_sensors(repo):
    jobs = {job.name for job in repo.get_all_jobs() if not job.name.startswith("__")}
    assert jobs == {"ingest_job", "build_and_publish_job", "publish_job"}

    build = repo.get_job("build_and_publish_job")
    assert build.executor_def.name == "in_process"
    assert _key("serving") in build.asset_layer.executable_asset_keys
    assert _key("scorecard") in build.asset_layer.executable_asset_keys
    ingest = repo.get_job("ingest_job")
    assert ingest.executor_def.name == "in_process"
    assert ingest.partitions_def == MONTHLY_PARTITIONS

    schedule = repo.get_schedule_def("monthly_build_schedule")
    assert schedule.cron_schedule == "0 6 10 * *"
    assert schedule.job_name == "build_and_publish_job"

    sensors = {s.name for s in repo.sensor_defs}
    assert {"landing_sensor", "build_after_ingest_sensor"} <= sensors


def test_landing_sensor_evaluates(repo, csp_env):
    landing = csp_env / "landing"
    (landing / "police_street").mkdir(parents=True)
    (landing / "police_street" / "2019-01-kent-street.csv").write_text("x")
    sensor = repo.get_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        result = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, repository_def=repo)
        )
    assert [r.partition_key for r in result.run_requests] == ["2019-01-01"]
    assert result.run_requests[0].job_name == "ingest_job"
    assert result.cursor


@pytest.fixture(scope="module")
def definitions():
    from orchestration.definitions import defs

    return defs()


def test_an_increment_runs_what_the_new_rows_change(definitions):
    """csp build with new files only (orchestration/increment.py): the assets downstream of
    the sources that received rows, of the publish history and, on another status day, of
    the models that read it; all of them assets of the build job."""
    from orchestration.increment import increment_assets

    job_keys = definitions.resolve_job_def("build_and_publish_job").asset_layer
    job_keys = job_keys.executable_asset_keys
    crime = set(increment_assets(definitions, ["police_street"], False))
    assert crime <= job_keys
    names = {key.to_user_string() for key in crime}
    assert {"stg_police_uk__street_crimes", "int_crime__events", "scorecard"} <= names
    assert {"serving", "superset_dashboards", "dbt_docs", "restatements"} <= names
    assert not {"stg_council__asb_reports", "fct_asb_report", "raw/police_street"} & names
    assert "partner_returns_due" not in names  # reads the status day, not police_street

    moved = {k.to_user_string() for k in increment_assets(definitions, ["police_street"], True)}
    assert moved - names == {"partner_returns_due"}

    # no source: what the last publish's history changes (restatements, the scorecard)
    history_keys = set(increment_assets(definitions, [], False))
    history = {k.to_user_string() for k in history_keys}
    assert {"stg_publish__history", "restatements", "scorecard", "serving"} <= history
    assert "int_crime__events" not in history

    council = {k.to_user_string() for k in increment_assets(definitions, ["asb_council"], False)}
    assert {"stg_council__asb_reports", "fct_asb_report", "scorecard"} <= council
    assert "int_crime__events" not in council

    # every contract's new rows reach a dbt model and the publish
    from ingest.contracts import CONTRACTS

    for source in CONTRACTS:
        keys = set(increment_assets(definitions, [source], False))
        assert keys <= job_keys and dg.AssetKey("serving") in keys, source
        assert len(keys - history_keys) > 0, source


def test_models_that_read_the_status_day_are_tagged(repo):
    """A model reading the status day ($CSP_AS_OF, else today) carries the dbt tag
    status_day, so that a build on another day of the month rebuilds it."""
    import json

    from orchestration.defs.dbt.project import get_dbt_project
    from orchestration.increment import STATUS_DAY_TAG

    manifest = json.loads(get_dbt_project().manifest_path.read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    reading = {
        n["name"]
        for n in models
        if "status_as_of(" in n["raw_code"] or "current_date" in n["raw_code"].lower()
    }
    tagged = {n["name"] for n in models if STATUS_DAY_TAG in n["tags"]}
    assert {"source_status", "partner_returns_due"} <= reading
    assert reading <= tagged


def test_dbt_resource_starts_no_second_dbt(monkeypatch, tmp_path):
    """dagster-dbt's `dbt --version` subprocess and in-process adapter are left out
    (CspDbtCliResource): a dbt call runs one dbt process, and reports the installed dbt."""
    from importlib import metadata

    import dagster_dbt.core.resource as dagster_dbt_resource

    from orchestration.defs.dbt.assets import dbt_resource
    from orchestration.defs.dbt.project import get_dbt_project

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dbt run for its version: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    resource = dbt_resource(get_dbt_project())
    invocation = resource.cli(["--version"], target_path=tmp_path)
    invocation.wait()
    assert invocation.adapter is None
    assert str(resource._cli_version) == metadata.version("dbt-core")
