"""Load partner files into `raw.*` of the warehouse DuckDB file.

A file is validated before anything is written. A valid file replaces, in one
transaction, the rows of every (period, scope) it holds; the replaced rows are kept in
`raw.<source>__superseded`. A file whose content (sha256) was already loaded is skipped.
A rejected file moves to `$CSP_DATA_DIR/quarantine/<source>/` with `<file>.error.txt`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest import bulk
from ingest.config import ConfigError, Settings
from ingest.contracts import CONTRACTS, get_contract
from ingest.contracts.base import Contract
from ingest.landing import landing_files
from ingest.pseudonymise import pseudonymise_table
from ingest.readers import ByteScan, _drop, _quote_ident, scan_bytes
from ingest.validate import _load_references, column_warnings_by, validate_into

LOADS_DDL = """
CREATE TABLE IF NOT EXISTS raw._loads (
    batch_id BIGINT,
    source VARCHAR,
    file_name VARCHAR,
    file_hash VARCHAR,
    periods VARCHAR[],
    status VARCHAR,
    rows_loaded INTEGER,
    rows_replaced INTEGER,
    warnings VARCHAR[],
    errors VARCHAR[],
    loaded_at TIMESTAMP,
    file_size BIGINT,
    file_mtime_ns BIGINT
)
"""


@dataclass
class LoadResult:
    source: str
    file_name: str
    status: str  # 'loaded' | 'skipped_duplicate' | 'rejected'
    periods: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_replaced: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    batch_id: int | None = None
    file_hash: str = ""
    quarantine_path: Path | None = None
    #: how the file was read: 'careful' (staged, checked, copied) or 'bulk' (`ingest.bulk`)
    method: str = "careful"

    @property
    def ok(self) -> bool:
        return self.status != "rejected"

    def summary(self) -> str:
        text = f"{self.source} {self.file_name}: {self.status}"
        if self.status == "loaded":
            text += (
                f", {self.rows_loaded} rows (replaced {self.rows_replaced}), "
                f"periods {', '.join(self.periods)}, batch {self.batch_id}"
            )
        if self.warnings:
            text += f", {len(self.warnings)} warning(s)"
        if self.errors:
            text += f", {len(self.errors)} error(s); quarantined at {self.quarantine_path}"
        return text


class WarehouseWriteError(RuntimeError):
    """The warehouse file could not be written (disk full, file too large, read-only): the
    load's transaction was rolled back and nothing of the file is in the warehouse."""


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(settings.warehouse_path)
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"the folder of the warehouse {path} cannot be created ({exc.strerror or exc})"
            ) from None
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseWriteError(f"the warehouse {path} cannot be opened: {exc}") from None
    try:
        con.execute(f"SET memory_limit = {_sql_literal(settings.ingest_memory_limit)}")
    except duckdb.Error as exc:
        con.close()
        raise ConfigError(
            f"CSP_INGEST_MEMORY_LIMIT={settings.ingest_memory_limit!r} is not a memory size "
            f"DuckDB accepts (e.g. 1GB, 512MB): {str(exc).splitlines()[0]}"
        ) from None
    return con


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create `raw`, `raw._loads` and every contract's raw and superseded tables."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(LOADS_DDL)
    # (a warehouse made before the load log kept each file's size and time)
    for column in ("file_size", "file_mtime_ns"):
        con.execute(f"ALTER TABLE raw._loads ADD COLUMN IF NOT EXISTS {column} BIGINT")
    for contract in CONTRACTS.values():
        con.execute(contract.create_table_sql())
        con.execute(contract.create_superseded_sql())
    repair_row_numbers(con)


def _sql_literal(value: object) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _next_batch(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM raw._loads").fetchone()[0]


def _log(con, r: LoadResult, loaded_at: datetime, stat: os.stat_result | None = None) -> None:
    con.execute(
        "INSERT INTO raw._loads (batch_id, source, file_name, file_hash, periods, status, "
        "rows_loaded, rows_replaced, warnings, errors, loaded_at, file_size, file_mtime_ns) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            r.batch_id,
            r.source,
            r.file_name,
            r.file_hash,
            r.periods,
            r.status,
            r.rows_loaded,
            r.rows_replaced,
            r.warnings,
            r.errors,
            loaded_at,
            stat.st_size if stat else None,
            stat.st_mtime_ns if stat else None,
        ],
    )


