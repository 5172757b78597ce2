"""One Dagster asset per source of ``ingest.contracts.CONTRACTS``: key ``["raw", source]``.

A monthly source is partitioned by month; a run for a partition (or a single-run range of
partitions) loads, in name order, the landing files whose name starts with that month
(``<landing>/<source>/YYYY-MM-...``) through ``ingest.load.load_file``. A rejected file is
quarantined by the library and fails the asset with the library's error text; the other
files of the run are still loaded (a file is loaded whole or not at all).
"""

from typing import Any

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.common import (
    INGEST_GROUP,
    MONTHLY_PARTITIONS,
    WAREHOUSE_POOL,
    partition_key_to_month,
)
from orchestration.defs.ingest.landing import landing_files, months_between


def ingest_sources() -> dict[str, Any]:
    """``{source: contract}`` from the ingest library, in a stable order."""
    from ingest.contracts import CONTRACTS

    return {name: CONTRACTS[name] for name in sorted(CONTRACTS)}


def is_monthly(contract: Any) -> bool:
    """Whether a contract's source arrives monthly (and so gets monthly partitions)."""
    cadence = getattr(contract, "cadence", None)
    if cadence is not None:
        return str(cadence).lower() == "monthly"
    return getattr(contract, "period", None) is not None


def _result_row(result: Any) -> dict[str, Any]:
    return {
        "file": result.file_name,
        "status": result.status,
        "periods": list(result.periods or []),
        "rows_loaded": int(result.rows_loaded or 0),
        "rows_replaced": int(result.rows_replaced or 0),
        "warnings": list(result.warnings or []),
        "errors": list(result.errors or []),
        "batch_id": result.batch_id,
    }


def _months_for(context: AssetExecutionContext) -> list[str] | None:
    if not context.has_partition_key_range:
        return None
    key_range = context.partition_key_range
    return months_between(
        partition_key_to_month(key_range.start), partition_key_to_month(key_range.end)
    )


def build_ingest_asset(source: str, contract: Any) -> dg.AssetsDefinition:
    """The asset that loads ``raw.<source>`` from the landing folder."""
    monthly = is_monthly(contract)
    description = getattr(contract, "description", None) or f"raw.{source}, loaded by ingest/"

    @dg.asset(
        key=["raw", source],
        group_name=INGEST_GROUP,
        description=f"{description}\n\nLoaded from `$CSP_LANDING_DIR/{source}/`.",
        partitions_def=MONTHLY_PARTITIONS if monthly else None,
        backfill_policy=dg.BackfillPolicy.single_run() if monthly else None,
        pool=WAREHOUSE_POOL,
        kinds={"python", "duckdb"},
        tags={"csp/source": source},
    )
    def _ingest(context: AssetExecutionContext) -> dg.MaterializeResult:
        from ingest.config import Settings
        from ingest.load import connect, load_file

        settings = Settings.from_env()
        months = _months_for(context)
        files = landing_files(settings.landing_dir, source, months)
        if not files:
            context.log.warning(
                f"no landing files for {source}"
                + (f" in {months[0]}..{months[-1]}" if months else "")
                + f" under {settings.landing_dir / source}"
            )
        rows = []
        con = connect(settings) if files else None
        try:
            for path in files:
                result = load_file(source, path, settings, con=con)
                row = _result_row(result)
                rows.append(row)
                log = context.log.error if row["status"] == "rejected" else context.log.info
                log(f"{source}: {path.name}: {row['status']}, {row['rows_loaded']} rows")
        finally:
            if con is not None:
                con.close()
        warnings = [f"{r['file']}: {w}" for r in rows for w in r["warnings"]]
        rejected = [r for r in rows if r["status"] == "rejected"]
        metadata: dict[str, Any] = {
            "rows_loaded": sum(r["rows_loaded"] for r in rows),
            "rows_replaced": sum(r["rows_replaced"] for r in rows),
            "files_loaded": sum(r["status"] == "loaded" for r in rows),
            "files_skipped": sum(r["status"] == "skipped_duplicate" for r in rows),
            "files_rejected": len(rejected),
            "warnings": dg.MetadataValue.json(warnings),
            "files": dg.MetadataValue.json(rows),
        }
        if rejected:
            text = "\n".join(f"{r['file']}: {e}" for r in rejected for e in r["errors"] or ["?"])
            raise dg.Failure(
                description=f"{len(rejected)} {source} file(s) rejected and quarantined:\n{text}",
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    return _ingest


def build_ingest_assets() -> list[dg.AssetsDefinition]:
    return [build_ingest_asset(source, c) for source, c in ingest_sources().items()]
