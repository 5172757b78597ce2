"""MARAC cases from the MARAC coordinator: one case heard at a Multi-Agency Risk
Assessment Conference."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract
from ingest.contracts.common import csp_code_column

#: Agencies that refer a case to MARAC (SafeLives' MARAC data form, grouped).
REFERRING_AGENCIES = (
    "Police",
    "IDVA",
    "Health",
    "Children's Social Care",
    "Adult Social Care",
    "Probation",
    "Housing",
    "Education",
    "Substance Misuse",
    "Voluntary Sector",
    "Other",
)
VICTIM_GENDERS = ("female", "male", "other", "unknown")
#: MARAC hears victims aged 16 and over.
VICTIM_AGE_BANDS = ("16-17", "18-24", "25-34", "35-44", "45-54", "55+", "unknown")

CONTRACT = Contract(
    name="marac_cases",
    title="MARAC cases heard (MARAC coordinator)",
    description=(
        "One row per case heard at a Multi-Agency Risk Assessment Conference (high-risk "
        "domestic abuse) for one CSP and month: `<YYYY-MM>-<csp-slug>-marac-cases.csv`, "
        "UTF-8 (or XLSX), header row, columns in any order."
    ),
    publisher="MARAC coordinator",
    columns=(
        Column(
            "case_ref",
            "case_ref",
            required=True,
            unique=True,
            description="MARAC case reference; unique in the file (key).",
        ),
        Column(
            "marac_date",
            "marac_date",
            type="DATE",
            required=True,
            description="Date of the conference that heard the case, `YYYY-MM-DD`; its month "
            "is the file's period.",
        ),
        csp_code_column(),
        Column(
            "victim_ref",
            "victim_ref",
            required=True,
            person=True,
            description=(
                "Victim identifier: pseudonymised at load (HMAC-SHA256 hex), never stored in clear."
            ),
        ),
        Column(
            "referring_agency",
            "referring_agency",
            required=True,
            accepted=REFERRING_AGENCIES,
            description="Agency that referred the case.",
        ),
        Column(
            "repeat_flag",
            "repeat_flag",
            type="BOOLEAN",
            required=True,
            description=(
                "`Y` when the victim was heard at MARAC in the 12 months before this case "
                "(SafeLives' repeat definition), else `N` (the official repeat)."
            ),
        ),
        Column(
            "victim_gender",
            "victim_gender",
            accepted=VICTIM_GENDERS,
            description="Victim gender; blank = not recorded.",
        ),
        Column(
            "victim_age_band",
            "victim_age_band",
            accepted=VICTIM_AGE_BANDS,
            description="Victim age band; blank = not recorded.",
        ),
        Column(
            "children_in_household",
            "children_in_household",
            type="INTEGER",
            min_value=0,
            max_value=20,
            description="Children in the victim's household, 0-20; blank = not recorded.",
        ),
        Column(
            "idva_engaged",
            "idva_engaged",
            type="BOOLEAN",
            description="`Y` when an IDVA engaged with the victim, `N` when not; blank = not "
            "recorded.",
        ),
    ),
    period_sql="strftime(marac_date, '%Y-%m')",
    period_description="`strftime(marac_date, '%Y-%m')` (month of the conference)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-marac-cases.csv (restated: ...-marac-cases.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    notes=(
        "The repeat flag is the official figure; the warehouse also derives a repeat from the "
        "pseudonymised `victim_ref` (another case heard within 12 months, in any file) and "
        "reports where the two disagree (`repeat_flag_agreement`).",
    ),
)
