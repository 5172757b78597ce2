"""The landing-folder sensor, and the sensor that rebuilds after a successful load."""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.defs.common import MONTHLY_PARTITIONS, month_to_partition_key
from orchestration.defs.ingest.landing import file_month, landing_files


def _landing_dir() -> Path:
    try:
        from ingest.config import Settings

        return Path(Settings.from_env().landing_dir)
    except Exception:  # noqa: BLE001 - the sensor must keep ticking; fall back to the default
        return Path(os.environ.get("CSP_LANDING_DIR", "data/landing"))


def loaded_hashes(warehouse_path: Path) -> set[tuple[str, str]]:
    """``(source, sha256)`` of the files ``raw._loads`` says are in the warehouse.

    Opens the warehouse read-only; raises ``duckdb.IOException`` while a writer holds it.
    """
    import duckdb

    if not Path(warehouse_path).is_file():
        return set()
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
            "AND table_name = '_loads'"
        ).fetchone()[0]
        if not exists:
            return set()
        rows = con.execute(
            "SELECT DISTINCT source, file_hash FROM raw._loads "
            "WHERE status IN ('loaded', 'skipped_duplicate')"
        ).fetchall()
    finally:
        con.close()
    return {(source, file_hash) for source, file_hash in rows}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _warehouse_path() -> Path:
    try:
        from ingest.config import Settings

        return Path(Settings.from_env().warehouse_path)
    except Exception:  # noqa: BLE001
        return Path(os.environ.get("CSP_DATA_DIR", "data")) / "warehouse.duckdb"


def file_signature(path: Path) -> str:
    """Identity of a delivered file's content version: size and modification time."""
    st = path.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


def _group_order(item: tuple[tuple[str, str | None], list[str]]) -> tuple[str, str]:
    (source, month), _ = item
    return source, month or ""


def plan_landing_requests(
    landing_dir: Path,
    sources: dict[str, bool],
    seen: dict[str, str],
    valid_partition_keys: set[str] | None = None,
    already_loaded: Callable[[str, Path], bool] | None = None,
) -> tuple[list[dg.RunRequest], dict[str, str], list[str]]:
    """New or changed files -> one RunRequest per (source, month).

    ``sources`` maps source -> is monthly; ``seen`` is the cursor (``source/file`` -> signature).
    Returns the requests, the new cursor and messages about files that were not requested.
    A file triggers once: its signature goes into the cursor, and the run key is derived
    from the file names and signatures, so a re-evaluated tick cannot launch it twice.
    ``already_loaded(source, path)``: true for a file whose content the warehouse already
    holds (e.g. loaded by ``make build`` before the sensor first ran): it is not requested.
    """
    new_seen: dict[str, str] = {}
    grouped: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    skipped: list[str] = []
    for source, monthly in sources.items():
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
            month = file_month(path.name) if monthly else None
            if monthly and month is None:
                skipped.append(f"{ident}: no YYYY-MM- prefix in the file name")
                continue
            if (
                monthly
                and valid_partition_keys is not None
                and month_to_partition_key(month) not in valid_partition_keys
            ):
                skipped.append(f"{ident}: month {month} is outside the partitions")
                continue
            grouped[(source, month)].append(f"{path.name}@{sig}")

    requests = []
    for (source, month), items in sorted(grouped.items(), key=_group_order):
        digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]
        requests.append(
            dg.RunRequest(
                run_key=f"{source}:{month or 'all'}:{digest}",
                partition_key=month_to_partition_key(month) if month else None,
                asset_selection=[dg.AssetKey(["raw", source])],
                tags={"csp/source": source, "csp/trigger": "landing_sensor"},
            )
        )
    return requests, new_seen, skipped


def build_landing_sensor(
    sources: dict[str, bool],
    ingest_job: dg.UnresolvedAssetJobDefinition,
    unpartitioned_job: dg.UnresolvedAssetJobDefinition | None = None,
) -> dg.SensorDefinition:
    """Watch ``$CSP_LANDING_DIR/<source>/`` for new files; request a load of their month
    (``ingest_job``), or of the whole source when it has no monthly partitions."""
    jobs = [ingest_job] + ([unpartitioned_job] if unpartitioned_job is not None else [])
    if unpartitioned_job is None:
        sources = {s: m for s, m in sources.items() if m}

    @dg.sensor(
        name="landing_sensor",
        jobs=jobs,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="New files in $CSP_LANDING_DIR/<source>/ -> load that source's month.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        import duckdb

        seen = json.loads(context.cursor) if context.cursor else {}
        monthly_keys = set(MONTHLY_PARTITIONS.get_partition_keys())
        try:
            loaded = loaded_hashes(_warehouse_path())
        except duckdb.Error as exc:  # a run is writing the warehouse: look again next tick
            return dg.SensorResult(skip_reason=f"warehouse busy ({exc}); retrying next tick")
        requests, new_seen, skipped = plan_landing_requests(
            _landing_dir(),
            sources,
            seen,
            monthly_keys,
            already_loaded=lambda source, path: (source, _sha256(path)) in loaded,
        )
        requests = [
            r.with_replaced_attrs(
                job_name=(ingest_job if r.partition_key else unpartitioned_job).name
            )
            for r in requests
        ]
        for message in skipped:
            context.log.warning(message)
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
