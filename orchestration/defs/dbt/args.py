"""The dbt command line the dbt assets run (a pure function, unit-tested)."""

from __future__ import annotations


def dbt_build_args(target: str | None = None) -> list[str]:
    """Arguments of the ``dbt`` call of a build: ``build`` over the whole project (seeds,
    models, unit and data tests in DAG order, after the catalogue check of on-run-start);
    ``target`` picks a ``profiles.yml`` target (None or empty keeps the profile's default)."""
    return ["build", "--target", target] if target else ["build"]
