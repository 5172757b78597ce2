"""Drug Rehabilitation and Alcohol Treatment Requirements: probation's quarterly snapshot of
every order open at some time in the financial year so far."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract
from ingest.contracts.common import csp_code_column, extract_month_column, snapshot_rules

ORDER_TYPES = ("DRR", "ATR")
END_REASONS = ("completed", "revoked for further offending", "breached")

CONTRACT = Contract(
    name="court_orders",
    title="DRR and ATR court orders (probation snapshot)",
    description=(
        "Probation's snapshot at a quarter's end: one row per Drug Rehabilitation (DRR) or "
        "Alcohol Treatment (ATR) Requirement open at some time from 1 April of the financial "
        "year to the end of `extract_month`, as known then, for one CSP: "
        "`<YYYY-YY>-Q<n>-<csp-slug>-court-orders.csv`, UTF-8 (or XLSX), header row, columns "
        "in any order."
    ),
    publisher="Probation service",
    columns=(
        extract_month_column("order"),
        Column(
            "order_ref",
            "order_ref",
            required=True,
            unique=True,
            description="Order reference; unique in the snapshot (key).",
        ),
        Column(
            "offender_ref",
            "offender_ref",
            required=True,
            person=True,
            description=(
                "Offender identifier: pseudonymised at load (HMAC-SHA256 hex), never stored "
                "in clear."
            ),
        ),
        csp_code_column(),
        Column(
            "order_type",
            "order_type",
            required=True,
            accepted=ORDER_TYPES,
            description="`DRR` (Drug Rehabilitation Requirement) or `ATR` (Alcohol Treatment).",
        ),
        Column(
            "commenced_date",
            "commenced_date",
            type="DATE",
            required=True,
            description="Date the order commenced.",
        ),
        Column(
            "end_date",
            "end_date",
            type="DATE",
            description="Date the order ended; blank while it runs.",
        ),
        Column(
            "end_reason",
            "end_reason",
            accepted=END_REASONS,
            description="How it ended; blank while it runs.",
        ),
    ),
    period_sql="extract_month",
    period_description="`extract_month` (the snapshot's month, the quarter's last)",
    scope_columns=("csp_code",),
    cadence="quarterly",
    lag_days=45,
    file_pattern=(
        "<YYYY-YY>-Q<n>-<csp-slug>-court-orders.csv (restated: ...-court-orders.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    row_rules=snapshot_rules("commenced_date", "end_date", "end_reason", "order"),
    notes=(
        "A snapshot, not events: each quarter's file lists again every order of the financial "
        "year so far; the newest extract for a month and CSP replaces the older one.",
    ),
)
