"""The bulk path of a large, plain CSV: DuckDB reads it straight into `raw.<source>`.

The careful path (`ingest.readers` + `ingest.validate`) stages a file's text in a temp
table, checks it and then copies it typed into the raw table: two materialisations, which on
a 5,000,000-row police.uk file cost twice DuckDB's own `read_csv` into a table. The bulk path
reads the file once, in the load's transaction, with every column rule of the contract
guarding its value: a value a rule rejects raises inside the insert, the transaction rolls
back, and the careful path runs to name every file, row, column and reason. So a file is
accepted by the bulk path only if the careful path would accept it, with the same rows,
values and row numbers (`tests/integration/test_load_bulk.py` holds the two to that).

Only contracts whose every rule is a column rule take it: no person fields (pseudonyms are
made before the insert), no keys, row rules, skipped rows or file periods; `warn_*` on text
columns only. Anything unusual about the file (not UTF-8, a header finding other than extra
columns, a rejected line, NUL bytes, blank lines) sends it the careful way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.contracts.base import Contract
from ingest.readers import (
    _HEAD_BYTES,
    Finding,
    _split_header,
    _sql_str,
    _Tail,
    _tail,
    check_header,
    decode_text,
)
from ingest.validate import _quote_ident, _v, column_checks, typed_value

#: Files smaller than this take the careful path (`CSP_BULK_MIN_BYTES`).
DEFAULT_BULK_MIN_BYTES = 64 << 20


def may_take(contract: Contract) -> bool:
    """Whether any file of the contract may take the bulk path: every rule a column rule."""
    return (
        "csv" in contract.formats
        and not contract.person_columns
        and not contract.row_rules
        and not contract.skip_row_sql
        and contract.file_period is None
        and not contract.unique_together
        and not any(c.unique for c in contract.columns)
        and all(c.type == "VARCHAR" for c in contract.columns if c.warn_repeated or c.warn_blank)
    )


def eligible(contract: Contract, path: Path, size: int, min_bytes: int) -> bool:
    """Whether the file may take the bulk path: a CSV of at least `min_bytes` for a contract
    whose every rule is a column rule."""
    return size >= min_bytes and path.suffix.lower() == ".csv" and may_take(contract)


@dataclass(frozen=True)
class Prelude:
    header: list[str]
    positions: dict[str, int]
    warnings: list[Finding]
    tail: _Tail


def prelude(contract: Contract, path: Path, size: int) -> Prelude | None:
    """The file's head and tail read, its header checked: None unless it is plain UTF-8 with
    a header the contract accepts (extra columns aside) and data after it."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    text, encoding, problem = decode_text(head, partial=len(head) < size)
    if problem or text is None or encoding == "windows-1252":
        return None
    first, newline, _ = text.partition("\n")
    first = first.rstrip("\r")
    if not newline or not first.strip():
        return None
    header = _split_header(first)
    errors, warnings, positions = check_header(contract, path.name, header)
    tail = _tail(path, size)
    if errors or tail.content_end <= head.find(b"\n"):
        return None
    return Prelude(header, positions, warnings, tail)


def guarded_select(contract: Contract, refs: dict[str, str]) -> str:
    """Each contract column typed, or an error raised where any of its rules fails (the
    error's text names the value, so DuckDB cannot fold it away as a constant). Over
    `read_sql`'s rows, whose values are already trimmed."""
    parts = []
    for col in contract.columns:
        name = _quote_ident(col.name)
        failed = [f"({cond})" for cond, _ in column_checks(col, refs, value=name)]
        value = typed_value(col, value=name)
        if failed:
            value = (
                f"CASE WHEN coalesce({' OR '.join(failed)}, false) "
                f"THEN error('csp bulk check: ' || coalesce({name}, '')) ELSE {value} END"
            )
        parts.append(f"{value} AS {name}")
    return ", ".join(parts)


def read_sql(contract: Contract, paths: list[Path], pre: Prelude, rejects: str, limit: int) -> str:
    """The files' rows (all with `pre`'s header) as the contract's text columns and `_file`
    (the path as given), read as the careful path reads them and trimmed as its checks trim
    them (`_v`)."""
    n = len(pre.header)
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"
    # each value trimmed once here, not in every rule and cast that reads it
    named = ", ".join(
        f"{_v(c, f'c{pre.positions[c.name]}')} AS {_quote_ident(c.name)}" for c in contract.columns
    )
    files = "[" + ", ".join(_sql_str(str(p)) for p in paths) + "]"
    return f"""
        SELECT {named}, filename AS _file FROM read_csv({files},
            header = false, skip = 1, auto_detect = false, columns = {cols},
            delim = ',', quote = '"', escape = '"',
            strict_mode = true, null_padding = false, all_varchar = true, filename = true,
            store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan',
            rejects_limit = {limit})
    """
