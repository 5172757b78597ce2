"""One contract per source, in one place: `CONTRACTS` maps source name to Contract."""

from __future__ import annotations

from ingest.contracts import police_crime, police_street
from ingest.contracts.base import Column, Contract

CONTRACTS: dict[str, Contract] = {
    c.name: c for c in (police_street.CONTRACT, police_crime.CONTRACT)
}


class UnknownSourceError(KeyError):
    pass


def get_contract(source: str) -> Contract:
    try:
        return CONTRACTS[source]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise UnknownSourceError(f"unknown source {source!r} (known: {known})") from None


__all__ = ["CONTRACTS", "Column", "Contract", "UnknownSourceError", "get_contract"]
