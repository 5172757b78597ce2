"""Domestic abuse incidents from the police: one incident, crimed or not."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract
from ingest.contracts.common import csp_code_column

CONTRACT = Contract(
    name="dv_incidents",
    title="Domestic abuse incidents (police)",
    description=(
        "One row per domestic abuse incident the police attended or recorded, crimed or not, "
        "for one CSP and month: `<YYYY-MM>-<csp-slug>-dv-incidents.csv`, UTF-8 (or XLSX), "
        "header row, columns in any order."
    ),
    publisher="Police force (domestic abuse unit)",
    columns=(
        Column(
            "incident_ref",
            "incident_ref",
            required=True,
            unique=True,
            description="Incident reference; unique in the file (key).",
        ),
        Column(
            "incident_date",
            "incident_date",
            type="DATE",
            required=True,
            description="Date of the incident, `YYYY-MM-DD`; its month is the file's period.",
        ),
        csp_code_column(),
        Column(
            "victim_ref",
            "victim_ref",
            required=True,
            person=True,
            description=(
                "Victim identifier, the same for one person across the force's files: "
                "pseudonymised at load (HMAC-SHA256 hex), never stored in clear."
            ),
        ),
        Column(
            "repeat_flag",
            "repeat_flag",
            type="BOOLEAN",
            required=True,
            description=(
                "`Y` when the police know of another domestic abuse incident against the same "
                "victim in the 12 months before this one, else `N` (the official repeat)."
            ),
        ),
        Column(
            "child_present",
            "child_present",
            type="BOOLEAN",
            required=True,
            description="`Y` when a child was present at the incident, else `N`.",
        ),
        Column(
            "number_of_children",
            "number_of_children",
            type="INTEGER",
            min_value=0,
            max_value=20,
            description="Children present, 0-20 (0 when none was present); blank = not recorded.",
        ),
    ),
    period_sql="strftime(incident_date, '%Y-%m')",
    period_description="`strftime(incident_date, '%Y-%m')` (month of the incident)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-dv-incidents.csv (restated: ...-dv-incidents.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    notes=(
        "The repeat flag is the official figure; the warehouse also derives a repeat from the "
        "pseudonymised `victim_ref` (another incident within 12 months, in any file) and "
        "reports where the two disagree (`repeat_flag_agreement`).",
    ),
)
