"""Readers: put a partner file into a DuckDB temp table of text columns, or say why not.

CSV: UTF-8 (with or without BOM) or Windows-1252, LF or CRLF line ends, columns matched
by header name in any order. XLSX: the first sheet, title rows above the header allowed
(the header row is the first row that holds every contract header); a date cell of a DATE
or TIMESTAMP column is read in the column's format (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`).
A contract with `xlsx_all_sheets` (a published workbook of one sheet per year) reads every
sheet that has the header, one after the other; a finding on such a sheet names the file and
the sheet, and the row is the sheet's own row number.

The bulk read is DuckDB's `read_csv` (all text, strict). Python only decodes/re-encodes
the bytes when they are not plain UTF-8, and converts XLSX to a CSV copy.

Row numbers in messages are the numbers a person sees: in a CSV the header is row 1 and
the first data row is row 2 (one record per line); in an XLSX, the sheet's row number.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import os
import re
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb

from ingest.contracts.base import Column, Contract

UTF8_BOM = b"\xef\xbb\xbf"
_CANDIDATE_DELIMITERS = (";", "\t", "|", ":")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XLSX_HEADER_SEARCH_ROWS = 50
#: How much of a CSV's head and tail is read to see what it is; the rest is streamed.
_HEAD_BYTES = 1 << 16
_CHUNK_BYTES = 1 << 23
#: a newline followed by an empty line (CRLF or LF)
_EMPTY_LINE = re.compile(rb"\n(?=\r?\n)")
#: More unexpected extra columns than this are one warning naming the first few.
MAX_EXTRA_COLUMN_WARNINGS = 10
_EXTRA_COLUMNS_NAMED = 5


@dataclass(frozen=True)
class Finding:
    """One error or warning, naming file, row, column and reason."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}"


@dataclass
class StagedFile:
    """A file read into the temp table `table`: one VARCHAR column per contract column
    (contract column names), plus `_line` (row number as a person sees it) and
    `_row_number` (1-based data row)."""

    file_name: str
    table: str | None = None
    #: what each value of the table's `_part` column names in a finding: the file itself,
    #: or, for a workbook read sheet by sheet, "<file> (sheet '<name>')"
    part_names: list[str] = field(default_factory=list)
    rows: int = 0
    encoding: str | None = None
    header: list[str] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    #: An XLSX's rows above its header: (row number, the row's non-blank cells joined by
    #: spaces), blank rows left out (a file's title, e.g. the period a return is for).
    title_rows: list[tuple[int, str]] = field(default_factory=list)
    #: SHA-256 of the file's bytes (hex), computed while it was read
    sha256: str = ""
    #: the temp views and tables behind `table`, to drop when done (`drop`)
    objects: list[str] = field(default_factory=list)
    #: `table` is a view over the rows as read (rows cannot be deleted from it)
    is_view: bool = False

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        _drop(con, *(self.objects or ([self.table] if self.table else [])))

    @property
    def ok(self) -> bool:
        return not self.errors and self.table is not None


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage_file(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    path: Path,
    *,
    table: str | None = None,
    max_errors: int = 50,
) -> StagedFile:
    """Read `path` into a temp table of `con`. Errors are returned, never raised."""
    path = Path(path)
    table = table or f"_stage_{contract.name}_{uuid.uuid4().hex[:8]}"
    kind = "xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    if kind not in contract.formats:
        accepted = " or ".join(f.upper() for f in contract.formats)
        reason = f"{kind.upper()} file: {contract.name} is sent as {accepted} only"
        staged = StagedFile(path.name, errors=[Finding(path.name, None, None, reason)])
        staged.sha256 = scan_bytes(path).sha256
        return staged
    if kind == "xlsx":
        data = path.read_bytes()
        staged = _stage_xlsx(con, contract, path, data, table, max_errors)
        staged.sha256 = hashlib.sha256(data).hexdigest()
        return staged
    return _stage_csv(con, contract, path.name, path, table, max_errors, line_offset=0)


