"""``csp build`` / ``make build``: run the whole pipeline once, in this process, and exit.

1. Ingest: every file of ``$CSP_LANDING_DIR/<source>/`` that loads (``ingest.landing``'s
   rule), through the ingest library, in name order; each load is recorded in ``raw._loads``
   and, as a materialisation of ``raw/<source>`` for its months, in the Dagster instance.
2. ``build_and_publish_job`` in Dagster: dbt build (tests as asset checks), then publish the
   serving file (skipped when dbt failed), refresh Superset (``superset_dashboards``:
   "Superset not running: skipped" when it is down) and the dbt docs site (``dbt_docs``).
   When no file was loaded and nothing else changed since the last build that published
   without a failure (``orchestration.build_state``), the job is not run: the summary says
   so and reports what is published; ``--force`` runs it anyway. dbt works in
   ``$CSP_DATA_DIR/dbt_target/`` (the next build reuses its parse); the docs site is
   regenerated only when what it shows changed (``orchestration.defs.publish.docs``).
3. A summary read from the load log (``raw._loads``) and the job's result; exit 1 if anything
   failed (a rejected file, a dbt model or test, the publish, a running Superset that could
   not be refreshed), else 0. A failed dbt build names its failing models and tests with
   the first lines of their errors.

Output for people: one progress line per stage (ingest: per source, files and rows; dbt:
each quarter of its models, seeds and tests, then the counts; publish; Superset; docs), then
the summary. dbt's own log lines go to ``$CSP_DATA_DIR/logs/dbt-<UTC timestamp>.log``, whose
path the summary prints; Dagster's console log is off. ``-v`` streams Dagster's and dbt's
full logs as well (dbt's still also go to the file).

Demo data is not the product's business: ``make build`` writes it into an empty landing
folder first (``python -m demo``). Runs use ``$DAGSTER_HOME``'s instance when it is set
(writing ``orchestration/dagster.yaml`` there if it has no ``dagster.yaml``, as ``csp up``
does), ``$CSP_DATA_DIR/.dagster`` with ``--persist`` (so ``dagster dev`` with that
``DAGSTER_HOME`` shows them), else an ephemeral instance. The run of an earlier build that
was killed (``kill -9``) is marked failed and its warehouse pool slot freed first
(``release_dead_builds``), and a publish it left half-done is cleaned up by the publish.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.load import LoadResult

DAGSTER_YAML = """\
# Written by orchestration/build.py for the in-process build.
telemetry:
  enabled: false
"""
#: The instance settings ``csp up`` (``make up``) copies into ``$DAGSTER_HOME``.
DEPLOYMENT_DAGSTER_YAML = Path(__file__).resolve().parent / "dagster.yaml"
#: At most this many per-file lines (files not loaded) in the summary.
MAX_FILE_LINES = 10
#: At most this many months named per source when loaded months are not Dagster partitions.
MAX_UNPARTITIONED_MONTHS = 6
#: Run tags of a build's Dagster run: what started it, and the process that runs it.
TRIGGER_TAG, TRIGGER = "csp/trigger", "orchestration.build"
PID_TAG, HOST_TAG = "csp/pid", "csp/host"


def dbt_log_path(data_dir: Path, now: datetime | None = None) -> Path:
    """``$CSP_DATA_DIR/logs/dbt-<UTC timestamp>.log``: where a build's dbt log lines go."""
    now = now or datetime.now(UTC)
    return Path(data_dir).resolve() / "logs" / f"dbt-{now.strftime('%Y%m%dT%H%M%SZ')}.log"


#: A warned check's note is cut to this many characters in the summary (all of it is in
#: the Dagster UI's check history).
MAX_NOTE_CHARS = 400


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_NOTE_CHARS else text[: MAX_NOTE_CHARS - 3] + "..."


def _say(line: str) -> None:
    print(line, flush=True)


