"""Drug and alcohol treatment episodes: the provider's monthly snapshot of every episode open
at some time in the financial year so far."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract, RowRule
from ingest.contracts.common import csp_code_column, extract_month_column, snapshot_rules

COHORTS = ("adult", "young person")
#: NDTMS's substance groups.
SUBSTANCE_GROUPS = ("opiate", "non-opiate", "alcohol", "non-opiate and alcohol")
EXIT_REASONS = (
    "successful completion",
    "dropped out",
    "transferred - not in custody",
    "transferred - in custody",
    "moved away",
    "treatment withdrawn",
    "died",
)
GENDERS = ("male", "female", "other", "not stated")

CONTRACT = Contract(
    name="treatment_episodes",
    title="Drug and alcohol treatment episodes (provider snapshot)",
    description=(
        "The treatment provider's snapshot at a month's end: one row per treatment episode "
        "open at some time from 1 April of the financial year to the end of `extract_month`, "
        "as known then (each snapshot restates the last), for one CSP: "
        "`<YYYY-MM>-<csp-slug>-treatment-episodes.csv`, UTF-8 (or XLSX), header row, "
        "columns in any order."
    ),
    publisher="Drug and alcohol treatment provider",
    columns=(
        extract_month_column("treatment episode"),
        Column(
            "episode_ref",
            "episode_ref",
            required=True,
            unique=True,
            description="Episode reference; unique in the snapshot (key).",
        ),
        Column(
            "client_ref",
            "client_ref",
            required=True,
            person=True,
            description=(
                "Client identifier, the same for one person across the provider's episodes "
                "and snapshots (a client with two episodes counts once): pseudonymised at "
                "load (HMAC-SHA256 hex), never stored in clear."
            ),
        ),
        csp_code_column(),
        Column(
            "cohort",
            "cohort",
            required=True,
            accepted=COHORTS,
            description="`adult` (18 and over) or `young person`.",
        ),
        Column(
            "substance_group",
            "substance_group",
            required=True,
            accepted=SUBSTANCE_GROUPS,
            description="NDTMS substance group of the episode.",
        ),
        Column(
            "criminal_justice_referral",
            "criminal_justice_referral",
            type="BOOLEAN",
            required=True,
            description="`Y` when the client was referred by the criminal justice system.",
        ),
        Column(
            "start_date",
            "start_date",
            type="DATE",
            required=True,
            description="Date the episode started.",
        ),
        Column(
            "end_date",
            "end_date",
            type="DATE",
            description="Date the episode ended; blank while it is open.",
        ),
        Column(
            "exit_reason",
            "exit_reason",
            accepted=EXIT_REASONS,
            description="Why the episode ended (`successful completion`, ...); blank while open.",
        ),
        Column(
            "client_gender",
            "client_gender",
            required=True,
            accepted=GENDERS,
            description="The client's gender.",
        ),
        Column(
            "client_age",
            "client_age",
            type="INTEGER",
            required=True,
            min_value=0,
            max_value=120,
            description="The client's age in years at the start of the episode.",
        ),
    ),
    period_sql="extract_month",
    period_description="`extract_month` (the snapshot's month)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-treatment-episodes.csv "
        "(restated: ...-treatment-episodes.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    row_rules=(
        *snapshot_rules("start_date", "end_date", "exit_reason", "episode"),
        RowRule(
            "client_age",
            "cohort = 'adult' AND client_age < 18",
            "a client aged under 18 in the adult cohort",
        ),
    ),
    notes=(
        "A snapshot, not events: each month's file lists again every episode of the "
        "financial year so far; the newest extract for a month and CSP replaces the older one, "
        "and the measures read the latest snapshot covering the month.",
    ),
)