def _quarantine(settings: Settings, source: str, path: Path, errors: list[str]) -> Path:
    qdir = settings.quarantine_dir / source
    qdir.mkdir(parents=True, exist_ok=True)
    target = qdir / path.name
    n = 1
    while target.exists():
        target = qdir / f"{path.name}.{n}"
        n += 1
    try:
        shutil.move(str(path), target)
    except OSError:  # e.g. a read-only source folder: keep a copy instead
        shutil.copy2(path, target)
    Path(f"{target}.error.txt").write_text("\n".join(errors) + "\n", encoding="utf-8")
    return target


def scope_key_sql(contract: Contract) -> str:
    """SQL giving one text key per (period, scope) of a row, over unqualified columns."""
    parts = [f"CAST(({contract.period_sql}) AS VARCHAR)"] + [
        f"CAST({_quote_ident(c)} AS VARCHAR)" for c in contract.scope_columns
    ]
    return f"concat_ws(chr(31), {', '.join(parts)})"


def load_file(
    source: str,
    path: str | Path,
    settings: Settings | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> LoadResult:
    """Validate and load one file. Never raises on bad input: returns status 'rejected'.

    Raises ConfigError when the contract has person fields and no pseudonym key is
    available outside demo mode (the file is left where it is).
    """
    settings = settings or Settings.from_env()
    contract = get_contract(source)
    path = Path(path)
    key = settings.effective_pseudonym_key() if contract.person_columns else b""
    own = con is None
    if con is None:
        con = connect(settings)
    try:
        ensure_raw_schema(con)
        return _load(con, contract, path, settings, key)
    finally:
        if own:
            con.close()


def _load(
    con,
    contract: Contract,
    path: Path,
    settings: Settings,
    key: bytes,
    known: _LoadedFiles | None = None,
) -> LoadResult:
    result = LoadResult(source=contract.name, file_name=path.name, status="", file_hash="")
    now = _now()
    stat = path.stat()
    # The same file (name, size, modification time) as a loaded batch is not read again:
    # a build passes every landing file, and a national landing folder is gigabytes.
    if known is None:
        known = _loaded_files(con, contract)
    same = known.get((path.name, stat.st_size, stat.st_mtime_ns))
    if same:
        return _unchanged(result, *same)
    if bulk.eligible(contract, path, stat.st_size, settings.bulk_min_bytes):
        done = _bulk_load(con, contract, path, settings, result, now, stat)
        if done is not None:
            return done
    # The file is hashed while DuckDB reads it (one pass over the bytes), so a file loaded
    # before is known only after it is read and checked: then nothing more is done with it.
    report = validate_into(con, contract, path, seeds_dir=settings.seeds_dir, periods=False)
    try:
        return _load_validated(con, contract, path, settings, key, report, result, now, stat)
    finally:
        report.drop(con)


#: (file name, size, modification time) -> (batch, content hash) of a contract's loaded files
_LoadedFiles = dict[tuple[str, int, int], tuple[int, str]]


def _loaded_files(con, contract: Contract) -> _LoadedFiles:
    """(name, size, modification time) -> (batch, hash) of the contract's loaded batches:
    read once per call of `load_files`, not once per landing file."""
    rows = con.execute(
        "SELECT file_name, file_size, file_mtime_ns, min(batch_id), arg_min(file_hash, batch_id) "
        "FROM raw._loads WHERE source = ? AND status = 'loaded' AND file_size IS NOT NULL "
        "GROUP BY ALL",
        [contract.name],
    ).fetchall()
    return {(n, size, mtime): (batch, digest) for n, size, mtime, batch, digest in rows}


def _unchanged(result: LoadResult, batch: int, digest: str) -> LoadResult:
    """The very file of a loaded batch, seen again: reported, not logged again (every build
    passes every landing file; a log row per file per build would say nothing new)."""
    result.status = "skipped_duplicate"
    result.file_hash = digest
    result.batch_id = batch
    result.warnings = [f"{result.file_name}: unchanged since batch {batch}, already loaded"]
    return result


def _loaded_batch_of(con, contract: Contract, file_hash: str) -> int | None:
    seen = con.execute(
        "SELECT batch_id FROM raw._loads WHERE source = ? AND file_hash = ? AND status = 'loaded' "
        "ORDER BY batch_id LIMIT 1",
        [contract.name, file_hash],
    ).fetchone()
    return seen[0] if seen else None


def _skip_duplicate(con, result: LoadResult, batch: int, now, stat) -> LoadResult:
    result.status = "skipped_duplicate"
    result.warnings = [f"{result.file_name}: same content as batch {batch}, already loaded"]
    result.batch_id = _next_batch(con)
    _log(con, result, now, stat)
    return result


def _load_validated(con, contract, path, settings, key, report, result, now, stat) -> LoadResult:
    result.file_hash = report.file_hash
    seen = _loaded_batch_of(con, contract, result.file_hash)
    if seen:
        return _skip_duplicate(con, result, seen, now, stat)

    result.warnings = report.warnings
    result.periods = report.periods
    if not report.ok:
        result.status = "rejected"
        result.errors = report.errors
        result.quarantine_path = _quarantine(settings, contract.name, path, report.errors)
        result.batch_id = _next_batch(con)
        _log(con, result, now, stat)
        return result

    typed = report.typed_table
    if contract.person_columns:
        pseudonymise_table(con, contract, typed, key)
    cols = ", ".join(_quote_ident(c) for c in contract.column_names)
    raw = contract.raw_table
    try:
        with _write_transaction(con, path, settings):
            batch = _next_batch(con)
            result.batch_id = batch
            stamp = _timestamp_sql(now)
            result.periods, result.rows_replaced = _replace_scopes(
                con, contract, typed, batch, stamp
            )
            # constants as literals, not parameters: DuckDB folds a literal once but casts a
            # parameter on every row (a third of the insert's time on a 5M-row file)
            con.execute(
                f"INSERT INTO {raw} SELECT {cols}, {_sql_literal(path.name)}, "
                f"{_sql_literal(result.file_hash)}, {int(batch)}, _row_number, {stamp} "
                f"FROM {typed}"
            )
            result.rows_loaded = report.rows
            result.status = "loaded"
            _log(con, result, now, stat)
            con.commit()
    finally:
        _drop(con, "_scope")
    return result


@contextmanager
def _write_transaction(con, path: Path, settings: Settings) -> Iterator[None]:
    """A load's transaction: the body commits (or rolls back and returns); an exception
    rolls back, and a failed write becomes a WarehouseWriteError naming the file."""
    con.begin()
    try:
        yield
    except (duckdb.IOException, duckdb.TransactionException, OSError) as exc:
        _rollback(con)  # DuckDB may refuse everything after a failed write; the file is intact
        raise WarehouseWriteError(
            f"{path.name}: the warehouse {settings.warehouse_path} could not be written "
            f"({exc}); nothing of the file was written and it was left where it is"
        ) from None
    except BaseException:
        _rollback(con)
        raise


def _rollback(con) -> None:
    try:
        con.rollback()
    except duckdb.Error:
        pass  # nothing to roll back (the body already did), or DuckDB refuses after a failure


def _timestamp_sql(moment: datetime) -> str:
    return f"TIMESTAMP {_sql_literal(moment.isoformat(sep=' '))}"


def _in_periods(contract: Contract, periods: list[str | None]) -> str:
    """SQL: the row's period is one of `periods`. The periods as literals: DuckDB then skips
    the row groups of other months (a month's load into years of history reads that month)."""
    period = f"({contract.period_sql})"
    known = ", ".join(_sql_literal(p) for p in periods if p is not None)
    in_period = f"{period} IN ({known})" if known else "false"
    if None in periods:
        in_period = f"({in_period} OR {period} IS NULL)"
    return in_period


def _replace_scopes_of_run(
    con: duckdb.DuckDBPyConnection, contract: Contract, lo: int, hi: int, stamp: str
) -> dict[int, tuple[list[str], int]]:
    """`_replace_scopes` for batches `lo`..`hi` of one run (whose scopes do not overlap, see
    `_restates_itself`) at once: each older raw row in a scope of the run goes to the
    superseded table, marked with the batch that replaced it. Returns, per batch, (its
    periods, rows it replaced). One pass, not one per file over the run's uncommitted rows."""
    raw, sup = contract.raw_table, contract.superseded_table
    key_sql = scope_key_sql(contract)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _scope AS SELECT DISTINCT _batch_id AS _by, "
        f"{contract.period_sql} AS _period, {key_sql} AS _key FROM {raw} "
        f"WHERE _batch_id BETWEEN {int(lo)} AND {int(hi)}"
    )
    periods: dict[int, list[str]] = {b: [] for b in range(lo, hi + 1)}
    for by, period in con.execute(
        "SELECT DISTINCT _by, _period FROM _scope ORDER BY _by, _period NULLS LAST"
    ).fetchall():
        periods[by].append(period)
    every = sorted({p for ps in periods.values() for p in ps}, key=lambda p: (p is None, p))
    old = f"{_in_periods(contract, every)} AND _batch_id < {int(lo)}"
    con.execute(
        f"INSERT INTO {sup} SELECT r.*, {stamp}, s._by FROM {raw} r JOIN _scope s "
        f"ON s._key = {key_sql} WHERE {old}"
    )
    con.execute(f"DELETE FROM {raw} WHERE {old} AND {key_sql} IN (SELECT _key FROM _scope)")
    replaced = dict(
        con.execute(
            f"SELECT _superseded_by_batch, count(*) FROM {sup} WHERE _superseded_by_batch "
            f"BETWEEN {int(lo)} AND {int(hi)} GROUP BY 1"
        ).fetchall()
    )
    return {b: (periods[b], int(replaced.get(b, 0))) for b in periods}


