"""``csp build`` / ``make build``: run the whole pipeline once, in this process, and exit.

1. Ingest: every file of ``$CSP_LANDING_DIR/<source>/`` that loads (``ingest.landing``'s
   rule), through the ingest library, in name order; each load is recorded in ``raw._loads``
   and, as a materialisation of ``raw/<source>`` for its months, in the Dagster instance.
2. ``build_and_publish_job`` in Dagster: dbt build (tests as asset checks), then publish the
   serving file (skipped when dbt failed), refresh Superset (``superset_dashboards``:
   "Superset not running: skipped" when it is down) and the dbt docs site (``dbt_docs``).
3. A summary read from the load log (``raw._loads``) and the job's result; exit 1 if anything
   failed (a rejected file, a dbt model or test, the publish, a running Superset that could
   not be refreshed), else 0.

Demo data is not the product's business: ``make build`` writes it into an empty landing
folder first (``python -m demo``). Runs use ``$DAGSTER_HOME``'s instance when it is set,
``$CSP_DATA_DIR/.dagster`` with ``--persist`` (so ``dagster dev`` with that ``DAGSTER_HOME``
shows them), else an ephemeral instance. ``-v`` shows Dagster's and dbt's full logs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.load import LoadResult

DAGSTER_YAML = """\
# Written by orchestration/build.py for the in-process build.
telemetry:
  enabled: false
