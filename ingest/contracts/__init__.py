"""One contract per source, in one place: `CONTRACTS` maps source name to Contract.

Every module of this package (but `base` and `common`, the shared parts) defines one
`CONTRACT`; it is registered by being here, so a new source is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil

from ingest.contracts.base import Column, Contract


def _discover() -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if module in ("base", "common"):
            continue
        contract = importlib.import_module(f"{__name__}.{module}").CONTRACT
        if contract.name != module:
            raise ValueError(f"ingest/contracts/{module}.py defines the contract {contract.name!r}")
        found[contract.name] = contract
    return found


CONTRACTS: dict[str, Contract] = _discover()


class UnknownSourceError(KeyError):
    pass


def get_contract(source: str) -> Contract:
    try:
        return CONTRACTS[source]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise UnknownSourceError(f"unknown source {source!r} (known: {known})") from None


__all__ = ["CONTRACTS", "Column", "Contract", "UnknownSourceError", "get_contract"]