@dataclass
class BuildSummary:
    files: list[LoadResult] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)
    no_contract: list[str] = field(default_factory=list)
    landing_dir: Path | None = None
    ingest_failures: list[str] = field(default_factory=list)
    #: sources with loaded months that are no Dagster partition (``unpartitioned_lines``)
    unpartitioned: list[str] = field(default_factory=list)
    dbt_materialized: int = 0
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    #: what a warned check said (its description), by check
    check_notes: dict[str, str] = field(default_factory=dict)
    dbt_failures: list[str] = field(default_factory=list)
    dbt_skipped: int = 0
    dbt_log: Path | None = None
    build_failures: list[str] = field(default_factory=list)
    serving_path: Path | None = None
    serving_rows: dict[str, int] = field(default_factory=dict)
    serving_no_data: bool = False
    removed_leftovers: list[str] = field(default_factory=list)
    released_runs: list[str] = field(default_factory=list)
    superset: str | None = None
    docs: str | None = None
    #: when the last good build finished, if this one had nothing to build (dbt not run)
    nothing_new: str | None = None
    #: the sources whose new rows alone were built on (``orchestration.increment``), if so
    increment_sources: list[str] | None = None
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
            or self.dbt_failures
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
        per_file = [
            f"  REJECTED {f.source}/{f.file_name}: " + "; ".join(f.errors)
            for f in self.files
            if f.status == "rejected"
        ] + [f"  {message}" for message in self.not_loaded]
        lines += per_file[:MAX_FILE_LINES]
        if len(per_file) > MAX_FILE_LINES:
            lines.append(f"  ... and {len(per_file) - MAX_FILE_LINES} more files not loaded")
        if self.no_contract:
            lines.append(
                f"  not loaded, no ingest contract yet: {len(self.no_contract)} folder(s) of "
                f"{self.landing_dir}: " + ", ".join(self.no_contract)
            )
        lines += [f"  ingest failed: {message}" for message in self.ingest_failures]
        lines += [f"  note: {message}" for message in self.unpartitioned]
        if self.nothing_new is not None:
            lines.append(
                f"dbt: not run: nothing new since the build of {self.nothing_new} (no file "
                "loaded; the same dbt project, code, status day and configuration; the "
                "warehouse and the serving file untouched); `csp build --force` rebuilds"
            )
        else:
            lines.append(
                f"dbt: {self.dbt_materialized} assets materialised, checks "
                f"{self.checks_passed} passed, {len(self.checks_failed)} failed"
                + (f", {len(self.checks_warned)} warned" if self.checks_warned else "")
                + (
                    "; only those downstream of the new rows of "
                    + ", ".join(self.increment_sources)
                    if self.increment_sources is not None
                    else ""
                )
            )
        lines += [
            f"  {line}" if line.startswith((" ", "...")) else f"  FAILED {line}"
            for line in self.dbt_failures
        ]
        described = {line.split(" (", 1)[0].split()[-1] for line in self.dbt_failures if line}
        lines += [
            f"  FAILED check {check}"
            for check in self.checks_failed
            if check.rsplit(":", 1)[-1] not in described
        ]
        if self.dbt_skipped:
            lines.append(f"  skipped: {self.dbt_skipped} models and tests after the failure")
        lines += [
            f"  warning: check {c} failed (severity warn)"
            + (f": {_shorten(self.check_notes[c])}" if self.check_notes.get(c) else "")
            for c in self.checks_warned
        ]
        lines += [f"  build failed: {message}" for message in self.build_failures]
        if self.dbt_log is not None:
            lines.append(f"dbt log: {self.dbt_log}")
        if self.serving_path is not None:
            rows = ", ".join(f"{t} {n}" for t, n in self.serving_rows.items())
            lines.append(
                f"serving: {self.serving_path} ({rows})"
                + ("; no partner data yet: the scorecard is empty" if self.serving_no_data else "")
                + ("; unchanged, not published again" if self.nothing_new is not None else "")
            )
        else:
            lines.append("serving: NOT published (the previous serving file, if any, is kept)")
        if self.removed_leftovers:
            from orchestration.defs.publish.serving import leftovers_message

            lines.append(f"serving: {leftovers_message(self.removed_leftovers)}")
        if self.released_runs:
            lines.append(
                f"dagster: {len(self.released_runs)} run(s) of a build that died marked failed, "
                "their warehouse pool slots freed: " + ", ".join(self.released_runs)
            )
        if self.superset is not None:
            lines.append(f"superset: {self.superset}")
        if self.docs is not None:
            lines.append(f"dbt docs: {self.docs}")
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        lines.append(f"elapsed: {self.elapsed:.1f} s" + (f" ({phases})" if phases else ""))
        lines.append("result: " + ("OK" if self.ok else "FAILED"))
        return "\n".join(lines)


