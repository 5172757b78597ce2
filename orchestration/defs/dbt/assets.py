"""``@dbt_assets`` over the whole dbt project, built on first use (see ``build_dbt_assets``).

``dbt build`` runs models, seeds, snapshots and tests in DAG order; each dbt test becomes an
asset check. A test with severity ``error`` makes ``dbt build`` fail, so the op raises and
every downstream step of the run (the publish of the serving file) is skipped. The failure
names the failing models and tests with the first lines of their errors (from the
invocation's ``run_results.json``).

dbt runs in ``$CSP_DATA_DIR/dbt_target/`` (``dbt_target_path``), the same folder every build
of the data folder, so that dbt's partial parse of one build serves the next (dagster-dbt's
default, a new folder per invocation, re-parses the whole project whenever the project's own
``target/`` was parsed for another data folder: the profile holds the warehouse path).

Before dbt runs, every ingest contract's raw table is created if missing
(``ingest.load.ensure_raw_schema``): a source no partner has sent yet is "no data", never a
missing table.

Where dbt's output goes: dagster-dbt writes every dbt log line to ``sys.stdout``, which a
Dagster run (sensor, schedule, UI) captures in its compute logs, as always. A run tagged
``csp/dbt_log_file`` (``csp build``) writes those lines to that file instead
(``contextlib.redirect_stdout``, for the dbt step only) and prints one progress line per
quarter of the build to the terminal; ``csp/dbt_log_echo=true`` (``csp build -v``) also
streams them to the terminal.
"""

import contextlib
import functools
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from packaging.version import Version

from orchestration.defs.common import WAREHOUSE_POOL
from orchestration.defs.dbt.args import dbt_build_args
from orchestration.defs.dbt.project import dbt_executable, dbt_target_path, ensure_manifest
from orchestration.defs.dbt.translator import CspDbtTranslator

DBT_ASSETS_NAME = "csp_dbt_models"
#: Run tag: the file dbt's log lines go to instead of the run's stdout (``csp build``).
DBT_LOG_FILE_TAG = "csp/dbt_log_file"
#: Run tag: ``true`` = also stream dbt's log lines to the terminal (``csp build -v``).
DBT_LOG_ECHO_TAG = "csp/dbt_log_echo"
#: Run tag: ``skip`` = leave out dbt's unit tests (``csp build`` when the code is that of the
#: last good build: their result depends on the code alone).
DBT_UNIT_TESTS_TAG = "csp/dbt_unit_tests"
#: At most this many failing nodes are described in a failure (the rest are counted).
MAX_FAILURES_DESCRIBED = 10
#: At most this many lines of each failing node's error message.
MAX_ERROR_LINES = 4

#: dbt statuses that fail a build.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
_BUILT_KINDS = ("model", "seed", "snapshot")
_TEST_KINDS = ("test", "unit_test")


def align_warehouse_path(context: AssetExecutionContext) -> None:
    """dbt's profile reads ``CSP_WAREHOUSE_PATH``: point it at the file ingest writes; and
    the publish history (``CSP_HISTORY_DIR``) at the folder the publish writes."""
    from ingest.config import Settings

    settings = Settings.from_env()
    for name, value in (
        ("CSP_WAREHOUSE_PATH", settings.warehouse_path),
        ("CSP_HISTORY_DIR", settings.publish_history_dir),
    ):
        path = str(Path(value).resolve())
        if os.environ.get(name) != path:
            context.log.info(f"{name}={path}")
            os.environ[name] = path


def ensure_raw_tables() -> None:
    """Create ``raw``, the load log and every contract's raw table if missing, so that dbt's
    sources exist whichever partners have sent files so far (none included)."""
    from ingest.config import Settings
    from ingest.load import connect, ensure_raw_schema

    con = connect(Settings.from_env())
    try:
        ensure_raw_schema(con)
    finally:
        con.close()


def _node_label(unique_id: str, manifest: Mapping[str, Any] | None) -> str:
    """``test not_null_x``, ``model scorecard``, ``unit test int_x::case`` for people."""
    kind = unique_id.split(".", 1)[0]
    node = None
    if manifest:
        node = (manifest.get("nodes") or {}).get(unique_id) or (
            manifest.get("unit_tests") or {}
        ).get(unique_id)
    parts = unique_id.split(".")
    if node and kind == "unit_test":
        name = f"{node.get('model')}::{node.get('name')}"
    elif node:
        name = node.get("name") or unique_id
    elif kind == "unit_test" and len(parts) >= 4:
        name = f"{parts[2]}::{parts[3]}"
    else:
        name = parts[2] if len(parts) >= 3 else unique_id
    return f"{kind.replace('_', ' ')} {name}"


