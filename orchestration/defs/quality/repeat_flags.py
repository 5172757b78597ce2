"""The partner's repeat flag against the repeat the warehouse derives: a non-blocking check.

``repeat_flag_agreement`` (dbt) holds, per source (``dv_incidents``, ``marac_cases``), CSP
and month, how many events the partner flagged as repeats and how many the warehouse finds
to be repeats from the pseudonymised victim (another event within 12 months in the files
loaded). The partner's flag stays the official figure (a partner may know of repeats
outside the data), so a disagreement never stops the publish: this check reports, after
every build, the latest month of each source and CSP, and warns (severity WARN) when one
whose CSP has a full year of files before it disagrees on more than
``DISAGREEMENT_WARN_PCT`` % of its events. The figures are the mart's; this module reads them.
"""

from dataclasses import dataclass
from datetime import date

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.defs.common import WAREHOUSE_POOL
from orchestration.defs.quality.marts import mart_rows

AGREEMENT_ASSET = dg.AssetKey("repeat_flag_agreement")
CHECK_NAME = "partner_repeat_flags_agree_with_derived_repeats"
#: A latest month with a full year of history whose disagreement is above this is reported.
DISAGREEMENT_WARN_PCT = 10.0

LATEST_SQL = """
select source, area_code, area_name, period_month, events, flagged_repeats, derived_repeats,
    flagged_only, derived_only, disagreement_pct, history_months, has_full_history
from main_marts.repeat_flag_agreement
qualify row_number() over (partition by source, area_code order by period_month desc) = 1
order by source, area_name, area_code
"""


@dataclass(frozen=True)
class Agreement:
    source: str
    area_code: str
    area_name: str | None
    period_month: date
    events: int
    flagged_repeats: int
    derived_repeats: int
    flagged_only: int
    derived_only: int
    disagreement_pct: float | None
    history_months: int
    has_full_history: bool

    @property
    def notable(self) -> bool:
        return self.has_full_history and (self.disagreement_pct or 0.0) > DISAGREEMENT_WARN_PCT

    def line(self) -> str:
        month = self.period_month.strftime("%Y-%m")
        history = "" if self.has_full_history else f", {self.history_months} of 12 months before"
        return (
            f"{self.source} {self.area_name or self.area_code} {month}: "
            f"{self.disagreement_pct or 0.0:.1f}% of {self.events} disagree "
            f"({self.flagged_only} flagged only, {self.derived_only} derived only{history})"
        )


def latest_agreements(warehouse_path: str) -> list[Agreement]:
    """The latest month of each source and CSP in ``repeat_flag_agreement``."""
    rows = mart_rows(warehouse_path, "repeat_flag_agreement", LATEST_SQL)
    return [Agreement(*row) for row in rows]


def evaluate(agreements: list[Agreement]) -> dg.AssetCheckResult:
    """Passed unless a latest month with a full year of history disagrees above the limit."""
    notable = [a for a in agreements if a.notable]
    if not agreements:
        description = "no domestic abuse or MARAC files loaded"
    elif notable:
        description = (
            f"{len(notable)} CSP-source(s) disagree on more than {DISAGREEMENT_WARN_PCT:g}% "
            "of their latest month (partner's flag is the official figure): "
            + "; ".join(a.line() for a in notable)
        )
    else:
        description = "latest months: " + "; ".join(a.line() for a in agreements)
    return dg.AssetCheckResult(
        passed=not notable,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "latest_months": dg.MetadataValue.md(
                "| source | CSP | month | events | flagged | derived | flagged only | "
                "derived only | disagree % | months of history |\n"
                "|---|---|---|---|---|---|---|---|---|---|\n"
                + "\n".join(
                    f"| {a.source} | {a.area_name or a.area_code} | "
                    f"{a.period_month:%Y-%m} | {a.events} | {a.flagged_repeats} | "
                    f"{a.derived_repeats} | {a.flagged_only} | {a.derived_only} | "
                    f"{a.disagreement_pct or 0.0:.1f} | {a.history_months} |"
                    for a in agreements
                )
            ),
            "notable": dg.MetadataValue.int(len(notable)),
            "warn_above_pct": dg.MetadataValue.float(DISAGREEMENT_WARN_PCT),
        },
    )


def build_repeat_flag_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=AGREEMENT_ASSET,
        name=CHECK_NAME,
        blocking=False,
        pool=WAREHOUSE_POOL,
        description=(
            "Where the partners' repeat flags (the official figures) and the repeats the "
            "warehouse derives from pseudonymised victims disagree, per CSP, in the latest "
            f"month; warns above {DISAGREEMENT_WARN_PCT:g}% once a CSP has a year of files. "
            "Never blocks the publish."
        ),
    )
    def repeat_flags_check(context: AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from ingest.config import Settings

        result = evaluate(latest_agreements(str(Settings.from_env().warehouse_path)))
        context.log.info(result.description or "")
        return result

    return repeat_flags_check