def _instance(data_dir: Path, persist: bool):
    """``$DAGSTER_HOME``'s instance if set (given ``csp up``'s ``dagster.yaml`` if it has
    none: its pool limits, no telemetry banner); with ``persist``, one in
    ``$CSP_DATA_DIR/.dagster`` (created); else an ephemeral in-memory instance (fastest)."""
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        home = Path(os.environ["DAGSTER_HOME"])
        home.mkdir(parents=True, exist_ok=True)
        config = home / "dagster.yaml"
        if not config.exists():
            config.write_text(
                DEPLOYMENT_DAGSTER_YAML.read_text()
                if DEPLOYMENT_DAGSTER_YAML.is_file()
                else DAGSTER_YAML
            )
        return DagsterInstance.get()
    if not persist:
        return DagsterInstance.ephemeral()
    home = (data_dir / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return DagsterInstance.from_config(str(home))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_builds(instance: Any) -> list[str]:
    """Mark failed the runs of earlier builds on this host whose process died (``kill -9``)
    before the run ended, and free the warehouse pool slots they hold: else, with the pool
    limits of ``orchestration/dagster.yaml``, this build would wait for them forever.
    Returns their run ids."""
    from dagster import DagsterRunStatus, RunsFilter

    released = []
    records = instance.get_run_records(
        RunsFilter(
            statuses=[
                DagsterRunStatus.NOT_STARTED,
                DagsterRunStatus.STARTING,
                DagsterRunStatus.STARTED,
            ],
            tags={TRIGGER_TAG: TRIGGER},
        )
    )
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if run.tags.get(HOST_TAG) != socket.gethostname() or not pid.isdigit():
            continue
        if _process_alive(int(pid)):
            continue  # a build still running: its slots are its own
        instance.report_run_failed(
            run, message=f"csp build process {pid} died before the run ended (csp build)"
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def _run_config(verbose: bool) -> dict[str, Any]:
    # Without -v, Dagster's console log is off: progress lines and the summary say it all
    # (the runs of a persistent instance keep their whole event log).
    level = "DEBUG" if verbose else "CRITICAL"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def _ingest_line(source: str, results: list[LoadResult], seconds: float) -> str:
    loaded = [r for r in results if r.status == "loaded"]
    skipped = sum(r.status == "skipped_duplicate" for r in results)
    rejected = sum(r.status == "rejected" for r in results)
    return (
        f"ingest {source}: {len(results)} file(s): {len(loaded)} loaded, {skipped} skipped "
        f"(already loaded), {rejected} rejected; {sum(r.rows_loaded for r in loaded)} rows "
        f"({seconds:.1f} s)"
    )


def unpartitioned_lines(files: list[LoadResult], partition_keys: set[str]) -> list[str]:
    """One line per source whose loaded files hold months that are not Dagster partitions
    of ``raw/<source>`` (before the warehouse's first month, after the current one, or rows
    with no month): loaded and counted by dbt as always (a month outside the history in
    ``unplaced_events``), but recorded in Dagster for no partition; said, never dropped
    silently."""
    from orchestration.defs.common import month_to_partition_key, partition_key_to_month

    outside: dict[str, dict[str, set[str]]] = {}
    for f in files:
        if f.status != "loaded":
            continue
        for month in f.periods:
            if month and month_to_partition_key(month) in partition_keys:
                continue
            outside.setdefault(f.source, {}).setdefault(month or "no month", set()).add(f.file_name)
    if not outside:
        return []
    keys = sorted(partition_keys)
    span = (
        f"{partition_key_to_month(keys[0])} to {partition_key_to_month(keys[-1])}" if keys else ""
    )
    lines = []
    for source, months in sorted(outside.items()):
        names = sorted({name for files_of in months.values() for name in files_of})
        shown = ", ".join(sorted(months)[:MAX_UNPARTITIONED_MONTHS]) + (
            f" and {len(months) - MAX_UNPARTITIONED_MONTHS} more"
            if len(months) > MAX_UNPARTITIONED_MONTHS
            else ""
        )
        lines.append(
            f"raw/{source}: {len(months)} month(s) outside the Dagster partitions ({span}), "
            f"loaded but recorded for no partition: {shown} (from {len(names)} file(s): "
            f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
        )
    return lines


def run_ingest(
    settings: Settings, summary: BuildSummary, instance: Any, say: Callable[[str], None] = _say
) -> None:
    """Load the landing folder with the ingest library, source by source (one progress line
    each); record what was loaded."""
    import dagster as dg

    from ingest.contracts import CONTRACTS
    from ingest.landing import ignored_files, landing_files, source_folders
    from ingest.load import load_landing, read_load_log
    from orchestration.defs.common import MONTHLY_PARTITIONS, month_to_partition_key

    landing = Path(settings.landing_dir)
    summary.landing_dir = landing
    summary.no_contract = [folder for folder in source_folders(landing) if folder not in CONTRACTS]
    log = read_load_log(settings.warehouse_path)
    before = max((r.batch_id or 0 for r in log), default=0)
    files = {source: landing_files(landing, source) for source in CONTRACTS}
    say(f"ingest: {sum(map(len, files.values()))} landing file(s) in {landing}")
    unchanged: list = []  # files of earlier batches, seen again: reported, not logged again
    for source in CONTRACTS:
        for path, reason in ignored_files(landing, source):
            summary.not_loaded.append(f"{source}/{path.name}: {reason}")
        if not files[source]:
            say(f"ingest {source}: no file yet (no data)")
            continue
        started = time.monotonic()
        try:
            results = load_landing(settings, source)
        except Exception as exc:  # noqa: BLE001 - report it; nothing of a failed file is written
            summary.ingest_failures.append(f"{source}: {type(exc).__name__}: {exc}")
            say(f"ingest {source}: FAILED: {type(exc).__name__}: {exc}")
            continue
        say(_ingest_line(source, results, time.monotonic() - started))
        unchanged += [r for r in results if (r.batch_id or 0) <= before]
    summary.files = read_load_log(settings.warehouse_path, before) + unchanged
    partitions = set(MONTHLY_PARTITIONS.get_partition_keys())
    summary.unpartitioned = unpartitioned_lines(summary.files, partitions)
    for line in summary.unpartitioned:
        say(f"ingest: {line}")
    for f in summary.files:
        if f.status != "loaded":
            continue
        for month in f.periods:
            key = month_to_partition_key(month) if month else None
            if key not in partitions:
                continue  # reported above
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    asset_key=["raw", f.source],
                    partition=key,
                    description=f"loaded by csp build from {f.file_name}",
                    metadata={"file": f.file_name, "rows_loaded": f.rows_loaded},
                )
            )