# --------------------------------------------------------------------------- CSV


def decode_text(data: bytes, *, partial: bool = False) -> tuple[str | None, str | None, str | None]:
    """Return (text, encoding, error). UTF-8 (BOM stripped) first, else Windows-1252.
    `partial`: `data` is the head of a longer file (it may end inside a UTF-8 character)."""
    if b"\x00" in data:
        return None, None, "not a text CSV file (it contains NUL bytes: binary data?)"
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, None, "not a text CSV file (it is a ZIP/Excel file: save it as CSV)"
    bom = data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM) :] if bom else data
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=not partial)
        encoding = "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = body.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            return None, None, "not a text CSV file (bytes are neither UTF-8 nor Windows-1252)"
    controls = len(_CONTROL_CHARS.findall(text[:65536]))
    if controls > max(2, len(text[:65536]) // 200):
        return None, None, "not a text CSV file (it is full of control characters: binary data?)"
    return text, encoding, None


def _split_header(line: str, delimiter: str = ",") -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return line.split(delimiter)


def check_header(contract: Contract, file_name: str, fields: list[str], row: int = 1):
    """Compare a header row with the contract. Returns (errors, warnings, positions) where
    positions maps contract column name -> field index in the file."""
    errors: list[Finding] = []
    warnings: list[Finding] = []
    fields = [f.strip() for f in fields]
    expected = list(contract.headers)
    seen: dict[str, int] = {}
    for i, f in enumerate(fields):
        if f in seen and f:
            errors.append(Finding(file_name, row, f, "column appears more than once in the header"))
        seen.setdefault(f, i)
    missing = [h for h in expected if h not in seen]
    extra = [f for f in fields if f not in expected]
    if missing and len(missing) >= len(expected) - 1 and len(fields) <= 2:
        line = ",".join(fields)
        for d in _CANDIDATE_DELIMITERS:
            parts = [p.strip() for p in _split_header(line, d)]
            if sum(p in expected for p in parts) >= max(2, len(expected) // 2):
                name = {"\t": "tab", ";": "semicolon", "|": "pipe", ":": "colon"}[d]
                errors.append(
                    Finding(
                        file_name,
                        row,
                        None,
                        f"wrong delimiter: the header does not split on commas into the expected "
                        f"columns; the file looks {name}-separated ({d!r}); "
                        "expected comma-separated values",
                    )
                )
                return errors, warnings, {}
        errors.append(
            Finding(
                file_name,
                row,
                None,
                "the header does not split into the expected columns (wrong delimiter or no "
                f"header row?): expected comma-separated {', '.join(expected)}",
            )
        )
        return errors, warnings, {}
    unmatched_extra = [e for e in extra if e]
    for m in missing:
        partner = _likely_rename(m, unmatched_extra, len(missing) == 1 and len(extra) == 1)
        if partner is not None:
            unmatched_extra.remove(partner)
            errors.append(
                Finding(
                    file_name,
                    row,
                    m,
                    f"renamed column: expected column '{m}' is missing and unexpected column "
                    f"'{partner}' is present (was it renamed?)",
                )
            )
        else:
            errors.append(Finding(file_name, row, m, f"missing column: '{m}' is not in the header"))
    if len(unmatched_extra) > MAX_EXTRA_COLUMN_WARNINGS:
        # a wide published export (NDTMS ViewIt: 244 columns, the contract pins a few): one
        # warning, not one per column
        first = ", ".join(f"'{e}'" for e in unmatched_extra[:_EXTRA_COLUMNS_NAMED])
        warnings.append(
            Finding(
                file_name,
                row,
                None,
                f"{len(unmatched_extra)} unexpected extra columns, ignored (the contract pins "
                f"{len(expected)}): {first}, ...",
            )
        )
    else:
        for e in unmatched_extra:
            warnings.append(Finding(file_name, row, e, "unexpected extra column, ignored"))
    if "" in seen and len(fields) > 1:
        warnings.append(Finding(file_name, row, None, "the header has a blank column name"))
    positions = {c.name: seen[c.header] for c in contract.columns if c.header in seen}
    return errors, warnings, positions


def _likely_rename(missing: str, extras: list[str], only_pair: bool) -> str | None:
    if not extras:
        return None
    norm = {e: re.sub(r"[^a-z0-9]", "", e.lower()) for e in extras}
    target = re.sub(r"[^a-z0-9]", "", missing.lower())
    for e, n in norm.items():
        if n == target:
            return e
    best = difflib.get_close_matches(missing.lower(), [e.lower() for e in extras], n=1, cutoff=0.5)
    if best:
        return next(e for e in extras if e.lower() == best[0])
    return extras[0] if only_pair else None


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    file_name: str,
    path: Path,
    table: str,
    max_errors: int,
    *,
    line_offset: int,
    scan: ByteScanJob | None = None,
) -> StagedFile:
    """Stage a CSV file on disk. The file is never read whole into Python: its head and
    tail say what it is, one streamed pass (`scan_bytes`, in a thread while DuckDB reads)
    finds NUL bytes and blank lines and hashes it, and DuckDB's `read_csv` does the rest."""
    staged = StagedFile(file_name=file_name)
    scan = scan or ByteScanJob.start(path)
    try:
        return _stage_csv_scanned(
            con, contract, file_name, path, table, max_errors, line_offset, scan, staged
        )
    finally:
        staged.sha256 = scan.result().sha256


def _stage_csv_scanned(
    con, contract, file_name, path, table, max_errors, line_offset, scan, staged
) -> StagedFile:
    size = path.stat().st_size
    if size == 0:
        staged.errors.append(
            Finding(file_name, None, None, "empty file (0 bytes): no header and no data rows")
        )
        return staged
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    text, encoding, problem = decode_text(head, partial=len(head) < size)
    if problem:
        staged.errors.append(Finding(file_name, None, None, problem))
        return staged
    assert text is not None
    staged.encoding = encoding
    tail = _tail(path, size)
    first, newline, _ = text.partition("\n")
    first = first.rstrip("\r")
    if not first.strip():
        if tail.content_end == 0:
            reason = "empty file: no header and no data rows"
        else:
            reason = "the first line is blank: expected the header row"
        staged.errors.append(Finding(file_name, 1 + line_offset, None, reason))
        return staged
    header = _split_header(first)
    staged.header = [h.strip() for h in header]
    errors, warnings, positions = check_header(contract, file_name, header, 1 + line_offset)
    staged.errors += errors
    staged.warnings += warnings
    if errors:
        return staged
    if not newline or tail.content_end <= head.find(b"\n"):
        staged.errors.append(
            Finding(file_name, 2 + line_offset, None, "no data rows (the file has a header only)")
        )
        return staged

    n = len(header)
    raw = f"{table}_in"
    tmp_path: str | None = None
    try:
        problem = None
        if encoding == "windows-1252":
            tmp_path, problem = _transcode_cp1252(path)
        read = None if problem else _read_csv(con, tmp_path or str(path), raw, n, max_errors)
        if (
            read is None
            and not problem
            and encoding != "windows-1252"
            and _has_reject(con, raw, ("INVALID ENCODING", "INVALID UNICODE"))
        ):
            # UTF-8 at the head, not further on: the whole file is Windows-1252
            staged.encoding = encoding = "windows-1252"
            tmp_path, problem = _transcode_cp1252(path)
            read = None if problem else _read_csv(con, tmp_path or str(path), raw, n, max_errors)
        if problem:
            _drop(con, raw, f"{raw}_rej", f"{raw}_rejscan")
            staged.errors.append(Finding(file_name, None, None, problem))
            return staged
        if read is not None and read is not True:
            staged.errors.append(Finding(file_name, None, None, read))
            return staged
    finally:
        if tmp_path:
            os.unlink(tmp_path)
    done = scan.result()
    if done.has_nul:
        staged.errors.append(
            Finding(
                file_name, None, None, "not a text CSV file (it contains NUL bytes: binary data?)"
            )
        )
        _drop(con, raw, f"{raw}_rej", f"{raw}_rejscan")
        return staged
    blank = [o for o in done.blank_line_offsets if o < tail.content_end]
    if blank:
        for ln in _line_numbers(path, blank[:max_errors]):
            staged.errors.append(
                Finding(file_name, ln + line_offset, None, "blank line inside the data")
            )
        _drop(con, raw, f"{raw}_rej", f"{raw}_rejscan")
        return staged
    rejects = con.execute(
        f"SELECT line, column_idx, error_type, error_message, byte_position, csv_line "
        f"FROM {raw}_rej ORDER BY line LIMIT {max_errors}"
    ).fetchall()
    seen_lines: set[int] = set()
    for line, column_idx, error_type, message, byte_position, csv_line in rejects:
        if line in seen_lines:  # DuckDB may report one broken line more than once
            continue
        seen_lines.add(line)
        if csv_line is not None and not csv_line.strip():
            # a line of spaces: DuckDB reads it as a short row
            if byte_position is None or byte_position < tail.content_end:
                staged.errors.append(
                    Finding(file_name, int(line) + line_offset, None, "blank line inside the data")
                )
            continue
        is_last = (
            not tail.ends_with_newline
            and byte_position is not None
            and byte_position >= tail.last_line_start
        )
        staged.errors.append(
            _reject_finding(
                file_name,
                int(line) + line_offset,
                is_last,
                header,
                column_idx,
                error_type,
                message,
            )
        )
    _drop(con, f"{raw}_rej", f"{raw}_rejscan")
    if staged.errors:
        _drop(con, raw)
        return staged
    select = ", ".join(f"c{positions[c.name]} AS {_quote_ident(c.name)}" for c in contract.columns)
    # A view, not a copy: DuckDB's rowid of the read table is the data row's position.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {table} AS
        SELECT (rowid + {2 + line_offset})::INTEGER AS _line, 0 AS _part,
               (rowid + 1)::INTEGER AS _row_number, {select}
        FROM {raw}
        """
    )
    staged.table = table
    staged.objects = [table, raw]
    staged.is_view = True
    staged.part_names = [file_name]
    staged.rows = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
    if staged.rows == 0:
        staged.errors.append(
            Finding(file_name, 2 + line_offset, None, "no data rows (the file has a header only)")
        )
        staged.table = None
        _drop(con, table, raw)
    return staged


def _read_csv(
    con: duckdb.DuckDBPyConnection, read_path: str, raw: str, n: int, max_errors: int
) -> str | bool | None:
    """`read_csv` all text into the temp table `raw`, its rejected lines into `<raw>_rej`.
    True when every line was read, None when some were rejected, else why it failed."""
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"
    rej, scan = f"{raw}_rej", f"{raw}_rejscan"
    _drop(con, raw, rej, scan)
    try:
        con.execute(
            f"""
            CREATE TEMP TABLE {raw} AS
            SELECT * FROM read_csv({_sql_str(read_path)},
                header = false, skip = 1, auto_detect = false, columns = {cols},
                delim = ',', quote = '"', escape = '"',
                strict_mode = true, null_padding = false, all_varchar = true,
                store_rejects = true, rejects_table = '{rej}', rejects_scan = '{scan}',
                rejects_limit = {max_errors})
            """
        )
    except duckdb.Error as exc:
        _drop(con, raw, rej, scan)
        return f"could not be read as CSV: {str(exc).splitlines()[0]}"
    n_rej = con.execute(f"SELECT count(*) FROM {rej}").fetchone()[0]
    return True if n_rej == 0 else None


def _has_reject(con: duckdb.DuckDBPyConnection, raw: str, types: tuple[str, ...]) -> bool:
    listed = ", ".join(_sql_str(t) for t in types)
    return bool(
        con.execute(f"SELECT count(*) FROM {raw}_rej WHERE error_type IN ({listed})").fetchone()[0]
    )


def _transcode_cp1252(path: Path) -> tuple[str | None, str | None]:
    """A UTF-8 copy of a Windows-1252 file, in a temp file, streamed: (path, problem)."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="csp_ingest_")
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            while chunk := src.read(_CHUNK_BYTES):
                out.write(chunk.decode("cp1252").encode("utf-8"))
    except UnicodeDecodeError:
        os.unlink(tmp)
        return None, "not a text CSV file (bytes are neither UTF-8 nor Windows-1252)"
    return tmp, None


@dataclass(frozen=True)
class _Tail:
    #: offset just past the last byte that is not white space (0: the file is all blank)
    content_end: int
    #: offset where the last line with content starts
    last_line_start: int
    ends_with_newline: bool


def _tail(path: Path, size: int) -> _Tail:
    """The end of the file: where its content ends (trailing blank lines are allowed)."""
    block = _HEAD_BYTES
    with path.open("rb") as fh:
        end = size
        content_end = 0
        ends_with_newline = False
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            data = fh.read(end - start)
            if end == size:
                ends_with_newline = data.endswith(b"\n")
            stripped = data.rstrip()
            if stripped:
                content_end = start + len(stripped)
                break
            end = start
        last_nl = -1
        end = content_end
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            i = fh.read(end - start).rfind(b"\n")
            if i >= 0:
                last_nl = start + i
                break
            end = start
    return _Tail(content_end, last_nl + 1, ends_with_newline)


def _line_numbers(path: Path, offsets: list[int]) -> list[int]:
    """The line number of the line that starts just after each newline at `offsets` (sorted):
    only called for a file with blank lines, so a second pass is fine."""
    numbers: list[int] = []
    seen = 0
    pos = 0
    todo = sorted(offsets)
    with path.open("rb") as fh:
        while todo and (chunk := fh.read(_CHUNK_BYTES)):
            while todo and todo[0] < pos + len(chunk):
                numbers.append(seen + chunk.count(b"\n", 0, todo[0] - pos + 1) + 1)
                todo.pop(0)
            seen += chunk.count(b"\n")
            pos += len(chunk)
    return numbers


@dataclass(frozen=True)
class ByteScan:
    sha256: str
    size: int
    has_nul: bool
    #: byte offsets of each newline followed by an empty line (the first few)
    blank_line_offsets: tuple[int, ...]


def scan_bytes(path: Path, max_found: int = 50) -> ByteScan:
    """One streamed pass over the file: its SHA-256, NUL bytes, empty lines (which DuckDB's
    reader would skip, shifting every row number after them)."""
    has_nul = False
    found: list[int] = []
    carry = b""
    size = 0
    # SHA-256 releases the GIL on large buffers: it runs in a thread beside the searches,
    # which halves the pass on a large file.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csp-hash") as pool:
        digest = hashlib.sha256()
        hashed: Future[None] | None = None
        with Path(path).open("rb") as fh:
            while chunk := fh.read(_CHUNK_BYTES):
                if hashed is not None:
                    hashed.result()
                hashed = pool.submit(digest.update, chunk)
                has_nul = has_nul or b"\x00" in chunk
                if len(found) < max_found:
                    # an empty line across the chunk boundary, then those inside the chunk
                    # (a repeat of the last one found is skipped)
                    edge = carry + chunk[:2]
                    for start, text in ((size - len(carry), edge), (size, chunk)):
                        for m in _EMPTY_LINE.finditer(text):
                            o = start + m.start()
                            if (text is chunk or m.start() < len(carry)) and (
                                not found or o > found[-1]
                            ):
                                found.append(o)
                                if len(found) >= max_found:
                                    break
                        if len(found) >= max_found:
                            break
                carry = (carry + chunk[-2:])[-2:]
                size += len(chunk)
        if hashed is not None:
            hashed.result()
    return ByteScan(digest.hexdigest(), size, has_nul, tuple(found))


class ByteScanJob:
    """`scan_bytes` in a thread: hashing and the regular expression run while DuckDB reads
    (DuckDB releases the GIL)."""

    def __init__(self, future: Future[ByteScan]) -> None:
        self._future = future

    @classmethod
    def start(cls, path: Path) -> ByteScanJob:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csp-scan")
        try:
            return cls(pool.submit(scan_bytes, Path(path)))
        finally:
            pool.shutdown(wait=False)

    def result(self) -> ByteScan:
        return self._future.result()


def _reject_finding(file_name, line, is_last_unterminated, header, column_idx, error_type, msg):
    n = len(header)
    found = re.search(r"Found:\s*(\d+)", msg or "")
    k = found.group(1) if found else "fewer"
    col = None
    if column_idx is not None and 0 <= int(column_idx) < n:
        col = header[int(column_idx)].strip()
    if error_type == "MISSING COLUMNS":
        if is_last_unterminated:
            return Finding(
                file_name,
                line,
                col,
                f"truncated last line: it has {k} fields but the header has {n} "
                "and the file does not end with a line break (cut off?)",
            )
        return Finding(file_name, line, col, f"short row: it has {k} fields but the header has {n}")
    if error_type == "TOO MANY COLUMNS":
        return Finding(file_name, line, None, f"long row: it has {k} fields but the header has {n}")
    if error_type == "UNQUOTED VALUE":
        if is_last_unterminated or "unterminated" in (msg or "").lower():
            return Finding(
                file_name,
                line,
                None,
                "truncated last line: a quoted value is never closed (unterminated quote; "
                "the file appears cut off)",
            )
        return Finding(file_name, line, col, f"badly quoted value: {msg}")
    if error_type == "INVALID UNICODE":
        return Finding(file_name, line, col, "invalid characters (not UTF-8 or Windows-1252)")
    return Finding(file_name, line, col, f"unreadable row ({error_type}): {msg}")


def _drop(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Drop temp tables or views by name (a staged file is a view over its read table)."""
    for t in tables:
        try:
            con.execute(f"DROP TABLE IF EXISTS {t}")
        except duckdb.CatalogException:
            con.execute(f"DROP VIEW IF EXISTS {t}")


# --------------------------------------------------------------------------- XLSX


def _cell_text(value, column: Column | None = None) -> str:
    """A cell as the text a CSV would hold. A date cell of a DATE or TIMESTAMP column is
    written in that column's format (a date-time cell keeps its time, to the second)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if column is not None and column.type == "TIMESTAMP":
            if value.microsecond:  # Excel stores a time as a fraction of a day: round it
                value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
            return value.strftime(column.datetime_format)
        if value.time() == time(0, 0):
            value = value.date()
        else:
            return value.isoformat(sep=" ")
    if isinstance(value, date):
        if column is not None and column.type == "DATE":
            return value.strftime(column.date_format)
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _stage_xlsx(con, contract, path: Path, data: bytes, table: str, max_errors: int):
    file_name = path.name
    staged = StagedFile(file_name=file_name)
    if len(data) == 0:
        staged.errors.append(
            Finding(file_name, None, None, "empty file (0 bytes): no header and no data rows")
        )
        return staged
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        staged.errors.append(
            Finding(file_name, None, None, f"not a readable XLSX file ({type(exc).__name__})")
        )
        return staged
    try:
        if not contract.xlsx_all_sheets:
            return _stage_sheet(con, contract, path, wb.worksheets[0], file_name, table, max_errors)
        return _stage_sheets(con, contract, path, wb, table, max_errors)
    finally:
        wb.close()


def _stage_sheets(con, contract, path: Path, wb, table: str, max_errors: int) -> StagedFile:
    """Every sheet of the workbook that holds the contract's header, one after the other (a
    published workbook of one sheet per year). A sheet with none of the contract's column
    names (a cover or notes sheet) is skipped with a warning; a sheet whose header is broken
    rejects the file like a broken header of a CSV."""
    file_name = path.name
    staged = StagedFile(file_name=file_name)
    parts: list[StagedFile] = []
    expected = set(contract.headers)
    for i, ws in enumerate(wb.worksheets):
        part_name = f"{file_name} (sheet '{ws.title}')"
        hits = 0
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            hits = max(hits, len(expected & {_cell_text(v).strip() for v in values}))
            if hits == len(expected) or r >= _XLSX_HEADER_SEARCH_ROWS:
                break
        if hits == 0:
            staged.warnings.append(
                Finding(
                    part_name,
                    None,
                    None,
                    "sheet skipped: none of the contract's column names in its first "
                    f"{_XLSX_HEADER_SEARCH_ROWS} rows (a cover or notes sheet?)",
                )
            )
            continue
        part = _stage_sheet(con, contract, path, ws, part_name, f"{table}_s{i}", max_errors)
        staged.errors += part.errors
        staged.warnings += part.warnings
        parts.append(part)
    if not parts:
        staged.errors.append(
            Finding(
                file_name,
                None,
                None,
                "no sheet holds the contract's header: no row in the first "
                f"{_XLSX_HEADER_SEARCH_ROWS} of any sheet holds the contract's column names",
            )
        )
    if staged.errors or not parts:
        for p in parts:
            p.drop(con)
        return staged
    union = " UNION ALL ".join(
        f"SELECT * REPLACE ({n} AS _part) FROM {p.table}" for n, p in enumerate(parts)
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT * REPLACE (row_number() OVER (ORDER BY _part, _line)::INTEGER AS _row_number)
            FROM ({union})"""
    )
    for p in parts:
        p.drop(con)
    staged.table = table
    staged.objects = [table]
    staged.part_names = [p.file_name for p in parts]
    staged.header = parts[0].header
    staged.encoding = parts[0].encoding
    staged.rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return staged


def _stage_sheet(con, contract, path: Path, ws, file_name: str, table: str, max_errors: int):
    """One sheet: find its header row, then read it as the CSV it would be saved as."""
    staged = StagedFile(file_name=file_name)
    rows = ws.iter_rows(values_only=True)
    expected = set(contract.headers)
    best: tuple[int, int, list[str]] = (-1, 0, [])
    header_row = None
    header: list[str] = []
    titles: list[tuple[int, str]] = []
    for r, values in enumerate(rows, start=1):
        cells = [_cell_text(v).strip() for v in values]
        hits = len(expected & set(cells))
        if hits < len(expected) and any(cells):
            titles.append((r, " ".join(c for c in cells if c)))
        if hits > best[0]:
            best = (hits, r, cells)
        if hits == len(expected):
            header_row, header = r, cells
            break
        if r >= _XLSX_HEADER_SEARCH_ROWS:
            break
    if header_row is None:
        if best[0] <= 0:
            staged.errors.append(
                Finding(
                    file_name,
                    None,
                    None,
                    "no header row found: no row in the first "
                    f"{_XLSX_HEADER_SEARCH_ROWS} holds the contract's column names"
                    if best[1]
                    else "empty workbook: no header and no data rows",
                )
            )
            return staged
        while best[2] and best[2][-1] == "":
            best[2].pop()
        errs, warns, _ = check_header(contract, file_name, best[2], best[1])
        staged.errors += errs or [Finding(file_name, best[1], None, "no header row found")]
        return staged
    while header and header[-1] == "":
        header.pop()
    by_header = contract.by_header()
    columns = [by_header.get(h) for h in header]  # the contract column of each cell
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    width = len(header)
    pending_blank = 0
    for values in rows:
        cells = [_cell_text(v, c) for v, c in zip(values[:width], columns, strict=False)]
        cells += [""] * (width - len(cells))
        if not any(c.strip() for c in cells):
            pending_blank += 1  # trailing empty rows are common in sheets
            continue
        for _ in range(pending_blank):
            w.writerow([""] * width)
        pending_blank = 0
        w.writerow(cells)
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="csp_ingest_")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        staged = _stage_csv(
            con, contract, file_name, Path(tmp), table, max_errors, line_offset=header_row - 1
        )
    finally:
        os.unlink(tmp)
    staged.title_rows = titles
    return staged
