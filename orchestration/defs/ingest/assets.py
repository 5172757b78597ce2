"""One Dagster asset per source of ``ingest.contracts.CONTRACTS``: key ``["raw", source]``.

Every source is partitioned by month (the month a landing file is for, from its name
``YYYY-MM-...``; a quarterly or snapshot extract is also named by its month). A run for a
partition, or a single-run range of partitions, loads, in name order, the landing files of
those months (``ingest.landing``'s rule) through ``ingest.load.load_file``. A rejected file is
quarantined by the library and fails the asset with the library's error text; the other files
of the run are still loaded (a file is loaded whole or not at all).
"""

from typing import Any

import dagster as dg
from dagster import AssetExecutionContext

from ingest.contracts import CONTRACTS
from ingest.contracts.base import Contract
from ingest.landing import landing_files, months_between
from ingest.load import LoadResult
from orchestration.defs.common import (
    INGEST_GROUP,
    MONTHLY_PARTITIONS,
    WAREHOUSE_POOL,
    partition_key_to_month,
)


def ingest_sources() -> dict[str, Contract]:
    """``{source: contract}`` from the ingest library, in a stable order."""
    return {name: CONTRACTS[name] for name in sorted(CONTRACTS)}


def _result_row(result: LoadResult) -> dict[str, Any]:
    return {
        "file": result.file_name,
        "status": result.status,
        "periods": list(result.periods),
        "rows_loaded": result.rows_loaded,
        "rows_replaced": result.rows_replaced,
        "warnings": list(result.warnings),
        "errors": list(result.errors),
        "batch_id": result.batch_id,
    }


def _months_for(context: AssetExecutionContext) -> list[str]:
    key_range = context.partition_key_range
    return months_between(
        partition_key_to_month(key_range.start), partition_key_to_month(key_range.end)
    )


def build_ingest_asset(source: str, contract: Contract) -> dg.AssetsDefinition:
    """The asset that loads ``raw.<source>`` from the landing folder."""

    @dg.asset(
        key=["raw", source],
        group_name=INGEST_GROUP,
        description=f"{contract.description}\n\nLoaded from `$CSP_LANDING_DIR/{source}/`.",
        partitions_def=MONTHLY_PARTITIONS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"python", "duckdb"},
        tags={"csp/source": source},
    )
    def _ingest(context: AssetExecutionContext) -> dg.MaterializeResult:
        from ingest.config import Settings
        from ingest.load import connect, ensure_raw_schema, load_files

        settings = Settings.from_env()
        months = _months_for(context)
        files = landing_files(settings.landing_dir, source, months)
        if not files:
            context.log.warning(
                f"no landing files for {source} in {months[0]}..{months[-1]} "
                f"under {settings.landing_dir / source}"
            )
        rows = []
        con = connect(settings) if files else None
        try:
            if con is not None:
                ensure_raw_schema(con)
                key = settings.effective_pseudonym_key() if contract.person_columns else b""
                # one call, so a month's small files can be read in one go
                for result in load_files(con, contract, files, settings, key):
                    row = _result_row(result)
                    rows.append(row)
                    log = context.log.error if row["status"] == "rejected" else context.log.info
                    log(f"{source}: {row['file']}: {row['status']}, {row['rows_loaded']} rows")
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
