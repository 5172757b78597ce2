"""Months loaded by ``csp build`` that are not Dagster partitions are said, never dropped."""

from pathlib import Path

import pytest

from ingest.load import LoadResult
from orchestration.build import BuildSummary, unpartitioned_lines
from orchestration.defs.common import MONTHLY_PARTITIONS, first_month


def _loaded(source: str, name: str, periods: list[str | None], status="loaded") -> LoadResult:
    return LoadResult(source=source, file_name=name, status=status, periods=periods)


def test_a_pre_2018_month_is_a_partition():
    keys = set(MONTHLY_PARTITIONS.get_partition_keys())
    files = [_loaded("police_street", "2016-03-kent-street.csv", ["2016-03"])]
    assert "2016-03-01" in keys
    assert unpartitioned_lines(files, keys) == []


def test_months_outside_the_partitions_are_reported_per_source():
    keys = set(MONTHLY_PARTITIONS.get_partition_keys())
    files = [
        _loaded("dv_incidents", "2019-01-dv.csv", ["1999-01", "2019-01", None]),
        _loaded("dv_incidents", "2019-02-dv.csv", ["1999-01", "2019-02"]),
        _loaded("police_street", "2009-12-kent-street.csv", ["2009-12"]),
        # a file not loaded (a duplicate) records nothing, so says nothing
        _loaded("marac_cases", "2001-01-marac.csv", ["2001-01"], status="skipped_duplicate"),
    ]
    lines = unpartitioned_lines(files, keys)
    first = f"{first_month()} to {sorted(keys)[-1][:7]}"
    assert lines == [
        f"raw/dv_incidents: 2 month(s) outside the Dagster partitions ({first}), loaded but "
        "recorded for no partition: 1999-01, no month (from 2 file(s): 2019-01-dv.csv, "
        "2019-02-dv.csv)",
        f"raw/police_street: 1 month(s) outside the Dagster partitions ({first}), loaded but "
        "recorded for no partition: 2009-12 (from 1 file(s): 2009-12-kent-street.csv)",
    ]
    summary = BuildSummary(files=files, unpartitioned=lines, serving_path=Path("s.duckdb"))
    assert f"  note: {lines[0]}" in summary.render().splitlines()
    assert summary.ok  # loaded and counted (dbt's unplaced_events), not a failure


def test_first_month_is_read_from_the_dbt_project(tmp_path, monkeypatch):
    from orchestration.defs import common

    (tmp_path / "dbt_project.yml").write_text("vars:\n  csp_first_month: '2009-04-01'\n")
    assert common.first_month(tmp_path) == "2009-04"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "dbt_project.yml").write_text("vars: {}\n")
    with pytest.raises(ValueError, match="csp_first_month"):
        common.first_month(tmp_path / "bad")
