"""Columns several contracts share, defined once."""

from __future__ import annotations

from ingest.contracts.base import Column


def csp_code_column() -> Column:
    """The CSP a partner's file is for: its scope, checked against seeds/areas.csv."""
    return Column(
        "csp_code",
        "csp_code",
        required=True,
        pattern=r"[EW][0-9]{8}",
        pattern_hint="ONS community safety partnership code, e.g. E22000307",
        reference=("areas.csv", "csp_code"),
        description="ONS code of the community safety partnership; must be a CSP of "
        "seeds/areas.csv. The file's scope: one file per CSP and month.",
    )
