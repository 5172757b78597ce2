"""Incidents attended by the fire and rescue service: one incident."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract
from ingest.contracts.common import csp_code_column

#: Home Office fire incident types (fires and false alarms).
INCIDENT_TYPES = (
    "primary fire",
    "secondary fire",
    "chimney fire",
    "false alarm malicious",
    "false alarm good intent",
    "false alarm apparatus",
)
MOTIVES = ("deliberate", "accidental", "not known")
PROPERTY_TYPES = (
    "dwelling",
    "other residential",
    "non-residential",
    "road vehicle",
    "outdoor structure",
    "grassland / woodland",
    "refuse",
    "other outdoor",
)

CONTRACT = Contract(
    name="fire_incidents",
    title="Fire and rescue incidents (fire and rescue service)",
    description=(
        "One row per incident the fire and rescue service attended (fires and false alarms), "
        "for one CSP and month: `<YYYY-MM>-<csp-slug>-fire-incidents.csv`, UTF-8 (or XLSX), "
        "header row, columns in any order."
    ),
    publisher="Fire and rescue service",
    columns=(
        Column(
            "incident_ref",
            "incident_ref",
            required=True,
            unique=True,
            description="Incident reference; unique in the file (key).",
        ),
        Column(
            "incident_datetime",
            "incident_datetime",
            type="TIMESTAMP",
            required=True,
            description="Date and time of the call, `YYYY-MM-DD HH:MM:SS`; its "
            "month is the file's period.",
        ),
        csp_code_column(),
        Column(
            "incident_type",
            "incident_type",
            required=True,
            accepted=INCIDENT_TYPES,
            description="Type of incident: a fire (primary, secondary, chimney) or a false "
            "alarm (malicious, good intent, apparatus).",
        ),
        Column(
            "motive",
            "motive",
            required=True,
            accepted=MOTIVES,
            description="Whether the fire was started deliberately (a malicious false alarm is "
            "`deliberate`).",
        ),
        Column(
            "property_type",
            "property_type",
            required=True,
            accepted=PROPERTY_TYPES,
            description="Type of property involved.",
        ),
        Column(
            "lsoa_code",
            "lsoa_code",
            pattern=r"[EW]010[0-9]{5}",
            pattern_hint="2011 LSOA code E01xxxxxx / W01xxxxxx",
            warn_blank="rows with no LSOA code (location unknown, kept at CSP level)",
            description="2011 LSOA of the incident; blank = location unknown (kept at CSP level).",
        ),
    ),
    period_sql="strftime(incident_datetime, '%Y-%m')",
    period_description="`strftime(incident_datetime, '%Y-%m')` (month of the incident)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-fire-incidents.csv (restated: ...-fire-incidents.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
)