def _replace_scopes(
    con: duckdb.DuckDBPyConnection, contract: Contract, rows: str, batch: int, stamp: str
) -> tuple[list[str], int]:
    """Move the raw rows of every (period, scope) that `rows` holds, other than batch
    `batch`'s own, to the superseded table. Returns (the periods, rows replaced)."""
    raw, sup = contract.raw_table, contract.superseded_table
    key_sql = scope_key_sql(contract)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _scope AS SELECT DISTINCT {contract.period_sql} AS "
        f"_period, {key_sql} AS _key FROM {rows}"
    )
    periods = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT _period FROM _scope ORDER BY _period NULLS LAST"
        ).fetchall()
    ]
    in_scope = (
        f"{_in_periods(contract, periods)} AND {key_sql} IN (SELECT _key FROM _scope) "
        f"AND _batch_id < {int(batch)}"
    )
    con.execute(f"INSERT INTO {sup} SELECT *, {stamp}, {int(batch)} FROM {raw} WHERE {in_scope}")
    replaced = con.execute(f"DELETE FROM {raw} WHERE {in_scope}").fetchone()[0]
    return periods, replaced


@dataclass(frozen=True)
class _BulkFile:
    """A file the bulk path may take: its head and tail checked, its bytes scanned."""

    path: Path
    stat: os.stat_result
    pre: bulk.Prelude
    scan: ByteScan


