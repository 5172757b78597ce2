"""Anti-social behaviour reports to the council: one report to the council's ASB /
environmental team."""

from __future__ import annotations

from ingest.contracts.base import Column, Contract
from ingest.contracts.common import csp_code_column

#: The council's ASB report categories.
CATEGORIES = (
    "noise",
    "nuisance neighbours",
    "fly-tipping",
    "graffiti",
    "abandoned vehicle",
    "dog fouling",
    "youth nuisance",
    "drug related",
    "vandalism",
)
CHANNELS = ("hotline", "online", "officer")
RISK_LEVELS = ("standard", "medium", "high")
SATISFACTION = ("satisfied", "not satisfied")

CONTRACT = Contract(
    name="asb_council",
    title="Anti-social behaviour reports (council ASB team)",
    description=(
        "One row per anti-social behaviour report made to the council's ASB / environmental "
        "team, for one CSP and month: `<YYYY-MM>-<csp-slug>-asb-council.csv`, UTF-8 (with or "
        "without BOM) or Windows-1252, CRLF or LF line ends (or XLSX), header row, columns in "
        "any order."
    ),
    publisher="Council ASB / environmental team",
    columns=(
        Column(
            "report_ref",
            "report_ref",
            required=True,
            unique=True,
            description="Report reference; unique in the file (key).",
        ),
        Column(
            "report_date",
            "report_date",
            type="DATE",
            required=True,
            description="Date the report was made, `YYYY-MM-DD`; its month is the file's period.",
        ),
        csp_code_column(),
        Column(
            "category",
            "category",
            required=True,
            accepted=CATEGORIES,
            description="What the report is about.",
        ),
        Column(
            "lsoa_code",
            "lsoa_code",
            pattern=r"[EW]010[0-9]{5}",
            pattern_hint="2011 LSOA code E01xxxxxx / W01xxxxxx",
            warn_blank="rows with no LSOA code (location unknown, kept at CSP level)",
            description="2011 LSOA of the report's location; blank = location unknown (kept at "
            "CSP level).",
        ),
        Column(
            "channel",
            "channel",
            required=True,
            accepted=CHANNELS,
            description="How the report was made: by the ASB hotline, online, or logged by a "
            "council officer.",
        ),
        Column(
            "caller_ref",
            "caller_ref",
            person=True,
            description=(
                "Caller identifier, the same for one person across the council's files (repeat "
                "callers): pseudonymised at load (HMAC-SHA256 hex), never stored in clear; "
                "blank for reports an officer logged."
            ),
        ),
        Column(
            "risk_level",
            "risk_level",
            required=True,
            accepted=RISK_LEVELS,
            description="Risk assessed when the report was taken.",
        ),
        Column(
            "satisfaction",
            "satisfaction",
            accepted=SATISFACTION,
            description="The caller's answer to the satisfaction survey; blank = not surveyed.",
        ),
    ),
    period_sql="strftime(report_date, '%Y-%m')",
    period_description="`strftime(report_date, '%Y-%m')` (month of the report)",
    scope_columns=("csp_code",),
    cadence="monthly",
    lag_days=35,
    file_pattern=(
        "<YYYY-MM>-<csp-slug>-asb-council.csv (restated: ...-asb-council.restated-<n>.csv)"
    ),
    formats=("csv", "xlsx"),
    notes=(
        "Councils restate a month when reports are logged late (fly-tipping reports from the "
        "clearance contractor are backdated): the restated file holds the whole month again.",
    ),
)
