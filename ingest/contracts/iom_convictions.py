"""Convictions of offenders on (or known to) the IOM scheme, from the police or the courts:
one conviction."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract, RowRule
from ingest.contracts.common import csp_code_column

CONTRACT = Contract(
    name="iom_convictions",
    title="IOM convictions (police / courts)",
    description=(
        "One row per conviction of an offender the IOM team manages or has managed, dated in "
        "the month, for one CSP: `<YYYY-MM>-<csp-slug>-iom-convictions.csv`, UTF-8 (or XLSX), "
        "header row, columns in any order."
    ),
    publisher="Police / courts",
    columns=(
        Column(
            "conviction_ref",
            "conviction_ref",
            required=True,
            unique=True,
            description="Conviction reference; unique in the file (key).",
        ),
        Column(
            "offender_ref",
            "offender_ref",
            required=True,
            person=True,
            description=(
                "Offender identifier, the same person as `offender_ref` of `iom_cohort` and "
                "`probation_events`: pseudonymised at load with the same key (HMAC-SHA256 "
                "hex), so the cohort joins its convictions without anyone seeing an identity; "
                "never stored in clear."
            ),
        ),
        csp_code_column(),
        Column(
            "conviction_date",
            "conviction_date",
            type="DATE",
            required=True,
            description=(
                "Date of the conviction, `YYYY-MM-DD`, not after the day the file is loaded; "
                "its month is the file's period."
            ),
        ),
        Column(
            "offence_code",
            "offence_code",
            required=True,
            reference=("offence_classification.csv", "offence_code"),
            description=(
                "Home Office offence code of the offence convicted of (e.g. `46`, `105A`); "
                "must be a code of seeds/offence_classification.csv, which maps it to its "
                "offence group."
            ),
        ),
    ),
    period_sql="strftime(conviction_date, '%Y-%m')",
    period_description="`strftime(conviction_date, '%Y-%m')` (month of the conviction)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-iom-convictions.csv (restated: ...-iom-convictions.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    row_rules=(
        RowRule(
            "conviction_date",
            "conviction_date > current_date",
            "a conviction dated in the future (after the day of the load)",
        ),
    ),
    notes=(
        "Events: a month's file holds the convictions dated in that month; a newer file for "
        "the same month and CSP replaces it. Which convictions count (the cohort's, before or "
        "after selection) is the measures' rule, not the file's.",
    ),
)