def _bulk_candidate(
    con, contract: Contract, path: Path, stat
) -> _BulkFile | tuple[int, str] | None:
    """The file ready for the bulk path; or (the batch that loaded the same content before,
    the content's hash); or None when it must take the careful path (which then says why)."""
    pre = bulk.prelude(contract, path, stat.st_size)
    if pre is None:
        return None
    # The byte pass comes before the insert, not beside it: the file's hash then goes into
    # the insert (filling it in afterwards by UPDATE made the commit rewrite the column, 4x
    # the pass's own 1-2 s), a file loaded before is skipped unread, and NUL bytes or empty
    # lines go the careful way before anything is written.
    done = scan_bytes(path)
    if done.has_nul or any(o < pre.tail.content_end for o in done.blank_line_offsets):
        return None
    seen = _loaded_batch_of(con, contract, done.sha256)
    return (seen, done.sha256) if seen else _BulkFile(path, stat, pre, done)


def _bulk_load(con, contract, path, settings, result, now, stat) -> LoadResult | None:
    """Load a large plain CSV straight into the raw table (`ingest.bulk`). None, with
    nothing written, when the file must take the careful path (which then says why)."""
    found = _bulk_candidate(con, contract, path, stat)
    if found is None:
        return None
    if isinstance(found, tuple):
        seen, result.file_hash = found
        return _skip_duplicate(con, result, seen, now, stat)
    done = _bulk_load_files(con, contract, [found], settings, now)
    return done[0] if done else None


