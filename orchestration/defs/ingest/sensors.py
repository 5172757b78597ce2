"""The landing-folder sensor, and the sensor that rebuilds after a successful load."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import dagster as dg

from ingest.config import Settings
from ingest.landing import file_month, ignored_files, landing_files
from ingest.load import read_load_log
from orchestration.defs.common import MONTHLY_PARTITIONS, month_to_partition_key


def loaded_hashes(warehouse_path: Path) -> set[tuple[str, str]]:
    """``(source, sha256)`` of the files ``raw._loads`` says are in the warehouse.

    Opens the warehouse read-only; raises ``duckdb.IOException`` while a writer holds it.
    """
    return {
        (r.source, r.file_hash)
        for r in read_load_log(warehouse_path)
        if r.status in ("loaded", "skipped_duplicate")
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_signature(path: Path) -> str:
    """Identity of a delivered file's content version: size and modification time."""
    st = path.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


def plan_landing_requests(
    landing_dir: Path,
    sources: Iterable[str],
    seen: dict[str, str],
    valid_partition_keys: set[str] | None = None,
    already_loaded: Callable[[str, Path], bool] | None = None,
) -> tuple[list[dg.RunRequest], dict[str, str], list[str]]:
    """New or changed landing files -> one RunRequest per (source, month).

    ``seen`` is the cursor (``source/file`` -> signature). Returns the requests, the new
    cursor and messages about files that were not requested. Which files load is
    ``ingest.landing``'s rule, as for ``csp load-landing``: any other delivered file is
    reported, not loaded. A file triggers once: its signature goes into the cursor, and the
    run key is derived from the file names and signatures, so a re-evaluated tick cannot
    launch it twice. ``already_loaded(source, path)``: true for a file whose content the
    warehouse already holds (e.g. loaded by ``csp build`` before the sensor first ran).
    """
    new_seen: dict[str, str] = {}
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    skipped: list[str] = []
    for source in sources:
        for path, reason in ignored_files(landing_dir, source):
            ident = f"{source}/{path.name}"
            new_seen[ident] = file_signature(path)
            if seen.get(ident) != new_seen[ident]:  # say it once, not every tick
                skipped.append(f"{ident}: {reason}")
        for path in landing_files(landing_dir, source):
            ident = f"{source}/{path.name}"
            try:
                sig = file_signature(path)
            except FileNotFoundError:  # moved to quarantine between listing and stat
                continue
            new_seen[ident] = sig
            if seen.get(ident) == sig:
                continue
            if already_loaded is not None and already_loaded(source, path):
                continue
            month = file_month(path.name)
            if month is None:
                skipped.append(f"{ident}: no YYYY-MM- prefix in the file name")
                continue
            if (
                valid_partition_keys is not None
                and month_to_partition_key(month) not in valid_partition_keys
            ):
                skipped.append(f"{ident}: month {month} is outside the partitions")
                continue
            grouped[(source, month)].append(f"{path.name}@{sig}")

    requests = []
    for (source, month), items in sorted(grouped.items()):
        digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]
        requests.append(
            dg.RunRequest(
                run_key=f"{source}:{month}:{digest}",
                partition_key=month_to_partition_key(month),
                asset_selection=[dg.AssetKey(["raw", source])],
                tags={"csp/source": source, "csp/trigger": "landing_sensor"},
            )
        )
    return requests, new_seen, skipped


def build_landing_sensor(
    sources: Iterable[str], ingest_job: dg.UnresolvedAssetJobDefinition
) -> dg.SensorDefinition:
    """Watch ``$CSP_LANDING_DIR/<source>/`` for new files; request a load of their month."""
    sources = list(sources)

    @dg.sensor(
        name="landing_sensor",
        job=ingest_job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="New files in $CSP_LANDING_DIR/<source>/ -> load that source's month.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        import duckdb

        settings = Settings.from_env()
        seen = json.loads(context.cursor) if context.cursor else {}
        monthly_keys = set(MONTHLY_PARTITIONS.get_partition_keys())
        try:
            loaded = loaded_hashes(settings.warehouse_path)
        except duckdb.Error as exc:  # a run is writing the warehouse: look again next tick
            return dg.SensorResult(skip_reason=f"warehouse busy ({exc}); retrying next tick")
        requests, new_seen, skipped = plan_landing_requests(
            settings.landing_dir,
            sources,
            seen,
            monthly_keys,
            already_loaded=lambda source, path: (source, _sha256(path)) in loaded,
        )
        for message in skipped:
            context.log.warning(message)
        requests = [r.with_replaced_attrs(job_name=ingest_job.name) for r in requests]
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_seen, sort_keys=True))

    return landing_sensor


def build_after_ingest_sensor(
    ingest_job: dg.UnresolvedAssetJobDefinition, build_job: dg.UnresolvedAssetJobDefinition
) -> dg.SensorDefinition:
    """After a successful load, rebuild the dbt models and republish (a burst of loads
    is coalesced: no new build is requested while one is still waiting to start)."""

    @dg.run_status_sensor(
        name="build_after_ingest_sensor",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[ingest_job],
        request_job=build_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A successful ingest run -> dbt build and publish.",
    )
    def build_after_ingest_sensor(context: dg.RunStatusSensorContext):
        pending = context.instance.get_runs(
            filters=dg.RunsFilter(
                job_name=build_job.name,
                statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED],
            ),
            limit=1,
        )
        if pending:  # a build that has not started yet will include this load
            return dg.SkipReason(f"build run {pending[0].run_id} is already waiting")
        return dg.RunRequest(
            run_key=f"after-{context.dagster_run.run_id}",
            tags={"csp/trigger": "build_after_ingest_sensor"},
        )

    return build_after_ingest_sensor
