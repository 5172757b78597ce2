"""The dbt command line of the dbt assets (a pure function)."""

import json

import pytest

from orchestration.defs.dbt.args import dbt_build_args


def test_whole_build_is_plain_dbt_build():
    assert dbt_build_args(None) == ["build"]


def test_target_is_passed_through():
    assert dbt_build_args(None, target="ci") == ["build", "--target", "ci"]


def test_partition_key_becomes_period_month_var():
    args = dbt_build_args("2024-03-01")
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"period_month": "2024-03"}


def test_partition_and_target():
    args = dbt_build_args("2019-12-01", target="prod")
    assert args[:3] == ["build", "--target", "prod"]
    assert args[3] == "--vars"
    assert json.loads(args[4]) == {"period_month": "2019-12"}


def test_empty_target_and_key_are_ignored():
    assert dbt_build_args("", target="") == ["build"]


@pytest.mark.parametrize("bad", ["2024", "March 2024", "2024/03/01"])
def test_bad_partition_key_is_refused(bad):
    with pytest.raises(ValueError, match="monthly partition key"):
        dbt_build_args(bad)