def _failure_text(event: Any) -> str:
    """The step's failure for people: its description, else its error's first line and
    that of the error that caused it (an unexpected exception in a step)."""
    data = event.step_failure_data
    text = data.user_failure_data.description if data.user_failure_data else None
    if not text and data.error is not None:
        errors = [data.error, *([data.error.cause] if data.error.cause else [])]
        text = " <- ".join(e.message.strip().splitlines()[0] for e in errors if e.message.strip())
    return f"{event.step_key}: {text}"


def _failure_metadata(event: Any) -> dict[str, Any]:
    data = event.step_failure_data
    if data.user_failure_data is None:
        return {}
    return {k: getattr(v, "value", v) for k, v in data.user_failure_data.metadata.items()}


def _value(metadata: Any, key: str, default: Any = None) -> Any:
    entry = metadata.get(key) if metadata else None
    return default if entry is None else getattr(entry, "value", entry)


def _docs_text(metadata: Any) -> str:
    """The docs site's path, and that it was left as it was when nothing it shows changed."""
    from orchestration.defs.publish.docs import UNCHANGED

    path = str(_value(metadata, "path"))
    return (
        f"{path} (unchanged, not regenerated)" if _value(metadata, "result") == UNCHANGED else path
    )


def _stage_hooks(timings: dict[str, float], say: Callable[[str], None]) -> set[Any]:
    """Hooks that print one line when the publish, Superset and docs steps end, and time
    each step of the build job (dbt prints its own progress)."""
    import dagster as dg

    from orchestration.defs.common import DOCS_ASSET, SUPERSET_ASSET
    from orchestration.defs.dbt.assets import DBT_ASSETS_NAME

    clock = {"last": time.monotonic()}
    names = {"serving": "publish", SUPERSET_ASSET: "superset", DOCS_ASSET: "docs"}

    def stage(step_key: str) -> tuple[str, float]:
        now = time.monotonic()
        seconds, clock["last"] = now - clock["last"], now
        # any other step is a check of its own (the repeat-flag check), not dbt
        name = names.get(step_key, "dbt" if step_key == DBT_ASSETS_NAME else "checks")
        timings[name] = timings.get(name, 0.0) + seconds
        return name, seconds

    @dg.success_hook(name="csp_build_stage_done")
    def stage_done(context) -> None:
        name, seconds = stage(context.step_key)
        metadata = next(iter(context.op_output_metadata.values()), {})
        if name == "publish":
            rows = ", ".join(f"{t} {n}" for t, n in _value(metadata, "row_counts", {}).items())
            removed = _value(metadata, "removed_leftovers", [])
            say(
                f"publish: {_value(metadata, 'path')} ({rows})"
                + (
                    f"; removed {len(removed)} leftover file(s) of a dead publish"
                    if removed
                    else ""
                )
                + f" ({seconds:.1f} s)"
            )
        elif name == "superset":
            say(f"superset: {_value(metadata, 'result')} ({seconds:.1f} s)")
        elif name == "docs":
            say(f"docs: {_docs_text(metadata)} ({seconds:.1f} s)")

    @dg.failure_hook(name="csp_build_stage_failed")
    def stage_failed(context) -> None:
        name, seconds = stage(context.step_key)
        if name != "dbt":
            say(f"{name}: FAILED ({seconds:.1f} s)")

    return {stage_done, stage_failed}


