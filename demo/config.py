"""Fixed parameters of the demo data: areas, forces and base volumes.

Volumes are per month at `scale=1.0` for an area the size of Milton Keynes; other CSPs
are scaled by their population (seeds/population.csv) unless given explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Force:
    code: str
    slug: str  # file-name slug, as data.police.uk names its files
    police_uk_name: str
    ref_prefix: str  # crime_ref prefix


@dataclass(frozen=True)
class DemoCsp:
    code: str
    name: str
    slug: str
    force_code: str
    crimes_per_month: float | None = None  # None: scaled from Milton Keynes by population
    asb_per_month: float | None = None


FORCES = {
    "E23000029": Force("E23000029", "thames-valley", "Thames Valley Police", "TVP"),
    "E23000032": Force("E23000032", "kent", "Kent Police", "KNT"),
}

# The two CSPs the demo models, then the peers (all real CSPs with real LSOAs in seeds/areas.csv).
CSPS = [
    DemoCsp("E22000307", "Milton Keynes", "milton-keynes", "E23000029", 1700, 500),
    DemoCsp("E22000143", "Medway", "medway", "E23000032", 1800, 550),
    DemoCsp("E22000309", "Reading", "reading", "E23000029"),
    DemoCsp("E22000310", "Slough", "slough", "E23000029"),
    DemoCsp("E22000142", "Maidstone", "maidstone", "E23000032"),
]
REFERENCE_CSP = "E22000307"  # the volumes below are for an area of this population

DEFAULT_START = "2023-04"
DEFAULT_END = "2026-09"
DEFAULT_SEED = 20240401

# Most Similar Group for the ONS peer table: CIPFA nearest neighbours of the real lookup
# (realdata/lookups/trafford_cipfa_nearest_neighbours_2021.csv) by CSP17 code, plus the demo
# CSPs. Populations of CSPs not in seeds/population.csv are demo values.
MSG_CSPS = {
    # csp_code: (name, approximate population used only for synthetic peer counts);
    # codes from realdata/lookups/LAD17_CSP17_PFA17_lookup_EW_v2.csv
    "E22000350": ("Swindon", 222000),
    "E22000026": ("Warrington", 210000),
    "E22000339": ("Solihull", 216000),
    "E22000006": ("South Gloucestershire", 285000),
    "E22000105": ("Stockport", 293000),
    "E22000371": ("City of York", 208000),
    "E22000009": ("Bedford", 173000),
    "E22000355": ("Cheshire West and Chester", 343000),
    "E22000091": ("Thurrock", 172000),
    "E22000100": ("Bury", 190000),
    "E22000040": ("Derby", 257000),
    "E22000017": ("Peterborough", 202000),
}
