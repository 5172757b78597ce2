"""The dbt command line of the dbt assets (a pure function)."""

from orchestration.defs.dbt.args import dbt_build_args


def test_whole_build_is_plain_dbt_build():
    assert dbt_build_args() == ["build"]


def test_target_is_passed_through():
    assert dbt_build_args(target="ci") == ["build", "--target", "ci"]


def test_empty_target_is_the_profiles_default():
    assert dbt_build_args("") == ["build"]
    assert dbt_build_args(None) == ["build"]


def test_unit_tests_can_be_left_out():
    assert dbt_build_args(unit_tests=False) == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args("ci", unit_tests=False) == [
        "build",
        "--target",
        "ci",
        "--exclude-resource-type",
        "unit_test",
    ]