def _bulk_load_files(
    con, contract: Contract, files: list[_BulkFile], settings: Settings, now: datetime
) -> list[LoadResult] | None:
    """Load the files, in order, each its own batch, through one `read_csv` of them all (a
    national month is some 40 files of 10,000 rows: one read of them all has none of the
    per-file cost). None, with nothing written, when any of them must take the careful
    path: the caller then loads them one by one."""
    first = files[0].path
    refs, ref_warnings = _load_references(con, contract, settings.seeds_dir, first.name)
    if ref_warnings:
        return None
    raw = contract.raw_table
    stamp = _timestamp_sql(now)
    rejects = "_bulk_rejects"
    results = [
        LoadResult(
            source=contract.name,
            file_name=f.path.name,
            status="loaded",
            file_hash=f.scan.sha256,
            warnings=[str(w) for w in f.pre.warnings],
            method="bulk",
        )
        for f in files
    ]
    try:
        with _write_transaction(con, first, settings):
            b0 = _next_batch(con)

            def per_file(values: list[str]) -> str:
                whens = " ".join(
                    f"WHEN {_sql_literal(str(f.path))} THEN {v}"
                    for f, v in zip(files, values, strict=True)
                )
                return f"CASE _file {whens} END"

            names = per_file([_sql_literal(f.path.name) for f in files])
            hashes = per_file([_sql_literal(f.scan.sha256) for f in files])
            batches = per_file([str(b0 + i) for i in range(len(files))])
            read = bulk.read_sql(contract, [f.path for f in files], files[0].pre, rejects, 50)
            try:
                con.execute(
                    f"INSERT INTO {raw} SELECT {bulk.guarded_select(contract, refs)}, {names}, "
                    f"{hashes}, {batches}, NULL, {stamp} FROM ({read})"
                )
            except duckdb.Error:
                con.rollback()  # a value a rule rejects: the careful path names it
                return None
            rejected = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]
            counts = {
                b: (first_row, n)
                for b, first_row, n in con.execute(
                    f"SELECT _batch_id, min(rowid), count(*) FROM {raw} WHERE _batch_id "
                    f"BETWEEN {b0} AND {b0 + len(files) - 1} GROUP BY 1"
                ).fetchall()
            }
            if rejected or len(counts) < len(files) or _restates_itself(con, contract, b0, files):
                con.rollback()
                return None
            scopes = _replace_scopes_of_run(con, contract, b0, b0 + len(files) - 1, stamp)
            for i, (f, result) in enumerate(zip(files, results, strict=True)):
                result.batch_id = b0 + i
                result.periods, result.rows_replaced = scopes[result.batch_id]
                result.rows_loaded = counts[result.batch_id][1]
                _log(con, result, now, f.stat)
            con.commit()
        # Row numbers and warnings in a second transaction, over committed rows: written in
        # the first, the row numbers made DuckDB rewrite the whole insert at commit (10 s of
        # CPU on 5M rows), and the warnings' scan of uncommitted rows ran on one thread. A
        # crash between the two leaves row numbers NULL: `repair_row_numbers` fills them in
        # at the next load, before anything else is written.
        con.begin()
        try:
            _number_rows(con, raw, [r.batch_id for r in results])
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW _bulk_rows AS SELECT (_row_number + 1)"
                f"::INTEGER AS _line, * FROM {raw} WHERE _batch_id BETWEEN "
                f"{results[0].batch_id} AND {results[-1].batch_id}"
            )
            found = column_warnings_by(
                con,
                contract,
                "_bulk_rows",
                "_batch_id",
                {r.batch_id: r.file_name for r in results},
                typed=True,
            )
            for result in results:
                if found[result.batch_id]:
                    result.warnings += [str(w) for w in found[result.batch_id]]
                    con.execute(
                        f"UPDATE raw._loads SET warnings = {_sql_list(result.warnings)} "
                        f"WHERE batch_id = {result.batch_id}"
                    )
            con.commit()
        except duckdb.Error as exc:
            _rollback(con)  # the rows stand, committed; only their numbering waits
            for result in results:
                result.warnings.append(
                    f"{result.file_name}: loaded, but its row numbers and value warnings could "
                    f"not be written ({str(exc).splitlines()[0]}); the next load numbers the rows"
                )
    finally:
        _drop(con, "_bulk_rows", "_scope", rejects, f"{rejects}_scan")
    return results


