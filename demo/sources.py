"""The sources the demo writes: every source name, and the header of each file.

This is the one module of the demo that spells a source's name; the rest of the demo uses
the constants below. Every source takes its header from its ingest contract
(`ingest.contracts`), so a change in the contract changes the demo's files.
"""

from __future__ import annotations

import pandas as pd

from ingest.contracts import CONTRACTS, get_contract

POLICE_STREET = "police_street"
POLICE_CRIME = "police_crime"
ONS_CSP_CRIME = "ons_csp_crime"
DV_INCIDENTS = "dv_incidents"
MARAC_CASES = "marac_cases"
FIRE_INCIDENTS = "fire_incidents"
ASB_COUNCIL = "asb_council"
TREATMENT_EPISODES = "treatment_episodes"
COURT_ORDERS = "court_orders"
NDTMS_VIEWIT = "ndtms_viewit"
PROBATION_EVENTS = "probation_events"
IOM_COHORT = "iom_cohort"
IOM_CONVICTIONS = "iom_convictions"
INDICATOR_RETURNS = "indicator_returns"

#: Every source the demo writes, in the manifest's order.
SOURCES: list[str] = [
    POLICE_STREET,
    ONS_CSP_CRIME,
    POLICE_CRIME,
    DV_INCIDENTS,
    MARAC_CASES,
    FIRE_INCIDENTS,
    ASB_COUNCIL,
    TREATMENT_EPISODES,
    COURT_ORDERS,
    NDTMS_VIEWIT,
    PROBATION_EVENTS,
    IOM_COHORT,
    IOM_CONVICTIONS,
    INDICATOR_RETURNS,
]


def headers(source: str) -> tuple[str, ...]:
    """The header row of the source's files: its contract's headers."""
    if source not in CONTRACTS:
        raise KeyError(f"demo source {source!r} has no ingest contract")
    return get_contract(source).headers


def file_frame(source: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of one file of `source`: exactly `headers(source)`, in that order.

    Columns are looked up by name: for a contracted source by the contract column's `name`
    (its `header` is what the file shows, e.g. `crime_id` -> `Crime ID`) and other columns
    of `frame` are ignored; a contract column the demo does not model is written blank
    unless it is required (then it is an error: the demo must learn to fill it).
    """
    headers(source)  # every demo source has a contract
    contract = get_contract(source)
    absent = [c for c in contract.columns if c.name not in frame.columns]
    required = [c.name for c in absent if c.required]
    if required:
        raise ValueError(
            f"the demo does not fill required column(s) {required} of the {source} "
            "contract: add them to the demo"
        )
    if absent:
        frame = frame.assign(**{c.name: "" for c in absent})
    out = frame[list(contract.column_names)]
    return out.set_axis(list(contract.headers), axis=1)
