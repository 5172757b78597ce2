"""The dbt command line the dbt assets run (a pure function, unit-tested)."""

from __future__ import annotations

import json


def dbt_build_args(partition_key: str | None, target: str | None = None) -> list[str]:
    """Arguments of the ``dbt`` call for a build.

    ``partition_key`` is a monthly partition key (``"2024-03-01"``) or None for the whole
    build. With a key, the month is passed to dbt as ``--vars {"period_month": "2024-03"}``
    (models may use ``var('period_month', none)`` to limit an incremental rebuild); the
    selection is not narrowed, so tests still run over every model.
    ``target`` selects a ``profiles.yml`` target; None keeps the profile's default.
    """
    args = ["build"]
    if target:
        args += ["--target", target]
    if partition_key:
        month = partition_key[:7]
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            raise ValueError(f"not a monthly partition key: {partition_key!r}")
        args += ["--vars", json.dumps({"period_month": month})]
    return args
