"""The Integrated Offender Management (IOM) cohort: the IOM team's quarterly snapshot of
every offender's period on the scheme."""

from __future__ import annotations

from dataclasses import replace

from ingest.contracts.base import Column, Contract, RowRule
from ingest.contracts.common import csp_code_column, extract_month_column

_MONTH_END = "last_day(try_strptime(extract_month || '-01', '%Y-%m-%d'))"

CONTRACT = Contract(
    name="iom_cohort",
    title="IOM cohort (IOM team snapshot)",
    description=(
        "The Integrated Offender Management team's snapshot at a quarter's end: one row per "
        "offender's period on the IOM scheme that overlaps the financial year of "
        "`extract_month` or the one before, as known at the end of `extract_month`, for one "
        "CSP: `<YYYY-YY>-Q<n>-<csp-slug>-iom-cohort.csv`, UTF-8 (or XLSX), header row, "
        "columns in any order."
    ),
    publisher="IOM team",
    columns=(
        replace(
            extract_month_column("period on the scheme"),
            description=(
                "The month at whose end the extract was taken, `YYYY-MM` (the quarter's last): "
                "the file's period. The file lists every period on the scheme that overlaps "
                "that month's financial year or the one before, as known then; a newer "
                "extract for the same month and CSP replaces it."
            ),
        ),
        Column(
            "offender_ref",
            "offender_ref",
            required=True,
            person=True,
            description=(
                "Offender identifier, the same person as `offender_ref` of `iom_convictions` "
                "and `probation_events`: pseudonymised at load with the same key (HMAC-SHA256 "
                "hex), so the cohort joins its convictions without anyone seeing an identity; "
                "never stored in clear."
            ),
        ),
        csp_code_column(),
        Column(
            "selected_date",
            "selected_date",
            type="DATE",
            required=True,
            description="Date the offender was selected onto the scheme.",
        ),
        Column(
            "removed_date",
            "removed_date",
            type="DATE",
            description="Date the offender was removed from the scheme; blank while on it.",
        ),
    ),
    period_sql="extract_month",
    period_description="`extract_month` (the snapshot's month, the quarter's last)",
    scope_columns=("csp_code",),
    cadence="quarterly",
    lag_days=45,
    file_pattern=(
        "<YYYY-YY>-Q<n>-<csp-slug>-iom-cohort.csv (restated: ...-iom-cohort.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    row_rules=(
        RowRule(
            "removed_date",
            "removed_date < selected_date",
            "the removal is before the selection (selected_date)",
        ),
        RowRule(
            "selected_date",
            f"selected_date > {_MONTH_END}",
            "the selection is after the extract month (extract_month)",
        ),
        RowRule(
            "removed_date",
            f"removed_date > {_MONTH_END}",
            "the removal is after the extract month (extract_month): not known then",
        ),
    ),
    notes=(
        "A snapshot, not events: each quarter's file lists again every period on the scheme "
        "of this financial year and the last; the newest extract for a month and CSP replaces "
        "the older one.",
        "An offender selected twice has a row per period; `offender_ref` is therefore no key "
        "(and, being a person field, is never quoted in an error).",
    ),
)