def _restates_itself(con, contract: Contract, b0: int, files: list) -> bool:
    """Whether a file of the run restates a period and scope of an earlier one: its rows would
    supersede rows not yet numbered, so such a run goes file by file."""
    if len(files) < 2:
        return False
    scopes = (
        f"SELECT DISTINCT _batch_id, {contract.period_sql} AS p, {scope_key_sql(contract)} AS k "
        f"FROM {contract.raw_table} WHERE _batch_id BETWEEN {b0} AND {b0 + len(files) - 1}"
    )
    return bool(
        con.execute(
            f"WITH s AS ({scopes}) SELECT count(*) FROM s a JOIN s b "
            "ON a.p IS NOT DISTINCT FROM b.p AND a.k = b.k AND a._batch_id > b._batch_id"
        ).fetchone()[0]
    )


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(_sql_literal(v) for v in values) + "]::VARCHAR[]"


def _number_rows(con, raw: str, batches: list[int]) -> None:
    """Row numbers for batches the bulk path appended: each row's position among its batch's
    row ids, which keep the file's order while none of its rows has been deleted. A file read
    alone has consecutive row ids (a subtraction); files read together interleave theirs
    (a window over the batch)."""
    listed = ", ".join(str(int(b)) for b in batches)
    spans = con.execute(
        f"SELECT _batch_id, min(rowid), max(rowid), count(*) FROM {raw} "
        f"WHERE _batch_id IN ({listed}) GROUP BY 1"
    ).fetchall()
    for batch, lo, hi, n in spans:
        if hi - lo + 1 == n:
            con.execute(
                f"UPDATE {raw} SET _row_number = (rowid - {int(lo)} + 1)::INTEGER "
                f"WHERE _batch_id = {int(batch)}"
            )
        else:
            con.execute(
                f"UPDATE {raw} AS r SET _row_number = n.rn FROM (SELECT rowid AS rid, "
                f"row_number() OVER (ORDER BY rowid)::INTEGER AS rn FROM {raw} "
                f"WHERE _batch_id = {int(batch)}) n WHERE r.rowid = n.rid"
            )


def repair_row_numbers(con) -> list[int]:
    """Number the rows of any bulk-loaded batch a crash left without row numbers (between
    its two transactions); returns those batches. Reads only the row groups that hold a NULL
    row number, so it costs next to nothing when there are none."""
    repaired: list[int] = []
    for contract in CONTRACTS.values():
        if not bulk.may_take(contract):
            continue
        raw = contract.raw_table
        batches = con.execute(
            f"SELECT DISTINCT _batch_id FROM {raw} WHERE _row_number IS NULL ORDER BY 1"
        ).fetchall()
        for (batch,) in batches:
            con.begin()
            try:
                _number_rows(con, raw, [batch])
                con.commit()
            except BaseException:
                _rollback(con)
                raise
            repaired.append(batch)
    return repaired


