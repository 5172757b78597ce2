"""data.police.uk monthly street-level crime and ASB file, exactly as published."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract

#: data.police.uk street-level crime categories (the current 14, ASB included).
POLICE_UK_CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

CONTRACT = Contract(
    name="police_street",
    title="Police street-level crime and ASB (data.police.uk)",
    description=(
        "The data.police.uk monthly street-level CSV, `YYYY-MM-<force>-street.csv`, one row "
        "per crime or anti-social behaviour incident, loaded exactly as published."
    ),
    publisher="data.police.uk (Home Office), per force",
    columns=(
        Column(
            "crime_id",
            "Crime ID",
            description="Published crime identifier; blank for ASB incidents.",
            warn_repeated=True,
        ),
        Column(
            "month",
            "Month",
            required=True,
            pattern=r"[0-9]{4}-(0[1-9]|1[0-2])",
            pattern_hint="YYYY-MM",
            description="Month of the crime, `YYYY-MM` (no day); kept as text.",
        ),
        Column("reported_by", "Reported by", required=True, description="Force that reported it."),
        Column(
            "falls_within",
            "Falls within",
            required=True,
            reference=("forces.csv", "police_uk_name"),
            description="Force whose area it falls within, by its data.police.uk name.",
        ),
        Column(
            "longitude",
            "Longitude",
            type="DOUBLE",
            min_value=-180,
            max_value=180,
            description="Approximate (anonymised) longitude.",
        ),
        Column(
            "latitude",
            "Latitude",
            type="DOUBLE",
            min_value=-90,
            max_value=90,
            description="Approximate (anonymised) latitude.",
        ),
        Column("location", "Location", description="Anonymised location, e.g. `On or near ...`."),
        Column(
            "lsoa_code",
            "LSOA code",
            pattern=r"[EW]010[0-9]{5}",
            pattern_hint="2011 LSOA code E01xxxxxx / W01xxxxxx",
            warn_blank="rows with no LSOA code (kept, counted at force level)",
            description="2011 LSOA code; blank when the location is unknown.",
        ),
        Column("lsoa_name", "LSOA name", description="2011 LSOA name (district name + code)."),
        Column(
            "crime_type",
            "Crime type",
            required=True,
            accepted=POLICE_UK_CRIME_TYPES,
            description="data.police.uk crime category.",
        ),
        Column(
            "last_outcome_category",
            "Last outcome category",
            description="Latest outcome as published; blank for ASB.",
        ),
        Column("context", "Context", description="Free text context (almost always blank)."),
    ),
    period_sql="month",
    period_description="`month` (the file's `Month`)",
    scope_columns=("reported_by",),
    cadence="monthly",
    lag_days=62,
    file_pattern="YYYY-MM-<force>-street.csv",
    formats=("csv",),
    notes=(
        "ASB rows have a blank `Crime ID` and outcome.",
        "Repeated non-blank `Crime ID`s occur in published files: they are kept and counted "
        "as published, and reported as a warning.",
        "Rows with no `LSOA code` (`No Location`) are kept and reported as a warning.",
    ),
)
