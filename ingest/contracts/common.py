"""Columns several contracts share, defined once."""

from __future__ import annotations

from ingest.contracts.base import Column, RowRule


def csp_code_column() -> Column:
    """The CSP a partner's file is for: its scope, checked against seeds/areas.csv."""
    return Column(
        "csp_code",
        "csp_code",
        required=True,
        pattern=r"[EW][0-9]{8}",
        pattern_hint="ONS community safety partnership code, e.g. E22000307",
        reference=("areas.csv", "csp_code"),
        description="ONS code of the community safety partnership; must be a CSP of "
        "seeds/areas.csv. The file's scope: one file per CSP and month.",
    )


def extract_month_column(what: str) -> Column:
    """The month a snapshot extract was taken at the end of: its period."""
    return Column(
        "extract_month",
        "extract_month",
        required=True,
        pattern=r"[0-9]{4}-(0[1-9]|1[0-2])",
        pattern_hint="YYYY-MM",
        description=(
            f"The month at whose end the extract was taken, `YYYY-MM`: the file's period. The "
            f"file lists every {what} open at some time from 1 April of that month's financial "
            "year to the month's end, as known then; a newer extract for the same month and "
            "CSP replaces it."
        ),
    )


def snapshot_rules(start: str, end: str, reason: str, what: str) -> tuple[RowRule, ...]:
    """The rules every snapshot of episodes or orders keeps: an end is not before the start,
    nothing starts or ends after the extract's month, an end comes with its reason and an
    open one has none. `start`, `end`, `reason`: the column names."""
    month_end = "last_day(try_strptime(extract_month || '-01', '%Y-%m-%d'))"
    return (
        RowRule(end, f"{end} < {start}", f"the {what} ends before it starts ({start})"),
        RowRule(
            start,
            f"{start} > {month_end}",
            f"the {what} starts after the extract month (extract_month)",
        ),
        RowRule(
            end,
            f"{end} > {month_end}",
            f"the {what} ends after the extract month (extract_month): not known then",
        ),
        RowRule(
            reason,
            f"{reason} IS NOT NULL AND {end} IS NULL",
            f"{reason} given for an open {what} ({end} blank)",
        ),
        RowRule(
            reason,
            f"{reason} IS NULL AND {end} IS NOT NULL",
            f"{reason} missing for a closed {what} ({end} given)",
        ),
    )
