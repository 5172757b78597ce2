"""The dbt command line the dbt assets run (a pure function, unit-tested)."""

from __future__ import annotations


def dbt_build_args(target: str | None = None, unit_tests: bool = True) -> list[str]:
    """Arguments of the ``dbt`` call of a build: ``build`` over the whole project (seeds,
    models, unit and data tests in DAG order, after the catalogue check of on-run-start);
    ``target`` picks a ``profiles.yml`` target (None or empty keeps the profile's default);
    ``unit_tests=False`` leaves out the unit tests (given rows, expected rows: their result
    depends on the code alone, so a build whose code is that of the last good build need not
    run them again)."""
    args = ["build", "--target", target] if target else ["build"]
    return args if unit_tests else [*args, "--exclude-resource-type", "unit_test"]
