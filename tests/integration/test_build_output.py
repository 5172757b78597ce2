"""The build's output for people, piece by piece (no dbt run): the dbt progress lines, the
failures read from ``run_results.json``, and the summary."""

from __future__ import annotations

from pathlib import Path

from orchestration.build import BuildSummary, dbt_log_path
from orchestration.defs.dbt.assets import DbtProgress, describe_failures, summarize_run_results

RUN_RESULTS = {
    "results": [
        {"unique_id": "seed.csp_warehouse.areas", "status": "success", "message": "INSERT 9"},
        {"unique_id": "model.csp_warehouse.stg_a", "status": "success", "message": "OK"},
        {
            "unique_id": "model.csp_warehouse.stg_b",
            "status": "error",
            "message": (
                "Runtime Error in model stg_b (models/staging/stg_b.sql)\n"
                '  Binder Error: Referenced column "context" not found in FROM clause!\n'
                '  Candidate bindings: "month"\n\n'
                "  LINE 45:         context\n"
                "  a fifth line that is not shown\n"
            ),
        },
        {
            "unique_id": "test.csp_warehouse.not_null_stg_a_id.0a1b2c",
            "status": "fail",
            "message": "Got 1 result, configured to fail if != 0",
        },
        {"unique_id": "test.csp_warehouse.unique_stg_a_id.3d4e5f", "status": "pass"},
        {"unique_id": "unit_test.csp_warehouse.stg_a.case_one", "status": "pass"},
        {"unique_id": "test.csp_warehouse.accepted_stg_a_x.999", "status": "warn"},
        {"unique_id": "model.csp_warehouse.scorecard", "status": "skipped"},
    ]
}
MANIFEST = {
    "nodes": {"test.csp_warehouse.not_null_stg_a_id.0a1b2c": {"name": "not_null_stg_a_id"}},
    "unit_tests": {
        "unit_test.csp_warehouse.stg_a.case_one": {"name": "case_one", "model": "stg_a"}
    },
}


def test_run_results_give_counts_and_the_failing_nodes_with_their_first_error_lines():
    counts, failures = summarize_run_results(RUN_RESULTS, MANIFEST)
    assert counts == {"built": 2, "tests_passed": 2, "failed": 2, "warned": 1, "skipped": 1}
    assert describe_failures(failures) == [
        "model stg_b (error): Runtime Error (models/staging/stg_b.sql)",
        '    Binder Error: Referenced column "context" not found in FROM clause!',
        '    Candidate bindings: "month"',
        "    LINE 45:         context",
        "test not_null_stg_a_id (fail): Got 1 result, configured to fail if != 0",
    ]


def test_many_failures_are_counted_beyond_the_first_ten():
    results = {
        "results": [
            {"unique_id": f"test.p.t{i}.x", "status": "fail", "message": "Got 1 result"}
            for i in range(13)
        ]
    }
    lines = describe_failures(summarize_run_results(results)[1])
    assert len(lines) == 11 and lines[-1] == "... and 3 more failing nodes"


def _event(name: str, index: int, total: int) -> dict:
    key = "num_models" if name == "LogTestResult" else "total"
    return {"info": {"name": name}, "data": {"index": index, key: total}}


def test_dbt_progress_reports_each_quarter_once_then_the_counts():
    lines: list[str] = []
    progress = DbtProgress(lines.append)
    progress.add({"info": {"name": "LogStartLine"}, "data": {"index": 1, "total": 8}})
    for i in range(1, 9):
        name = ("LogSeedResult", "LogModelResult", "LogTestResult", "SkippingDetails")[i % 4]
        progress.add(_event(name, i, 8))
    progress.finish({"built": 3, "tests_passed": 2, "failed": 1, "warned": 0, "skipped": 2})
    assert [line.split(" (")[0] for line in lines[:3]] == [
        "dbt: 2 of 8 nodes done",
        "dbt: 4 of 8 nodes done",
        "dbt: 6 of 8 nodes done",
    ]
    assert lines[3].startswith("dbt: 8 of 8 nodes done in ")
    assert lines[3].endswith(
        ": 3 models and seeds built, 2 tests passed, 1 failed, 0 warned, 2 skipped"
    )
    assert len(lines) == 4


def test_summary_names_dbt_failures_once_and_where_the_log_is(tmp_path: Path):
    log = dbt_log_path(tmp_path)
    assert log.parent == tmp_path.resolve() / "logs" and log.name.startswith("dbt-")
    summary = BuildSummary(
        checks_failed=["stg_a:not_null_stg_a_id", "stg_c:unique_stg_c_id"],
        dbt_failures=describe_failures(summarize_run_results(RUN_RESULTS, MANIFEST)[1]),
        dbt_skipped=1,
        dbt_log=log,
        no_contract=["cctv_incidents"],
        landing_dir=tmp_path / "landing",
        not_loaded=[f"police_street/notes-{i}.txt: not a data file" for i in range(12)],
    )
    lines = summary.render().splitlines()
    assert "  FAILED model stg_b (error): Runtime Error (models/staging/stg_b.sql)" in lines
    assert "  FAILED test not_null_stg_a_id (fail): Got 1 result, configured to fail if != 0" in (
        lines
    )
    # the failing check the dbt failures already describe is not listed twice
    assert [line for line in lines if line.startswith("  FAILED check")] == [
        "  FAILED check stg_c:unique_stg_c_id"
    ]
    assert "  skipped: 1 models and tests after the failure" in lines
    assert f"dbt log: {log}" in lines
    assert (
        f"  not loaded, no ingest contract yet: 1 folder(s) of {tmp_path / 'landing'}: "
        "cctv_incidents"
    ) in lines
    assert "  ... and 2 more files not loaded" in lines
    assert lines[-1] == "result: FAILED"
