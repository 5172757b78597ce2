"""The one Dagster ``Definitions`` of the warehouse (``[tool.dagster] module_name``).

Loaded lazily through ``@dg.definitions``: importing this module does nothing heavy; the
dbt manifest is prepared (``dbt parse``, only when missing or stale) when the definitions
are loaded.

Assets (one graph): ``raw/<source>`` per ingest contract (group ``ingest``, monthly
partitions) -> the dbt models (groups ``staging``, ``intermediate``, ``marts``, seeds in
``seeds``; dbt tests as asset checks) -> ``serving`` -> ``superset_dashboards`` (group
``publish``: the serving file, then Superset's datasets refreshed on it).
Jobs: ``ingest_job`` (monthly ingest sources, by partition), ``build_and_publish_job`` (dbt
build, publish, refresh Superset), ``publish_job`` (publish and refresh Superset only).
Schedule: ``monthly_build_schedule``.
Sensors: ``landing_sensor`` (new landing files -> ``ingest_job`` for their month),
``build_after_ingest_sensor`` (a successful ingest run -> ``build_and_publish_job``).
Every job runs with the in-process executor: DuckDB has one writer per file.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.common import BUILD_JOB, INGEST_JOB, PUBLISH_JOB


def build_definitions() -> dg.Definitions:
    from orchestration.defs.common import SERVING_TABLES
    from orchestration.defs.dbt.assets import build_dbt_assets, dbt_resource
    from orchestration.defs.dbt.project import get_dbt_project
    from orchestration.defs.dbt.schedules import build_monthly_schedule
    from orchestration.defs.ingest.assets import build_ingest_asset, ingest_sources, is_monthly
    from orchestration.defs.ingest.sensors import build_after_ingest_sensor, build_landing_sensor
    from orchestration.defs.publish.serving import build_serving_asset
    from orchestration.defs.publish.superset import build_superset_asset

    sources = ingest_sources()
    monthly = {source: is_monthly(contract) for source, contract in sources.items()}
    ingest_assets = [build_ingest_asset(source, contract) for source, contract in sources.items()]

    resources: dict = {}
    dbt_assets_defs: list[dg.AssetsDefinition] = []
    project = get_dbt_project()
    if project is not None:
        dbt_assets_defs.append(build_dbt_assets(project))
        resources["dbt"] = dbt_resource(project)

    published = {dg.AssetKey(t) for t in SERVING_TABLES}
    guard_checks = [
        check for a in dbt_assets_defs for check in a.check_keys if check.asset_key in published
    ]
    serving = build_serving_asset(guard_checks)
    superset = build_superset_asset()

    monthly_keys = [dg.AssetKey(["raw", s]) for s, is_m in monthly.items() if is_m]
    other_keys = [dg.AssetKey(["raw", s]) for s, is_m in monthly.items() if not is_m]
    ingest_job = dg.define_asset_job(
        INGEST_JOB,
        selection=dg.AssetSelection.assets(*monthly_keys),
        description="Load a month of landing files for the monthly sources.",
    )
    jobs = [ingest_job]
    unpartitioned_job = None
    if other_keys:
        unpartitioned_job = dg.define_asset_job(
            "ingest_unpartitioned_job",
            selection=dg.AssetSelection.assets(*other_keys),
            description="Load the landing files of the sources without monthly partitions.",
        )
        jobs.append(unpartitioned_job)
    build_selection = dg.AssetSelection.assets(serving, superset)
    for assets_def in dbt_assets_defs:
        build_selection = build_selection | dg.AssetSelection.assets(assets_def)
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=build_selection,
        description=(
            "dbt build (models, seeds, tests as checks), then publish the serving file, "
            "then refresh Superset (skipped when it is not running)."
        ),
    )
    publish_job = dg.define_asset_job(
        PUBLISH_JOB,
        selection=dg.AssetSelection.assets(serving, superset),
        description="Publish the serving file from the current warehouse, then refresh Superset.",
    )
    jobs += [build_job, publish_job]

    return dg.Definitions(
        assets=[*ingest_assets, *dbt_assets_defs, serving, superset],
        jobs=jobs,
        schedules=[build_monthly_schedule(build_job)],
        sensors=[
            build_landing_sensor(monthly, ingest_job, unpartitioned_job),
            build_after_ingest_sensor(ingest_job, build_job),
        ],
        resources=resources,
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location's definitions (``defs()`` returns the ``Definitions``)."""
    return build_definitions()