def run_build_and_publish(
    defs: Any,
    instance: Any,
    summary: BuildSummary,
    verbose: bool = False,
    dbt_log: Path | None = None,
    say: Callable[[str], None] = _say,
    unit_tests: bool = True,
    asset_selection: list[Any] | None = None,
) -> None:
    from dagster import AssetCheckSeverity

    from orchestration.defs.common import BUILD_JOB, DOCS_ASSET, SUPERSET_ASSET
    from orchestration.defs.dbt.assets import (
        DBT_ASSETS_NAME,
        DBT_LOG_ECHO_TAG,
        DBT_LOG_FILE_TAG,
        DBT_UNIT_TESTS_TAG,
        describe_failures,
    )

    summary.released_runs = release_dead_builds(instance)
    tags = {TRIGGER_TAG: TRIGGER, PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    if dbt_log is not None:
        tags[DBT_LOG_FILE_TAG] = str(dbt_log)
        if verbose:
            tags[DBT_LOG_ECHO_TAG] = "true"
        summary.dbt_log = dbt_log
    if not unit_tests:
        tags[DBT_UNIT_TESTS_TAG] = "skip"
    job = defs.resolve_job_def(BUILD_JOB).with_hooks(_stage_hooks(summary.timings, say))
    result = job.execute_in_process(
        run_config=_run_config(verbose),
        instance=instance,
        tags=tags,
        raise_on_error=False,
        asset_selection=asset_selection,
    )
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        key = materialization.asset_key.to_user_string()
        metadata = materialization.metadata
        if key == "serving":
            summary.serving_path = Path(metadata["path"].value)
            summary.serving_rows = dict(metadata["row_counts"].value)
            summary.serving_no_data = bool(_value(metadata, "no_data", False))
            summary.removed_leftovers = list(_value(metadata, "removed_leftovers", []))
        elif key == SUPERSET_ASSET:
            summary.superset = str(metadata["result"].value)
        elif key == DOCS_ASSET:
            summary.docs = _docs_text(metadata)
        else:
            summary.dbt_materialized += 1
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            summary.checks_passed += 1
        elif evaluation.severity == AssetCheckSeverity.WARN:
            summary.checks_warned.append(name)
            if evaluation.description:
                summary.check_notes[name] = evaluation.description
        else:
            summary.checks_failed.append(name)
    for event in result.get_step_failure_events():
        text = _failure_text(event)
        metadata = _failure_metadata(event)
        if DOCS_ASSET in event.step_key:
            summary.docs = f"not generated ({text})"  # the publish before it stands
        elif event.step_key == DBT_ASSETS_NAME and metadata.get("failures") is not None:
            summary.dbt_failures = describe_failures(metadata["failures"]) or [
                line for line in text.splitlines()[1:] if line.strip()
            ]
            summary.dbt_skipped = int((metadata.get("counts") or {}).get("skipped", 0))
            if not summary.dbt_failures:
                summary.build_failures.append(text)
        else:
            summary.build_failures.append(text)
            if metadata.get("removed_leftovers"):
                summary.removed_leftovers = list(metadata["removed_leftovers"])
    if not (result.success or summary.build_failures or summary.dbt_failures):
        if summary.serving_path is None:
            summary.build_failures.append(f"{BUILD_JOB} failed")


@dataclass(frozen=True)
class BuildInputs:
    """What a build is built from besides the warehouse's rows (``orchestration.build_state``)."""

    code: str
    status_day: str
    history_month: str

    @property
    def inputs(self) -> str:
        from orchestration.build_state import inputs_hash

        return inputs_hash(self.code, self.status_day)

    def record(self, files: dict, finished_at: str, serving_rows: dict, docs: str | None) -> Any:
        """The ``LastBuild`` of a build from these inputs."""
        from orchestration.build_state import LastBuild

        return LastBuild(
            inputs=self.inputs,
            files=files,
            finished_at=finished_at,
            serving_rows=serving_rows,
            docs=docs,
            code=self.code,
            status_day=self.status_day,
            history_month=self.history_month,
        )


def _docs_files(data_dir: Path) -> list[Path]:
    from orchestration.defs.publish.docs import SITE_FILES, docs_dir

    return [docs_dir(data_dir) / name for name in SITE_FILES]


def _what_changed(summary: BuildSummary, last: Any, inputs: str, before: dict) -> str | None:
    """Why the job must run (for people), or None when it would reproduce what is
    published (``orchestration.build_state``)."""
    if last is None:
        return "no earlier good build recorded"
    if summary.count("loaded"):
        return "files were loaded"
    if summary.ingest_failures:
        return "the ingest failed"
    return last.changed(inputs, before)


def _nothing_to_build(
    settings: Settings, summary: BuildSummary, last: Any, built_from: BuildInputs
) -> None:
    """Nothing new since the last good build: report what is published, run nothing.
    The ingest's log rows (files already loaded, files rejected) are this build's only
    writes to the warehouse: the record takes the warehouse as it is now."""
    from orchestration.build_state import snapshot, write_last_build
    from orchestration.defs.publish.serving import (
        LOCK_TIMEOUT_SECONDS,
        _PublishLock,
        remove_leftovers,
    )

    data_dir = Path(settings.data_dir)
    summary.nothing_new = last.finished_at
    summary.serving_path = Path(settings.serving_path)
    summary.serving_rows = dict(last.serving_rows)
    summary.docs = last.docs
    # the leftovers of a publish that died since are all a publish would have changed
    with _PublishLock(Path(settings.serving_path), timeout=LOCK_TIMEOUT_SECONDS):
        summary.removed_leftovers = remove_leftovers(Path(settings.serving_path))
    write_last_build(
        data_dir,
        built_from.record(
            snapshot(settings, _docs_files(data_dir)),
            last.finished_at,
            last.serving_rows,
            last.docs,
        ),
    )


def run_job(
    settings: Settings,
    summary: BuildSummary,
    built_from: BuildInputs,
    defs: Any,
    instance: Any,
    verbose: bool,
    last: Any = None,
    increment: Any = None,
) -> None:
    """Run ``build_and_publish_job``; record the build when it published and nothing
    failed (``orchestration.build_state``), so that the next build with nothing new can
    skip it. The record is removed first: a build that fails or dies leaves none. With the
    code of the ``last`` good build, dbt's unit tests are left out; with an ``increment``
    (``build_state.increment_of``), only the assets downstream of the sources that received
    rows run (``orchestration.increment``)."""
    from orchestration.build_state import (
        forget_last_build,
        snapshot,
        write_last_build,
    )
    from orchestration.increment import increment_assets

    data_dir = Path(settings.data_dir)
    forget_last_build(data_dir)
    selection = None
    if increment is not None:
        sources = sorted({f.source for f in summary.files if f.status == "loaded"})
        selection = increment_assets(defs, sources, increment.status_day_moved)
        summary.increment_sources = sources
        _say(
            f"build: only what the new rows of {', '.join(sources)} change"
            + (" and the status day" if increment.status_day_moved else "")
            + f": {len(selection)} assets (the code, the history month, the warehouse and the "
            "publish are the last good build's; `csp build --force` builds everything)"
        )
    run_build_and_publish(
        defs,
        instance,
        summary,
        verbose,
        dbt_log=dbt_log_path(data_dir),
        unit_tests=last is None or last.code != built_from.code,
        asset_selection=selection,
    )
    docs_ok = summary.docs is not None and not summary.docs.startswith("not generated")
    if summary.ok and docs_ok:
        write_last_build(
            data_dir,
            built_from.record(
                snapshot(settings, _docs_files(data_dir)),
                datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
                dict(summary.serving_rows),
                summary.docs.replace(" (unchanged, not regenerated)", ""),
            ),
        )


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
        "--force",
        action="store_true",
        help="run dbt and the publish even when nothing changed since the last good build",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="stream Dagster's and dbt's full logs (dbt's also go to $CSP_DATA_DIR/logs/)",
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
    os.environ["CSP_HISTORY_DIR"] = str(Path(settings.publish_history_dir).resolve())
    if not args.verbose:
        import dagster as dg

        # Warnings for the developers of the definitions, not for the people building.
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        warnings.filterwarnings("ignore", category=dg.PreviewWarning)

    from orchestration.build_state import (
        build_code,
        history_month,
        increment_of,
        read_last_build,
        snapshot,
        status_day,
    )
    from orchestration.definitions import defs as load_defs
    from orchestration.defs.common import dbt_project_dir

    data_dir = Path(settings.data_dir)
    built_from = BuildInputs(build_code(settings, dbt_project_dir()), status_day(), history_month())
    inputs = built_from.inputs
    last = None if args.force else read_last_build(data_dir)
    before = snapshot(settings, _docs_files(data_dir))
    with _instance(data_dir, args.persist) as instance:
        phase = time.monotonic()
        run_ingest(settings, summary, instance)
        summary.timings["ingest"] = time.monotonic() - phase
        changed = _what_changed(summary, last, inputs, before)
        if changed is None and last is not None:
            _nothing_to_build(settings, summary, last, built_from)
        else:
            if last is not None and not summary.count("loaded"):
                _say(f"build: {changed} since the last good build: building")
            increment = (
                increment_of(
                    last,
                    built_from.code,
                    built_from.status_day,
                    built_from.history_month,
                    before,
                )
                if summary.count("loaded") and not summary.ingest_failures
                else None
            )
            # the definitions (the dbt manifest's 600-odd assets) only when the job runs
            run_job(
                settings, summary, built_from, load_defs(), instance, args.verbose, last, increment
            )
    summary.elapsed = time.monotonic() - started
    print(summary.render(), flush=True)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
