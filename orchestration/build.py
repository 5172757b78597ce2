"""``python -m orchestration.build``: run the whole graph once, in-process (``make build``).

1. If the landing folder has no files, generate the demo extracts into it
   (``ingest.demo.generate``; demo mode is switched on when no pseudonym key is set).
2. Ingest: for each source, each run of consecutive months present in
   ``$CSP_LANDING_DIR/<source>/`` is loaded by one single-run backfill of ``raw/<source>``.
3. ``build_and_publish_job``: dbt build (tests as asset checks), then publish the serving
   file (skipped when dbt failed), then refresh Superset (``superset_dashboards``: "Superset
   not running: skipped" when it is down).
4. Print a summary; exit 1 if anything failed (a rejected file, a dbt model or test
   failure, a publish failure, a running Superset that could not be refreshed), else 0.

Runs use ``$DAGSTER_HOME``'s instance when it is set, ``$CSP_DATA_DIR/.dagster`` with
``--persist`` (so ``dagster dev`` with that ``DAGSTER_HOME`` shows the build's runs), else
an ephemeral instance. ``-v`` shows Dagster's full logs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DAGSTER_YAML = """\
# Written by orchestration/build.py for the in-process build.
telemetry:
  enabled: false
"""


@dataclass
class BuildSummary:
    files: list[dict[str, Any]] = field(default_factory=list)
    ingest_failures: list[str] = field(default_factory=list)
    dbt_materialized: int = 0
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    build_failures: list[str] = field(default_factory=list)
    serving_path: Path | None = None
    serving_rows: dict[str, int] = field(default_factory=dict)
    superset: str | None = None
    demo_generated: bool = False
    elapsed: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f["status"] == status)

    @property
    def ok(self) -> bool:
        return not (
            self.ingest_failures
            or self.count("rejected")
            or self.checks_failed
            or self.build_failures
            or self.serving_path is None
        )

    def render(self) -> str:
        lines = ["", "== csp build summary =="]
        if self.demo_generated:
            lines.append("demo data generated into the empty landing folder")
        lines.append(
            f"files: {self.count('loaded')} loaded, {self.count('skipped_duplicate')} skipped "
            f"(already loaded), {self.count('rejected')} rejected; "
            f"{sum(f['rows_loaded'] for f in self.files)} rows loaded"
        )
        for f in self.files:
            if f["status"] == "rejected":
                lines.append(f"  REJECTED {f['source']}/{f['file']}: " + "; ".join(f["errors"]))
        for message in self.ingest_failures:
            lines.append(f"  ingest failed: {message}")
        lines.append(
            f"dbt: {self.dbt_materialized} assets materialised, checks {self.checks_passed} "
            f"passed, {len(self.checks_failed)} failed"
        )
        for check in self.checks_failed:
            lines.append(f"  FAILED check {check}")
        for message in self.build_failures:
            lines.append(f"  build failed: {message}")
        if self.serving_path is not None:
            rows = ", ".join(f"{t} {n}" for t, n in self.serving_rows.items())
            lines.append(f"serving: {self.serving_path} ({rows})")
        else:
            lines.append("serving: NOT published (the previous serving file, if any, is kept)")
        if self.superset is not None:
            lines.append(f"superset: {self.superset}")
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        lines.append(f"elapsed: {self.elapsed:.1f} s" + (f" ({phases})" if phases else ""))
        lines.append("result: " + ("OK" if self.ok else "FAILED"))
        return "\n".join(lines)


def _landing_is_empty(landing_dir: Path) -> bool:
    from orchestration.defs.ingest.landing import is_landing_file

    if not landing_dir.is_dir():
        return True
    return not any(is_landing_file(p) for p in landing_dir.rglob("*"))


def _instance(data_dir: Path, persist: bool):
    """``$DAGSTER_HOME``'s instance if set; with ``persist``, one in
    ``$CSP_DATA_DIR/.dagster`` (created; ``dagster dev`` with that DAGSTER_HOME shows the
    build's runs); else an ephemeral in-memory instance (fastest)."""
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        return DagsterInstance.get()
    if not persist:
        return DagsterInstance.ephemeral()
    home = (data_dir / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return DagsterInstance.from_config(str(home))


def _step_failures(result: Any) -> list[str]:
    messages = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data
            text = data.user_failure_data.description if data.user_failure_data else None
            if not text and data.error is not None:
                text = data.error.message.strip()
            messages.append(f"{event.step_key}: {text}")
    return messages


def _file_rows(result: Any, source: str) -> list[dict[str, Any]]:
    """Per-file load results from the ingest asset's materialisation or failure metadata."""
    rows: list[dict[str, Any]] = []
    for event in result.all_events:
        metadata = None
        if event.event_type_value == "ASSET_MATERIALIZATION":
            metadata = event.materialization.metadata
        elif event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data.user_failure_data
            metadata = data.metadata if data else None
        if metadata and "files" in metadata:
            for row in metadata["files"].value:
                rows.append({**row, "source": source})
    # a single run over a partition range emits one materialisation per partition
    unique = {(r["file"], r["status"], r["batch_id"]): r for r in rows}
    return list(unique.values())


def _run_config(verbose: bool) -> dict[str, Any]:
    level = "DEBUG" if verbose else "WARNING"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def run_ingest(
    defs: Any, instance: Any, landing_dir: Path, summary: BuildSummary, verbose: bool = False
) -> None:
    from dagster import AssetKey
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from orchestration.defs.common import INGEST_JOB, month_to_partition_key
    from orchestration.defs.ingest.assets import ingest_sources, is_monthly
    from orchestration.defs.ingest.landing import (
        contiguous_month_ranges,
        landing_files,
        months_present,
    )

    monthly_job = defs.resolve_job_def(INGEST_JOB)
    known = set(ingest_sources())
    if landing_dir.is_dir():
        for folder in sorted(p for p in landing_dir.iterdir() if p.is_dir()):
            if folder.name not in known and not folder.name.startswith("."):
                print(f"not loaded: {folder} (no ingest contract for {folder.name!r} yet)")
    for source, contract in ingest_sources().items():
        key = AssetKey(["raw", source])
        if not landing_files(landing_dir, source):
            continue
        if is_monthly(contract):
            undated = [p.name for p in landing_files(landing_dir, source) if not _dated(p.name)]
            for name in undated:
                summary.ingest_failures.append(f"{source}/{name}: no YYYY-MM- prefix, not loaded")
            for first, last in contiguous_month_ranges(months_present(landing_dir, source)):
                print(f"ingest {source} {first}..{last}", flush=True)
                tags = {
                    ASSET_PARTITION_RANGE_START_TAG: month_to_partition_key(first),
                    ASSET_PARTITION_RANGE_END_TAG: month_to_partition_key(last),
                    "csp/trigger": "orchestration.build",
                }
                result = monthly_job.execute_in_process(
                    run_config=_run_config(verbose),
                    instance=instance,
                    asset_selection=[key],
                    tags=tags,
                    raise_on_error=False,
                )
                summary.files += _file_rows(result, source)
                if not result.success:
                    failures = _step_failures(result)
                    if not any(f["status"] == "rejected" for f in _file_rows(result, source)):
                        summary.ingest_failures += failures or [f"{source} {first}..{last}"]
        else:
            print(f"ingest {source}", flush=True)
            job = defs.resolve_job_def("ingest_unpartitioned_job")
            result = job.execute_in_process(
                run_config=_run_config(verbose),
                instance=instance,
                asset_selection=[key],
                raise_on_error=False,
            )
            summary.files += _file_rows(result, source)
            if not result.success and not any(
                f["status"] == "rejected" for f in _file_rows(result, source)
            ):
                summary.ingest_failures += _step_failures(result) or [source]


def _dated(name: str) -> bool:
    from orchestration.defs.ingest.landing import file_month

    return file_month(name) is not None


def run_build_and_publish(
    defs: Any, instance: Any, summary: BuildSummary, verbose: bool = False
) -> None:
    from orchestration.defs.common import BUILD_JOB, SUPERSET_ASSET

    print("dbt build and publish", flush=True)
    job = defs.resolve_job_def(BUILD_JOB)
    result = job.execute_in_process(
        run_config=_run_config(verbose),
        instance=instance,
        tags={"csp/trigger": "orchestration.build"},
        raise_on_error=False,
    )
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.materialization
            if materialization.asset_key.path == ["serving"]:
                metadata = materialization.metadata
                summary.serving_path = Path(metadata["path"].value)
                summary.serving_rows = dict(metadata["row_counts"].value)
            elif materialization.asset_key.path == [SUPERSET_ASSET]:
                summary.superset = str(materialization.metadata["result"].value)
            else:
                summary.dbt_materialized += 1
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed:
                summary.checks_passed += 1
            else:
                name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                severity = getattr(evaluation.severity, "value", evaluation.severity)
                if str(severity).upper() == "WARN":
                    print(f"warning: check {name} failed (severity warn)")
                else:
                    summary.checks_failed.append(name)
    if not result.success:
        summary.build_failures += _step_failures(result) or ["build_and_publish_job failed"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.build",
        description="Load every landing file, dbt build, publish the serving file (in-process).",
    )
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="do not generate demo data when the landing folder is empty",
    )
    parser.add_argument(
        "--persist",
        action="store_true",
        help="record the runs in the Dagster instance at $CSP_DATA_DIR/.dagster "
        "(default: $DAGSTER_HOME if set, else an ephemeral instance)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show Dagster's and dbt's full logs"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    summary = BuildSummary()

    from ingest.config import Settings

    settings = Settings.from_env()
    landing_dir = Path(settings.landing_dir)
    if _landing_is_empty(landing_dir):
        if args.no_demo:
            print(f"landing folder {landing_dir} is empty: nothing to build", file=sys.stderr)
            return 1
        if not settings.pseudonym_key and not settings.demo:
            os.environ["CSP_DEMO"] = "1"
            print("no CSP_PSEUDONYM_KEY and an empty landing folder: demo mode (CSP_DEMO=1)")
        from demo import generate

        print(f"landing folder {landing_dir} is empty: generating demo data", flush=True)
        landing_dir.mkdir(parents=True, exist_ok=True)
        phase = time.monotonic()
        generate(landing_dir)
        summary.timings["demo data"] = time.monotonic() - phase
        summary.demo_generated = True
        settings = Settings.from_env()

    # dbt's profile reads CSP_WAREHOUSE_PATH; give it the absolute path ingest writes.
    os.environ["CSP_WAREHOUSE_PATH"] = str(Path(settings.warehouse_path).resolve())

    from orchestration.definitions import defs as load_defs

    defs = load_defs()
    with _instance(Path(settings.data_dir), args.persist) as instance:
        phase = time.monotonic()
        run_ingest(defs, instance, landing_dir, summary, args.verbose)
        summary.timings["ingest"] = time.monotonic() - phase
        phase = time.monotonic()
        run_build_and_publish(defs, instance, summary, args.verbose)
        summary.timings["dbt build and publish"] = time.monotonic() - phase
    summary.elapsed = time.monotonic() - started
    print(summary.render(), flush=True)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
