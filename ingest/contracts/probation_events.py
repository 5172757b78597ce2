"""Probation events: one OASys assessment (initial or termination) of an offender on
probation, with the criminogenic needs it found."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract
from ingest.contracts.common import csp_code_column

EVENT_TYPES = ("initial", "termination")
GENDERS = ("male", "female", "other", "not stated")
#: The OASys sections whose need flags the file carries: section number -> name.
NEED_SECTIONS = {
    3: "accommodation",
    4: "education, training and employability",
    5: "financial management and income",
    6: "relationships",
    7: "lifestyle and associates",
    8: "drug misuse",
    9: "alcohol misuse",
    10: "emotional well-being",
    11: "thinking and behaviour",
    12: "attitudes",
}


def _need_column(section: int, name: str) -> Column:
    return Column(
        f"need_section_{section}",
        f"need_section_{section}",
        type="BOOLEAN",
        required=True,
        description=(
            f"`Y` when the assessment found a criminogenic need in OASys section {section} "
            f"({name}), else `N`."
        ),
    )


CONTRACT = Contract(
    name="probation_events",
    title="Probation assessments (probation service)",
    description=(
        "One row per OASys assessment of an offender on probation, initial (at the start of "
        "the order or licence) or termination (at its end), with the criminogenic needs it "
        "found in OASys sections 3-12, for one CSP and month: "
        "`<YYYY-MM>-<csp-slug>-probation-events.csv`, UTF-8 (or XLSX), header row, columns in "
        "any order."
    ),
    publisher="Probation service",
    columns=(
        Column(
            "event_ref",
            "event_ref",
            required=True,
            unique=True,
            description="Assessment reference; unique in the file (key).",
        ),
        Column(
            "offender_ref",
            "offender_ref",
            required=True,
            person=True,
            description=(
                "Offender identifier, the same person as `offender_ref` of `iom_cohort` and "
                "`iom_convictions`: pseudonymised at load with the same key (HMAC-SHA256 hex), "
                "so the sources join without anyone seeing an identity; never stored in clear."
            ),
        ),
        csp_code_column(),
        Column(
            "team",
            "team",
            required=True,
            description=(
                "The probation team that made the assessment, as the partner names it "
                '("Milton Keynes", "Milton Keynes IOM", ...).'
            ),
        ),
        Column(
            "event_type",
            "event_type",
            required=True,
            accepted=EVENT_TYPES,
            description="`initial` (the first assessment) or `termination` (at the end).",
        ),
        Column(
            "event_date",
            "event_date",
            type="DATE",
            required=True,
            description="Date of the assessment, `YYYY-MM-DD`; its month is the file's period.",
        ),
        Column(
            "age",
            "age",
            type="INTEGER",
            min_value=18,
            max_value=120,
            description=(
                "The offender's age in years at the assessment (probation supervises adults); "
                "blank = not recorded."
            ),
        ),
        Column(
            "gender",
            "gender",
            accepted=GENDERS,
            description="The offender's gender; blank = not recorded.",
        ),
        *(_need_column(s, n) for s, n in NEED_SECTIONS.items()),
    ),
    period_sql="strftime(event_date, '%Y-%m')",
    period_description="`strftime(event_date, '%Y-%m')` (month of the assessment)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-probation-events.csv "
        "(restated: ...-probation-events.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    notes=(
        "Events, not a snapshot: a month's file holds the assessments made in that month; "
        "a newer file for the same month and CSP replaces it. The share of offenders with a "
        "need in a section is read from the initial assessments only, per team.",
    ),
)