def read_load_log(warehouse_path: Path, after_batch: int = 0) -> list[LoadResult]:
    """The file attempts `raw._loads` records after batch `after_batch`, in load order; none
    when the warehouse or its load log does not exist yet. Opens the warehouse read-only
    (raises duckdb.IOException while a writer holds it)."""
    if not Path(warehouse_path).is_file():
        return []
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
            "AND table_name = '_loads'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "SELECT source, file_name, status, periods, rows_loaded, rows_replaced, warnings, "
            "errors, batch_id, file_hash FROM raw._loads WHERE batch_id > ? ORDER BY batch_id",
            [after_batch],
        ).fetchall()
    finally:
        con.close()
    return [
        LoadResult(
            source=src,
            file_name=name,
            status=status,
            periods=list(periods or []),
            rows_loaded=int(n or 0),
            rows_replaced=int(replaced or 0),
            warnings=list(warnings or []),
            errors=list(errors or []),
            batch_id=batch,
            file_hash=digest or "",
        )
        for src, name, status, periods, n, replaced, warnings, errors, batch, digest in rows
    ]


#: At most this many files in one bulk read (a national month is some 40).
BULK_GROUP_FILES = 64


def load_files(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    files: list[Path],
    settings: Settings,
    key: bytes = b"",
) -> list[LoadResult]:
    """Load `files` in order, each its own batch, as `load_file` would one by one. A run of
    plain CSVs of a bulk contract with the same header, together at least
    `CSP_BULK_MIN_BYTES` (and each smaller), is read in one go (`_bulk_load_files`); if any
    of them must take the careful path, the run is loaded file by file instead."""
    results: list[LoadResult] = []
    known = _loaded_files(con, contract)
    i = 0
    while i < len(files):
        run = _bulk_run(con, contract, files[i : i + BULK_GROUP_FILES], settings, known)
        if len(run) > 1 and sum(f.stat.st_size for f in run) >= settings.bulk_min_bytes:
            done = _bulk_load_files(con, contract, run, settings, _now())
            if done is not None:
                results += done
                i += len(run)
                continue
        for p in files[i : i + max(len(run), 1)]:
            results.append(_load(con, contract, p, settings, key, known))
        i += max(len(run), 1)
    return results


def _bulk_run(
    con,
    contract: Contract,
    files: list[Path],
    settings: Settings,
    known: _LoadedFiles,
) -> list[_BulkFile]:
    """The longest run from the first of `files` that may be read in one go: small plain CSVs
    with the first's header, none loaded before (by name, size and time, or by content)."""
    if not bulk.may_take(contract):
        return []
    # nothing is read unless the run could be large enough to go in one read
    sizes = [p.stat().st_size for p in files if p.suffix.lower() == ".csv"]
    if sum(s for s in sizes if s < settings.bulk_min_bytes) < settings.bulk_min_bytes:
        return []
    run: list[_BulkFile] = []
    hashes: set[str] = set()
    for path in files:
        stat = path.stat()
        if path.suffix.lower() != ".csv" or stat.st_size >= settings.bulk_min_bytes:
            break
        if (path.name, stat.st_size, stat.st_mtime_ns) in known:
            break
        found = _bulk_candidate(con, contract, path, stat)
        if not isinstance(found, _BulkFile) or found.scan.sha256 in hashes:
            break
        if run and found.pre.header != run[0].pre.header:
            break
        run.append(found)
        hashes.add(found.scan.sha256)
    return run


def load_landing(settings: Settings | None = None, source: str | None = None) -> list[LoadResult]:
    """Load every file of `<landing>/<source>/` that loads (every contract's source if None;
    the rule is ingest.landing's), in name order, through one warehouse connection."""
    settings = settings or Settings.from_env()
    sources = [get_contract(source).name] if source else list(CONTRACTS)
    results: list[LoadResult] = []
    con = connect(settings)
    try:
        ensure_raw_schema(con)
        for s in sources:
            files = landing_files(settings.landing_dir, s)
            if not files:
                continue
            contract = get_contract(s)
            key = settings.effective_pseudonym_key() if contract.person_columns else b""
            results += load_files(con, contract, files, settings, key)
    finally:
        con.close()
    return results