#: dbt's first line of an error, "Runtime Error in test <name> (<path>)": the name is
#: already given, keep the kind of error and the file.
_ERROR_HEADLINE = re.compile(r"^(?P<kind>[\w ]*Error) in \w+ \S+ \((?P<path>[^)]*)\)$")


def _first_lines(message: str | None, limit: int = MAX_ERROR_LINES) -> list[str]:
    lines = [line.rstrip() for line in (message or "").strip().splitlines() if line.strip()]
    if lines and (headline := _ERROR_HEADLINE.match(lines[0].strip())):
        lines[0] = f"{headline['kind']} ({headline['path']})"
    return lines[:limit]


def summarize_run_results(
    run_results: Mapping[str, Any], manifest: Mapping[str, Any] | None = None
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Counts (``built``, ``tests_passed``, ``failed``, ``warned``, ``skipped``) and the
    failing nodes (``node``, ``status``, ``lines``: the first lines of dbt's message) of a
    dbt invocation's ``run_results.json``."""
    counts: Counter[str] = Counter(built=0, tests_passed=0, failed=0, warned=0, skipped=0)
    failures: list[dict[str, Any]] = []
    for result in run_results.get("results") or []:
        unique_id = result.get("unique_id") or ""
        kind = unique_id.split(".", 1)[0]
        status = str(result.get("status") or "").lower()
        if status in FAILED_STATUSES:
            counts["failed"] += 1
            failures.append(
                {
                    "node": _node_label(unique_id, manifest),
                    "unique_id": unique_id,
                    "status": status,
                    "lines": _first_lines(result.get("message")) or [f"status {status}"],
                }
            )
        elif status == "warn":
            counts["warned"] += 1
        elif status == "skipped":
            counts["skipped"] += 1
        elif status == "pass" and kind in _TEST_KINDS:
            counts["tests_passed"] += 1
        elif status == "success" and kind in _BUILT_KINDS:
            counts["built"] += 1
    return dict(counts), failures


def describe_failures(failures: list[dict[str, Any]]) -> list[str]:
    """Lines for people: each failing node, then the first lines of its error, indented."""
    lines: list[str] = []
    for failure in failures[:MAX_FAILURES_DESCRIBED]:
        first, *rest = failure["lines"]
        lines.append(f"{failure['node']} ({failure['status']}): {first}")
        lines += [f"    {line.strip()}" for line in rest]
    if len(failures) > MAX_FAILURES_DESCRIBED:
        lines.append(f"... and {len(failures) - MAX_FAILURES_DESCRIBED} more failing nodes")
    return lines


class DbtProgress:
    """Counts the nodes (models, seeds, snapshots, tests, unit tests) a dbt build has
    finished, as dbt numbers them in its log ("57 of 138 OK ..."), from dbt's structured
    events, and reports the first time each quarter of the total is reached."""

    #: dbt's events for a node that finished (its result, a skip, a no-op): each carries the
    #: node's index and the total.
    FINISHED = frozenset(
        {
            "LogModelResult",
            "LogSeedResult",
            "LogSnapshotResult",
            "LogTestResult",
            "LogNodeResult",
            "LogNodeNoOpResult",
            "LogFreshnessResult",
            "SkippingDetails",
        }
    )

    def __init__(self, report: Callable[[str], None]) -> None:
        self.report = report
        self.done = 0
        self.total = 0
        self.started = time.monotonic()
        self._quarter = 1

    def add(self, raw_event: Mapping[str, Any]) -> None:
        if (raw_event.get("info") or {}).get("name") not in self.FINISHED:
            return
        data = raw_event.get("data") or {}
        total = data.get("total") or data.get("num_models") or 0
        self.total = max(self.total, int(total))
        self.done += 1
        while self.total and self._quarter < 4 and self.done * 4 >= self._quarter * self.total:
            self.report(
                f"dbt: {self.done} of {self.total} nodes done "
                f"({25 * self._quarter}%, {time.monotonic() - self.started:.0f} s)"
            )
            self._quarter += 1

    def finish(self, counts: Mapping[str, int] | None) -> None:
        elapsed = time.monotonic() - self.started
        done = f"dbt: {self.done} of {self.total} nodes done in {elapsed:.1f} s"
        if counts is None:
            self.report(done)
            return
        self.report(
            f"{done}: {counts['built']} models and seeds built, {counts['tests_passed']} tests "
            f"passed, {counts['failed']} failed, {counts['warned']} warned, "
            f"{counts['skipped']} skipped"
        )


class _Tee:
    """A text stream writing to several streams (``csp build -v``: the log file and the
    terminal)."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


@contextlib.contextmanager
def dbt_output(log_file: str | None, echo: bool) -> Iterator[TextIO | None]:
    """With ``log_file``: dbt's log lines (what dagster-dbt writes to ``sys.stdout``) go to
    that file (and to the terminal with ``echo``); yields the terminal to report progress
    on. Without: nothing changes (the run's stdout, i.e. Dagster's compute logs)."""
    if not log_file:
        yield None
        return
    terminal = sys.stdout
    path = Path(log_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8", buffering=1) as fh:
        target = _Tee(fh, terminal) if echo else fh
        with contextlib.redirect_stdout(target):  # type: ignore[type-var]
            yield terminal


def _dbt_error_lines(description: str) -> list[str]:
    """The errors dagster-dbt parsed from dbt's log (or its whole message), first lines."""
    marker = "Errors parsed from dbt logs:"
    text = description.split(marker, 1)[1] if marker in description else description
    return _first_lines(text, 2 * MAX_ERROR_LINES)


def _run_results(invocation: Any) -> dict[str, Any] | None:
    try:
        return invocation.get_artifact("run_results.json")
    except (OSError, ValueError):
        return None


@functools.cache
def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """Prepare the manifest (parse if missing or stale) and define the dbt assets."""
    manifest = ensure_manifest(project)

    @dbt_assets(
        manifest=manifest,
        project=project,
        name=DBT_ASSETS_NAME,
        dagster_dbt_translator=CspDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def csp_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        align_warehouse_path(context)
        ensure_raw_tables()
        tags = context.run.tags
        unit_tests = tags.get(DBT_UNIT_TESTS_TAG, "").lower() != "skip"
        args = dbt_build_args(
            target=os.environ.get("CSP_DBT_TARGET") or None, unit_tests=unit_tests
        )
        log_file = tags.get(DBT_LOG_FILE_TAG)
        echo = tags.get(DBT_LOG_ECHO_TAG, "").lower() == "true"
        if log_file:
            args = [*args, "--no-use-colors"]  # a log file for people to read
        with dbt_output(log_file, echo) as terminal:

            def report(line: str) -> None:
                context.log.info(line)
                if terminal is not None:
                    print(line, file=terminal, flush=True)

            report(
                "dbt: build started"
                + (f" (its log: {log_file})" if log_file else "")
                + ("" if unit_tests else "; unit tests left out: the code is the last good build's")
            )
            progress = DbtProgress(report)
            # One target folder per data folder: the next build reuses this one's parse.
            invocation = dbt.cli(args, context=context, target_path=dbt_target_path())
            if log_file:
                started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
                print(f"# {invocation.dbt_command}  ({started})")
                print(f"# dbt's debug log (every build's): {invocation.target_path / 'dbt.log'}")
            error: DagsterDbtCliRuntimeError | None = None
            try:
                # What DbtCliInvocation.stream() yields, with dbt's own events at hand for
                # the progress (both are dagster-dbt's public API).
                for dbt_event in invocation.stream_raw_events():
                    progress.add(dbt_event.raw_event)
                    yield from dbt_event.to_default_asset_events(
                        manifest=invocation.manifest,
                        dagster_dbt_translator=invocation.dagster_dbt_translator,
                        context=context,
                        target_path=invocation.target_path,
                        project=invocation.project,
                    )
            except DagsterDbtCliRuntimeError as exc:
                error = exc
            run_results = _run_results(invocation)
            counts, failures = (
                summarize_run_results(run_results, invocation.manifest)
                if run_results is not None
                else (None, [])
            )
            progress.finish(counts)
        if error is None:
            return
        lines = describe_failures(failures) or _dbt_error_lines(error.description or str(error))
        raise dg.Failure(
            description="dbt build failed:\n" + "\n".join(lines),
            metadata={
                "failures": dg.MetadataValue.json(failures),
                "counts": dg.MetadataValue.json(counts or {}),
                **({"dbt_log_file": dg.MetadataValue.path(log_file)} if log_file else {}),
                "dbt_debug_log": dg.MetadataValue.path(str(invocation.target_path / "dbt.log")),
                "dbt_error": dg.MetadataValue.text(error.description or str(error)),
            },
        ) from error

    return csp_dbt_models


class CspDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two costs it adds to every dbt invocation (~9 s on
    the national warehouse, as much as the models of a month's increment): ``dbt --version``
    in a subprocess (importing dbt takes seconds), when the ``dbt`` run is the one beside
    this interpreter, whose version is the installed dbt-core's; and a dbt adapter opened in
    this process (dbt's macros loaded again), which dagster-dbt uses only to fetch row counts
    and column metadata, which these assets do not ask for."""

    @functools.cached_property
    def _cli_version(self) -> Version:
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return Version(metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)  # type: ignore[attr-defined]

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        return None


def dbt_resource(project: DbtProject) -> DbtCliResource:
    return CspDbtCliResource(project_dir=project, dbt_executable=dbt_executable())
