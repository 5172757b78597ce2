"""Local record-level crime extract from the police records system."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract

_HATE = (
    ("hate_race", "race"),
    ("hate_religion", "religion"),
    ("hate_sexual_orientation", "sexual orientation"),
    ("hate_disability", "disability"),
    ("hate_transgender", "transgender"),
)

CONTRACT = Contract(
    name="police_crime",
    title="Police recorded crime, record level (local extract)",
    description=(
        "One row per recorded crime from the force's records system, "
        "`<YYYY-MM>-<force-slug>-crime.csv`, UTF-8, header row, columns in any order."
    ),
    publisher="Police force (records system)",
    columns=(
        Column(
            "crime_ref",
            "crime_ref",
            required=True,
            unique=True,
            description="Crime reference; unique in the file (key).",
        ),
        Column(
            "force_code",
            "force_code",
            required=True,
            pattern=r"E23[0-9]{6}",
            pattern_hint="ONS police force area code E23######",
            reference=("forces.csv", "force_code"),
            description="ONS police force area code; must be a force of seeds/forces.csv.",
        ),
        Column(
            "recorded_date",
            "recorded_date",
            type="DATE",
            required=True,
            description="Date the crime was recorded, `YYYY-MM-DD`.",
        ),
        Column(
            "offence_code",
            "offence_code",
            required=True,
            pattern=r"[0-9]{1,3}[A-Z]{0,2}(/[0-9]{1,2})?",
            pattern_hint="Home Office offence code, e.g. 28E, 8N, 4/1",
            reference=("offence_classification.csv", "offence_code"),
            description="Home Office offence code; must exist in the offence classification seed.",
        ),
        Column(
            "offence_description",
            "offence_description",
            required=True,
            description="Offence description as recorded.",
        ),
        Column(
            "lsoa_code",
            "lsoa_code",
            pattern=r"[EW]010[0-9]{5}",
            pattern_hint="2011 LSOA code E01xxxxxx / W01xxxxxx",
            warn_blank="rows with no LSOA code (location unknown, kept at force level)",
            description="2011 LSOA code; blank = location unknown (kept at force level).",
        ),
        Column(
            "location_type",
            "location_type",
            required=True,
            accepted=("dwelling", "public_place", "other"),
            description="Type of location.",
        ),
        Column(
            "domestic_abuse",
            "domestic_abuse",
            type="BOOLEAN",
            required=True,
            description="Domestic abuse flag, `Y`/`N`.",
        ),
        *(
            Column(
                name,
                name,
                type="BOOLEAN",
                required=True,
                description=f"Hate crime strand: {strand}, `Y`/`N` (several may be `Y`).",
            )
            for name, strand in _HATE
        ),
        Column(
            "victim_ref",
            "victim_ref",
            person=True,
            description="Victim identifier: pseudonymised at load (HMAC-SHA256 hex).",
        ),
        Column(
            "victim_age",
            "victim_age",
            type="INTEGER",
            min_value=0,
            max_value=120,
            description="Victim age in years, 0-120.",
        ),
        Column(
            "victim_gender",
            "victim_gender",
            accepted=("male", "female", "other", "unknown"),
            description="Victim gender.",
        ),
        Column("outcome", "outcome", description="Outcome category, free text."),
    ),
    period_sql="strftime(recorded_date, '%Y-%m')",
    period_description="`strftime(recorded_date, '%Y-%m')` (month recorded)",
    scope_columns=("force_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern="<YYYY-MM>-<force-slug>-crime.csv (restated: ...-crime.restated-<n>.csv)",
    formats=("csv", "xlsx"),
    notes=(
        "A restated file for the same month and force replaces the earlier rows; the earlier "
        "rows are kept in `raw.police_crime__superseded`.",
    ),
)
