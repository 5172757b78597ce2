"""The one Dagster ``Definitions`` of the warehouse (``[tool.dagster] module_name``).

Loaded lazily through ``@dg.definitions``: importing this module does nothing heavy; the
dbt manifest is prepared (``dbt parse``, only when missing or stale) when the definitions
are loaded.

Assets (one graph): ``raw/<source>`` per ingest contract (group ``ingest``, monthly
partitions) -> the dbt models (groups ``staging``, ``intermediate``, ``marts``, seeds in
``seeds``; dbt tests as asset checks) -> ``serving`` -> ``superset_dashboards`` (group
``publish``: the serving file, then Superset's datasets refreshed on it), and ``dbt_docs``
(the docs site generated from the warehouse). Beyond the dbt tests, a non-blocking check on
``repeat_flag_agreement`` (the partners' repeat flags against the derived repeats).
Jobs: ``ingest_job`` (the landing files of a month, by partition), ``build_and_publish_job``
(dbt build, publish, refresh Superset, dbt docs), ``publish_job`` (publish and refresh
Superset only).
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
    from orchestration.defs.ingest.assets import build_ingest_asset, ingest_sources
    from orchestration.defs.ingest.sensors import build_after_ingest_sensor, build_landing_sensor
    from orchestration.defs.publish.docs import build_dbt_docs_asset
    from orchestration.defs.publish.serving import build_serving_asset
    from orchestration.defs.publish.superset import build_superset_asset
    from orchestration.defs.quality.partners_on_time import build_partners_on_time_check
    from orchestration.defs.quality.repeat_flags import build_repeat_flag_check

    sources = ingest_sources()
    ingest_assets = [build_ingest_asset(source, contract) for source, contract in sources.items()]

    project = get_dbt_project()
    dbt_models = build_dbt_assets(project)
    published = {dg.AssetKey(t) for t in SERVING_TABLES}
    guard_checks = [check for check in dbt_models.check_keys if check.asset_key in published]
    serving = build_serving_asset(guard_checks)
    superset = build_superset_asset()
    docs = build_dbt_docs_asset(project)
    repeat_flags = build_repeat_flag_check()
    partners_on_time = build_partners_on_time_check()

    ingest_job = dg.define_asset_job(
        INGEST_JOB,
        selection=dg.AssetSelection.assets(*ingest_assets),
        description="Load a month of landing files.",
    )
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.assets(dbt_models, serving, superset, docs)
        | dg.AssetSelection.checks(repeat_flags, partners_on_time),
        description=(
            "dbt build (models, seeds, tests as checks), then publish the serving file, "
            "refresh Superset (skipped when it is not running) and the dbt docs site."
        ),
    )
    publish_job = dg.define_asset_job(
        PUBLISH_JOB,
        selection=dg.AssetSelection.assets(serving, superset),
        description="Publish the serving file from the current warehouse, then refresh Superset.",
    )

    return dg.Definitions(
        assets=[*ingest_assets, dbt_models, serving, superset, docs],
        asset_checks=[repeat_flags, partners_on_time],
        jobs=[ingest_job, build_job, publish_job],
        schedules=[build_monthly_schedule(build_job)],
        sensors=[
            build_landing_sensor(sources, ingest_job),
            build_after_ingest_sensor(ingest_job, build_job),
        ],
        resources={"dbt": dbt_resource(project)},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location's definitions (``defs()`` returns the ``Definitions``)."""
    return build_definitions()
