"""The monthly schedule: the whole dbt build and publish."""

from __future__ import annotations

import dagster as dg

MONTHLY_BUILD_CRON = "0 6 10 * *"  # 06:00 on the 10th of each month


def build_monthly_schedule(build_job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="monthly_build_schedule",
        job=build_job,
        cron_schedule=MONTHLY_BUILD_CRON,
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="06:00 on the 10th of each month: dbt build (tests as checks), then publish.",
    )
