"""Partners that are late with their returns: a non-blocking check on ``source_status``.

``source_status`` (dbt) holds, per partner source and CSP, the last period received and the
day the next one was due (the contract's cadence and lag), judged on ``$CSP_AS_OF`` or the
build's day. A late partner never stops the publish (its months are "no data" on the
dashboards), but the data engineer should chase it: this check warns (severity WARN) after
every build while any partner is overdue, naming each with the mart's own sentence, so it
shows in the Dagster UI and in the build summary. The figures are the mart's; this module
reads them.
"""

from dataclasses import dataclass
from datetime import date

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.defs.common import WAREHOUSE_POOL
from orchestration.defs.quality.marts import mart_rows

STATUS_ASSET = dg.AssetKey("source_status")
CHECK_NAME = "partners_send_their_returns_on_time"

STATUS_SQL = """
select source, area_code, area_name, last_period_received, expected_by, is_overdue,
    days_late, status
from main_marts.source_status
order by is_overdue desc, days_late desc, source, area_name, area_code
"""


@dataclass(frozen=True)
class Status:
    source: str
    area_code: str
    area_name: str | None
    last_period_received: date
    expected_by: date
    is_overdue: bool
    days_late: int
    status: str

    def line(self) -> str:
        return f"{self.area_name or self.area_code}: {self.status}"


def source_statuses(warehouse_path: str) -> list[Status]:
    """Every row of ``source_status``, overdue first (none when it is not built yet)."""
    rows = mart_rows(warehouse_path, "source_status", STATUS_SQL)
    return [Status(*row) for row in rows]


def evaluate(statuses: list[Status]) -> dg.AssetCheckResult:
    """Passed unless a partner is overdue."""
    overdue = [s for s in statuses if s.is_overdue]
    if not statuses:
        description = "no partner file loaded yet"
    elif overdue:
        description = f"{len(overdue)} partner return(s) overdue: " + "; ".join(
            s.line() for s in overdue
        )
    else:
        description = f"all {len(statuses)} partner returns on time"
    return dg.AssetCheckResult(
        passed=not overdue,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "statuses": dg.MetadataValue.md(
                "| source | CSP | last period | next due by | overdue | days late |\n"
                "|---|---|---|---|---|---|\n"
                + "\n".join(
                    f"| {s.source} | {s.area_name or s.area_code} | "
                    f"{s.last_period_received:%Y-%m} | {s.expected_by:%Y-%m-%d} | "
                    f"{'yes' if s.is_overdue else 'no'} | {s.days_late} |"
                    for s in statuses
                )
            ),
            "overdue": dg.MetadataValue.int(len(overdue)),
        },
    )


def build_partners_on_time_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=STATUS_ASSET,
        name=CHECK_NAME,
        blocking=False,
        pool=WAREHOUSE_POOL,
        description=(
            "Warns while any partner's return is overdue (its contract's cadence and lag, "
            "judged on $CSP_AS_OF or today), naming the partner, CSP and the period "
            "missing. Never blocks the publish."
        ),
    )
    def partners_on_time_check(context: AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from ingest.config import Settings

        result = evaluate(source_statuses(str(Settings.from_env().warehouse_path)))
        context.log.info(result.description or "")
        return result

    return partners_on_time_check