"""


@dataclass
class BuildSummary:
    files: list[LoadResult] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)
    ingest_failures: list[str] = field(default_factory=list)
    dbt_materialized: int = 0
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    build_failures: list[str] = field(default_factory=list)
    serving_path: Path | None = None
    serving_rows: dict[str, int] = field(default_factory=dict)
    superset: str | None = None
    docs: str | None = None
    elapsed: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

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
        lines.append(
            f"files: {self.count('loaded')} loaded, {self.count('skipped_duplicate')} skipped "
            f"(already loaded), {self.count('rejected')} rejected; "
            f"{sum(f.rows_loaded for f in self.files)} rows loaded"
        )
        for f in self.files:
            if f.status == "rejected":
                lines.append(f"  REJECTED {f.source}/{f.file_name}: " + "; ".join(f.errors))
        lines += [f"  {message}" for message in self.not_loaded]
        lines += [f"  ingest failed: {message}" for message in self.ingest_failures]
        lines.append(
            f"dbt: {self.dbt_materialized} assets materialised, checks {self.checks_passed} "
            f"passed, {len(self.checks_failed)} failed"
            + (f", {len(self.checks_warned)} warned" if self.checks_warned else "")
        )
        lines += [f"  FAILED check {check}" for check in self.checks_failed]
        lines += [f"  warning: check {c} failed (severity warn)" for c in self.checks_warned]
        lines += [f"  build failed: {message}" for message in self.build_failures]
        if self.serving_path is not None:
            rows = ", ".join(f"{t} {n}" for t, n in self.serving_rows.items())
            lines.append(f"serving: {self.serving_path} ({rows})")
        else:
            lines.append("serving: NOT published (the previous serving file, if any, is kept)")
        if self.superset is not None:
            lines.append(f"superset: {self.superset}")
        if self.docs is not None:
            lines.append(f"dbt docs: {self.docs}")
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        lines.append(f"elapsed: {self.elapsed:.1f} s" + (f" ({phases})" if phases else ""))
        lines.append("result: " + ("OK" if self.ok else "FAILED"))
        return "\n".join(lines)


def _instance(data_dir: Path, persist: bool):
    """``$DAGSTER_HOME``'s instance if set; with ``persist``, one in
    ``$CSP_DATA_DIR/.dagster`` (created); else an ephemeral in-memory instance (fastest)."""
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


def _run_config(verbose: bool) -> dict[str, Any]:
    level = "DEBUG" if verbose else "WARNING"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def run_ingest(settings: Settings, summary: BuildSummary, instance: Any) -> None:
    """Load the landing folder with the ingest library; record what was loaded."""
    import dagster as dg

    from ingest.contracts import CONTRACTS
    from ingest.landing import ignored_files, landing_files, source_folders
    from ingest.load import load_landing, read_load_log
    from orchestration.defs.common import MONTHLY_PARTITIONS, month_to_partition_key

    landing = Path(settings.landing_dir)
    for folder in source_folders(landing):
        if folder not in CONTRACTS:
            summary.not_loaded.append(
                f"not loaded: {landing / folder} (no ingest contract for {folder!r} yet)"
            )
    for source in CONTRACTS:
        for path, reason in ignored_files(landing, source):
            summary.not_loaded.append(f"{source}/{path.name}: {reason}")
        files = landing_files(landing, source)
        if files:
            print(f"ingest {source}: {len(files)} file(s)", flush=True)
    log = read_load_log(settings.warehouse_path)
    before = max((r.batch_id or 0 for r in log), default=0)
    try:
        load_landing(settings)
    except Exception as exc:  # noqa: BLE001 - report it; nothing of a failed file is written
        summary.ingest_failures.append(f"{type(exc).__name__}: {exc}")
    summary.files = read_load_log(settings.warehouse_path, before)
    partitions = set(MONTHLY_PARTITIONS.get_partition_keys())
    for f in summary.files:
        if f.status != "loaded":
            continue
        for month in f.periods:
            key = month_to_partition_key(month)
            if key not in partitions:
                continue
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    asset_key=["raw", f.source],
                    partition=key,
                    description=f"loaded by csp build from {f.file_name}",
                    metadata={"file": f.file_name, "rows_loaded": f.rows_loaded},
                )
            )


def _failure_text(event: Any) -> str:
    data = event.step_failure_data
    text = data.user_failure_data.description if data.user_failure_data else None
    if not text and data.error is not None:
        text = data.error.message.strip()
    return f"{event.step_key}: {text}"


def run_build_and_publish(
    defs: Any, instance: Any, summary: BuildSummary, verbose: bool = False
) -> None:
    from dagster import AssetCheckSeverity

    from orchestration.defs.common import BUILD_JOB, DOCS_ASSET, SUPERSET_ASSET

    print("dbt build and publish", flush=True)
    job = defs.resolve_job_def(BUILD_JOB)
    result = job.execute_in_process(
        run_config=_run_config(verbose),
        instance=instance,
        tags={"csp/trigger": "orchestration.build"},
        raise_on_error=False,
    )
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        key = materialization.asset_key.to_user_string()
        metadata = materialization.metadata
        if key == "serving":
            summary.serving_path = Path(metadata["path"].value)
            summary.serving_rows = dict(metadata["row_counts"].value)
        elif key == SUPERSET_ASSET:
            summary.superset = str(metadata["result"].value)
        elif key == DOCS_ASSET:
            summary.docs = str(metadata["path"].value)
        else:
            summary.dbt_materialized += 1
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            summary.checks_passed += 1
        elif evaluation.severity == AssetCheckSeverity.WARN:
            summary.checks_warned.append(name)
        else:
            summary.checks_failed.append(name)
    for event in result.get_step_failure_events():
        text = _failure_text(event)
        if DOCS_ASSET in event.step_key:
            summary.docs = f"not generated ({text})"  # the publish before it stands
        else:
            summary.build_failures.append(text)
    if not result.success and not summary.build_failures and summary.serving_path is None:
        summary.build_failures.append(f"{BUILD_JOB} failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="csp build",
        description="Load every landing file, dbt build, publish the serving file (in-process).",
    )
    parser.add_argument(
        "--persist",
        action="store_true",
        help="record the runs in the Dagster instance at $CSP_DATA_DIR/.dagster "
        "(default: $DAGSTER_HOME if set, else an ephemeral instance)",
    )
    parser.add_argument(
        "--if-unpublished",
        action="store_true",
        help="do nothing when a serving file is already published (make up)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show Dagster's and dbt's full logs"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    summary = BuildSummary()
    settings = Settings.from_env()
    if args.if_unpublished and Path(settings.serving_path).is_file():
        print(f"serving file {settings.serving_path} is published: not rebuilding")
        return 0
    # dbt's profile reads CSP_WAREHOUSE_PATH; give it the absolute path ingest writes.
    os.environ["CSP_WAREHOUSE_PATH"] = str(Path(settings.warehouse_path).resolve())

    from orchestration.definitions import defs as load_defs

    defs = load_defs()
    with _instance(Path(settings.data_dir), args.persist) as instance:
        phase = time.monotonic()
        run_ingest(settings, summary, instance)
        summary.timings["ingest"] = time.monotonic() - phase
        phase = time.monotonic()
        run_build_and_publish(defs, instance, summary, args.verbose)
        summary.timings["dbt build and publish"] = time.monotonic() - phase
    summary.elapsed = time.monotonic() - started
    print(summary.render(), flush=True)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
