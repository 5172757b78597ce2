"""Validate a file against its contract, in DuckDB, before anything is written.

Every check is derived from the contract's columns and runs as SQL over the staged text
table; each returns the count and the first offending rows (row, column, value, reason).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.config import Settings
from ingest.contracts import get_contract
from ingest.contracts.base import (
    FY_QUARTER_IN_NAME,
    FY_QUARTER_IN_TEXT,
    Column,
    Contract,
    format_hint,
    format_pattern,
    fy_quarter_months,
)
from ingest.readers import Finding, StagedFile, _drop, _quote_ident, _sql_str, stage_file

MAX_ROWS_PER_CHECK = 10
MAX_ERRORS = 200


@dataclass
class ValidationReport:
    ok: bool
    errors: list[str]
    warnings: list[str]
    rows: int
    source: str = ""
    file_name: str = ""
    periods: list[str] = field(default_factory=list)
    error_details: list[Finding] = field(default_factory=list)
    warning_details: list[Finding] = field(default_factory=list)
    typed_table: str | None = None  # temp table with typed rows (only while the connection lives)
    #: the temp views and tables behind `typed_table`, to drop once it is loaded
    temp_objects: list[str] = field(default_factory=list)
    #: SHA-256 of the file's bytes (hex)
    file_hash: str = ""

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        _drop(con, *self.temp_objects)
        self.temp_objects = []
        self.typed_table = None

    def render(self) -> str:
        head = (
            f"{self.file_name} ({self.source}): "
            + (f"OK, {self.rows} rows" if self.ok else f"REJECTED, {len(self.errors)} errors")
            + (f", periods {', '.join(self.periods)}" if self.periods else "")
        )
        lines = [head]
        lines += [f"ERROR   {e}" for e in self.errors]
        lines += [f"WARNING {w}" for w in self.warnings]
        return "\n".join(lines)


def _v(col: Column, source: str | None = None) -> str:
    """The column's staged text (or `source`, SQL naming where it is) as a value: trimmed,
    NULL when blank or one of the column's `null_values` (e.g. NDTMS's literal `NULL`)."""
    x = source or _quote_ident(col.name)
    # trim() only where there is a space to trim: it is the costliest part of a large file's
    # checks otherwise (DuckDB's trim removes spaces only, as this test does)
    v = (
        f"CASE WHEN {x} = '' OR {x} LIKE ' %' OR {x} LIKE '% ' "
        f"THEN NULLIF(trim({x}), '') ELSE {x} END"
    )
    if col.null_values:
        nulls = ", ".join(_sql_str(x) for x in col.null_values)
        v = f"CASE WHEN {v} IN ({nulls}) THEN NULL ELSE {v} END"
    return v


_NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
_INTEGER = r"[+-]?[0-9]+"


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def column_checks(
    col: Column, reference_tables: dict[str, str], value: str | None = None
) -> list[tuple[str, str]]:
    """(SQL condition over the staged text row, reason) for every rule of a column.
    `value`: SQL for the column's value where it is already worked out (`_v`)."""
    v = value or _v(col)
    checks: list[tuple[str, str]] = []
    blank = "required value is blank" + "".join(f" or {x}" for x in col.null_values)
    if col.required:
        checks.append((f"{v} IS NULL", blank))
    if col.type == "DOUBLE":
        checks.append(
            (f"NOT regexp_full_match({v}, {_sql_str(_NUMBER)})", "bad number: not a number")
        )
    elif col.type == "INTEGER":
        checks.append(
            (
                f"NOT regexp_full_match({v}, {_sql_str(_INTEGER)}) "
                f"OR TRY_CAST({v} AS INTEGER) IS NULL",
                "bad number: not a whole number",
            )
        )
    elif col.type in ("DATE", "TIMESTAMP"):
        fmt = col.time_format
        assert fmt is not None
        pattern = format_pattern(fmt)
        shape = f"NOT regexp_full_match({v}, {_sql_str(pattern)}) OR " if pattern else ""
        what = {
            "DATE": "date: not a valid date",
            "TIMESTAMP": "date-time: not a valid date and time",
        }
        checks.append(
            (
                f"{shape}TRY_STRPTIME({v}, {_sql_str(fmt)}) IS NULL",
                f"bad {what[col.type]} in the form {format_hint(fmt)}",
            )
        )
    elif col.type == "BOOLEAN":
        allowed = col.true_values + col.false_values
        checks.append(
            (
                f"{v} NOT IN ({', '.join(_sql_str(a) for a in allowed)})",
                f"bad value: expected one of {', '.join(allowed)}",
            )
        )
    if col.min_value is not None or col.max_value is not None:
        bounds = []
        if col.min_value is not None:
            bounds.append(f"TRY_CAST({v} AS DOUBLE) < {col.min_value!r}")
        if col.max_value is not None:
            bounds.append(f"TRY_CAST({v} AS DOUBLE) > {col.max_value!r}")
        lo = "-" if col.min_value is None else _fmt_num(col.min_value)
        hi = "-" if col.max_value is None else _fmt_num(col.max_value)
        checks.append((" OR ".join(bounds), f"out of range: must be between {lo} and {hi}"))
    if col.accepted is not None:
        checks.append(
            (
                f"{v} NOT IN ({', '.join(_sql_str(a) for a in col.accepted)})",
                "unknown category value '{value}' (accepted: " + ", ".join(col.accepted) + ")",
            )
        )
    if col.pattern is not None:
        checks.append(
            (
                f"NOT regexp_full_match({v}, {_sql_str(col.pattern)})",
                f"bad format: expected {col.pattern_hint or col.pattern}",
            )
        )
    if col.reference is not None and col.name in reference_tables:
        seed_file, seed_col = col.reference
        checks.append(
            (
                f"{v} NOT IN (SELECT value FROM {reference_tables[col.name]})",
                f"unknown {col.reference_what}: not in seeds/{seed_file} ({seed_col})",
            )
        )
    # every rule but "required" applies to non-blank values only
    return [(c if r == blank else f"{v} IS NOT NULL AND ({c})", r) for c, r in checks]


def _load_references(
    con: duckdb.DuckDBPyConnection, contract: Contract, seeds_dir: Path, file_name: str
) -> tuple[dict[str, str], list[Finding]]:
    tables: dict[str, str] = {}
    warnings: list[Finding] = []
    for col in contract.columns:
        if col.reference is None:
            continue
        seed_file, seed_col = col.reference
        seed = Path(seeds_dir) / seed_file
        if not seed.is_file():
            warnings.append(
                Finding(
                    file_name,
                    None,
                    col.header,
                    f"reference check skipped: seeds/{seed_file} not found",
                )
            )
            continue
        # One temp table per seed file version and column, made once per connection: a
        # landing folder of many files reads the seed once (areas.csv is 32k rows), and an
        # edited seed (another size or time) gets a table of its own.
        stat = seed.stat()
        version = hashlib.sha256(
            f"{seed.resolve()}|{seed_col}|{stat.st_size}|{stat.st_mtime_ns}".encode()
        ).hexdigest()[:16]
        name = f"_ref_{version}"
        tables[col.name] = name
        made = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [name]
        ).fetchone()[0]
        if made:  # (CREATE ... IF NOT EXISTS AS would still read the seed every time)
            continue
        # blank seed values are left out: one NULL would make every `NOT IN` unknown and
        # so let every value pass
        con.execute(
            f"""CREATE TEMP TABLE {name} AS
                SELECT DISTINCT value FROM (
                    SELECT NULLIF(trim({_quote_ident(seed_col)}), '') AS value
                    FROM read_csv({_sql_str(str(seed))}, header = true, all_varchar = true))
                WHERE value IS NOT NULL"""
        )
    return tables, warnings


#: A period a whole file is for: (first month, last month, as written), months `YYYY-MM`.
FilePeriodValue = tuple[str, str, str]


def file_period(
    contract: Contract, file_name: str, title_rows: list[tuple[int, str]]
) -> tuple[FilePeriodValue | None, list[Finding]]:
    """The FY quarter a whole file is for (Contract.file_period): from its title rows, else
    its name; both must agree when both name one. Returns (period or None, errors)."""
    if contract.file_period is None:
        return None, []
    found: list[tuple[FilePeriodValue, int | None, str]] = []
    errors: list[Finding] = []
    for row, text in title_rows:
        for m in re.finditer(FY_QUARTER_IN_TEXT, text):
            months = fy_quarter_months(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if months is None:
                errors.append(
                    Finding(
                        file_name,
                        row,
                        None,
                        f"bad period '{m.group(0)}' in the title: "
                        "the two years of a financial year follow each other (2026/27)",
                    )
                )
            else:
                found.append(((*months, m.group(0)), row, "the title"))
    m = re.search(FY_QUARTER_IN_NAME, file_name)
    if m:
        months = fy_quarter_months(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        label = f"{m.group(1)}/{m.group(2)} Q{m.group(3)}"
        if months is None:
            errors.append(
                Finding(
                    file_name,
                    None,
                    None,
                    f"bad period '{m.group(0)}' in the file name: "
                    "the two years of a financial year follow each other (2026-27-Q2)",
                )
            )
        else:
            found.append(((*months, label), None, "the file name"))
    if errors:
        return None, errors
    if not found:
        return None, [
            Finding(
                file_name,
                None,
                None,
                "no period: neither the title rows (e.g. 'Period: 2026/27 Q2') nor the file "
                "name (e.g. '2026-27-Q2-<csp>-indicator-returns.xlsx') name the FY quarter "
                "the return is for",
            )
        ]
    first = found[0]
    for other in found[1:]:
        if other[0][:2] != first[0][:2]:
            return None, [
                Finding(
                    file_name,
                    other[1] if other[1] is not None else first[1],
                    None,
                    f"two periods: {first[2]} says {first[0][2]} but {other[2]} says {other[0][2]}",
                )
            ]
    return first[0], []


def _expand_seeds(con: duckdb.DuckDBPyConnection, sql: str, seeds_dir: Path) -> str:
    """`{seed:<file>}` in a row rule: the seed file's rows as text columns (a temp table made
    once per connection and seed file version, as the reference checks' are)."""

    def table(m: re.Match) -> str:
        seed = Path(seeds_dir) / m.group(1)
        stat = seed.stat()
        version = hashlib.sha256(
            f"{seed.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()
        ).hexdigest()[:16]
        name = f"_seed_{version}"
        con.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} AS SELECT * FROM "
            f"read_csv({_sql_str(str(seed))}, header = true, all_varchar = true)"
        )
        return name

    return re.sub(r"\{seed:([A-Za-z0-9_.-]+)\}", table, sql)


def skip_rows(con: duckdb.DuckDBPyConnection, contract: Contract, staged: StagedFile) -> None:
    """Leave out the rows of Contract.skip_row_sql (one warning), before any rule runs."""
    if not contract.skip_row_sql or not staged.ok:
        return
    t, f = staged.table, staged.file_name
    cond = contract.skip_row_sql
    if staged.is_view:
        # the staged file is a view over the rows read: rows are left out of a copy
        con.execute(f"CREATE OR REPLACE TEMP TABLE {t}_kept AS SELECT * FROM {t}")
        staged.drop(con)
        t = staged.table = f"{t}_kept"
        staged.objects = [t]
        staged.is_view = False
    n, lines = con.execute(
        f"SELECT count(*), list(_line ORDER BY _line) FROM {t} WHERE {cond}"
    ).fetchone()
    if not n:
        return
    con.execute(f"DELETE FROM {t} WHERE {cond}")
    staged.rows -= n
    shown = ", ".join(str(x) for x in lines[:10]) + (", ..." if n > 10 else "")
    if staged.rows == 0:
        staged.errors.append(
            Finding(f, None, None, f"nothing returned: every row {contract.skip_row_reason}")
        )
        return
    staged.warnings.append(
        Finding(
            f, lines[0], None, f"{n} row(s) left out: {contract.skip_row_reason} (rows {shown})"
        )
    )


def check_rows(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    staged: StagedFile,
    *,
    seeds_dir: Path,
    per_check: int = MAX_ROWS_PER_CHECK,
    period: FilePeriodValue | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """Run every contract rule as SQL over the staged table. Returns (errors, warnings).
    `period`: the file's period (Contract.file_period), for the row rules that read it."""
    t = staged.table
    f = staged.file_name
    refs, warnings = _load_references(con, contract, seeds_dir, f)
    branches: list[str] = []
    meta: list[tuple[Column, str]] = []
    #: per check, an aggregate over the staged rows that is 0 when the check finds nothing
    # (None: always run the check's own query)
    counts: list[str | None] = []
    # the counting scan works each value out once (`_v`), then every rule reads it
    values = {col.name: f"_v{k}" for k, col in enumerate(contract.columns)}
    for col in contract.columns:
        counted = column_checks(col, refs, values[col.name])
        for (cond, reason), (count_cond, _) in zip(column_checks(col, refs), counted, strict=True):
            i = len(meta)
            meta.append((col, reason))
            counts.append(f"count_if({count_cond})")
            branches.append(
                f"SELECT {i} AS check_id, _part, _line, {_quote_ident(col.name)} AS value, "
                f"NULL::INTEGER AS first_line FROM {t} WHERE {cond}"
            )
        if col.unique:
            i = len(meta)
            meta.append((col, "duplicate key value '{value}'"))
            v = _v(col)
            counts.append(f"count({values[col.name]}) - count(DISTINCT {values[col.name]})")
            branches.append(
                f"SELECT {i} AS check_id, _part, _line, value, first_line "
                f"FROM (SELECT _part, _line, _row_number, {v} AS value, "
                f"min(_row_number) OVER (PARTITION BY {v}) AS first_row, "
                f"arg_min(_line, _row_number) OVER (PARTITION BY {v}) AS first_line "
                f"FROM {t}) WHERE value IS NOT NULL AND _row_number > first_row"
            )
    if contract.unique_together:
        i = len(meta)
        cols = contract.unique_together
        names = ", ".join(cols[:-1]) + f" and {cols[-1]}" if len(cols) > 1 else cols[0]
        meta.append((contract.column(cols[-1]), f"duplicate row: the same {names} ('{{value}}')"))
        vs = [_v(contract.column(c)) for c in cols]
        key = "concat_ws(' | ', " + ", ".join(vs) + ")"
        cvs = [values[c] for c in cols]
        all_set = " AND ".join(f"{v} IS NOT NULL" for v in cvs)
        counts.append(
            f"count_if({all_set}) - count(DISTINCT [{', '.join(cvs)}]) FILTER (WHERE {all_set})"
        )
        by = ", ".join(vs)
        branches.append(
            f"SELECT {i} AS check_id, _part, _line, value, first_line FROM (SELECT _part, _line,"
            f" _row_number, {key} AS value, min(_row_number) OVER (PARTITION BY {by}) AS first_row,"
            f" arg_min(_line, _row_number) OVER (PARTITION BY {by}) AS first_line FROM {t}"
            f" WHERE {' AND '.join(f'{v} IS NOT NULL' for v in vs)}) WHERE _row_number > first_row"
        )
    if contract.row_rules:
        # the rules across columns read the row typed; a value its column rejects is NULL
        extra = ""
        if contract.file_period is not None:
            first, last = (
                (f"DATE '{period[0]}-01'", f"DATE '{period[1]}-01'")
                if period
                else ("NULL::DATE", "NULL::DATE")
            )
            extra = f", {first} AS _file_first_month, {last} AS _file_last_month"
        typed = f"(SELECT _part, _line, {typed_select(contract, lenient=True)}{extra} FROM {t})"
        if contract.row_lookup:
            lookup = _expand_seeds(con, contract.row_lookup, seeds_dir)
            typed = f"(SELECT * FROM {typed} AS _row {lookup})"
        for rule in contract.row_rules:
            col = contract.column(rule.column)
            i = len(meta)
            reason = rule.reason.replace("{file_period}", period[2] if period else "?")
            meta.append((col, reason))
            counts.append(None)
            branches.append(
                f"SELECT {i} AS check_id, _part, _line, "
                f"{_quote_ident(col.name)}::VARCHAR AS value, "
                f"NULL::INTEGER AS first_line FROM {typed} WHERE coalesce(("
                f"{_expand_seeds(con, rule.condition, seeds_dir)}), false)"
            )
    # One scan counts what every check finds; only the checks that find something read the
    # rows again for their examples (a large valid file is read once here).
    # (a repeated value is looked for by its own query: it groups the rows by the value,
    # which is what counting the distinct values here would cost)
    warn_counts = []
    for col in contract.columns:
        warn_counts.append("1" if col.warn_repeated else "0")
        warn_counts.append(f"count_if({values[col.name]} IS NULL)" if col.warn_blank else "0")
    aggregates = [c for c in counts if c is not None] + warn_counts
    worked_out = ", ".join(f"{_v(c)} AS {values[c.name]}" for c in contract.columns)
    found = iter(
        con.execute(
            f"SELECT {', '.join(aggregates)} FROM (SELECT {worked_out} FROM {t})"
        ).fetchone()
    )
    hits = [next(found) if c is not None else 1 for c in counts]
    warn_hits = list(found)
    branches = [b for b, n in zip(branches, hits, strict=True) if n]
    errors: list[Finding] = []
    if branches:
        sql = (
            "SELECT check_id, count(*) AS n, "
            "list(struct_pack(part := _part, line := _line, value := value, "
            f"first := first_line) ORDER BY _part, _line)[1:{per_check}] "
            f"FROM ({' UNION ALL '.join(branches)}) GROUP BY check_id ORDER BY check_id"
        )
        for check_id, n, examples in con.execute(sql).fetchall():
            col, reason = meta[check_id]
            for ex in examples:
                value = ex["value"]
                if "{value}" in reason:
                    text = reason.replace("{value}", _clip(value or ""))
                else:
                    text = reason if value is None else f"{reason}: '{_clip(value)}'"
                if ex["first"] is not None:
                    text += f" (same as row {ex['first']})"
                errors.append(Finding(_part_name(staged, ex["part"]), ex["line"], col.header, text))
            if n > len(examples):
                errors.append(
                    Finding(f, None, col.header, f"{_head(reason)}: {n - len(examples)} more rows")
                )
    warnings += column_warnings(con, contract, t, f, warn_hits)
    return errors, warnings


def column_warnings(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    t: str,
    f: str,
    warn_hits: list[int] | None = None,
    *,
    typed: bool = False,
) -> list[Finding]:
    """The warnings of the columns' `warn_repeated` and `warn_blank` over the rows of `t`
    (`_line` and the columns, as staged text, or `typed` values already trimmed);
    `warn_hits`, two per column, 0 where a count found none."""
    return column_warnings_by(con, contract, t, "NULL", {None: f}, warn_hits, typed=typed)[None]


def column_warnings_by(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    t: str,
    by: str,
    files: dict,
    warn_hits: list[int] | None = None,
    *,
    typed: bool = False,
) -> dict:
    """`column_warnings` of several files' rows in `t` at once: `by` is the SQL of the key
    that tells a row's file apart (e.g. `_batch_id`), `files` maps each key to its file's
    name. One query per check for all the files (a run of small files had two per file)."""
    found: dict = {key: [] for key in files}
    warn_hits = warn_hits or [1] * (2 * len(contract.columns))
    for k, col in enumerate(contract.columns):
        v = _quote_ident(col.name) if typed else _v(col)
        if col.warn_repeated and warn_hits[2 * k]:
            # grouped by the values' 64-bit hashes first (cheap), then by the values of the
            # few rows whose hash repeats (a hash may repeat for different values)
            rows = con.execute(
                f"""WITH repeated_hash AS (
                        SELECT {by} AS _k, hash({v}) AS h FROM {t} WHERE {v} IS NOT NULL
                        GROUP BY ALL HAVING count(*) > 1)
                    SELECT _k, sum(n), count(*), list(first_line ORDER BY first_line)[1:5]
                    FROM (SELECT {by} AS _k, {v} AS value, count(*) AS n,
                                 min(_line) AS first_line
                          FROM {t} SEMI JOIN repeated_hash AS r
                            ON r._k IS NOT DISTINCT FROM {by} AND r.h = hash({v})
                          GROUP BY ALL HAVING count(*) > 1)
                    GROUP BY _k"""
            ).fetchall()
            for key, n_rows, n_values, lines in sorted(rows, key=lambda r: r[3][0]):
                listed = ", ".join(str(x) for x in lines) + (", ..." if n_values > 5 else "")
                found[key].append(
                    Finding(
                        files[key],
                        lines[0],
                        col.header,
                        f"repeated value: {n_rows} rows share {n_values} repeated "
                        f"{col.header} value(s) (first seen on rows {listed}); "
                        "kept and counted as published",
                    )
                )
        if col.warn_blank and warn_hits[2 * k + 1]:
            rows = con.execute(
                f"SELECT {by} AS _k, count(*), list(_line ORDER BY _line)[1:5] FROM {t} "
                f"WHERE {v} IS NULL GROUP BY ALL"
            ).fetchall()
            for key, n_rows, lines in rows:
                listed = ", ".join(str(x) for x in lines)
                found[key].append(
                    Finding(
                        files[key],
                        lines[0],
                        col.header,
                        f"{n_rows} {col.warn_blank} (rows {listed}{', ...' if n_rows > 5 else ''})",
                    )
                )
    return found


def _part_name(staged: StagedFile, part: int) -> str:
    """The file (or the file and sheet) a row of the staged table came from."""
    names = staged.part_names
    return names[part] if 0 <= part < len(names) else staged.file_name


def _head(reason: str) -> str:
    return reason.split(" '{value}'")[0]


def _clip(value: str, n: int = 60) -> str:
    value = str(value)
    return value if len(value) <= n else value[: n - 3] + "..."


def typed_select(contract: Contract, *, lenient: bool = False) -> str:
    """SELECT list turning the staged text columns into the contract's typed columns
    (`lenient`: a value that does not convert is NULL instead of an error)."""
    return ", ".join(
        f"{typed_value(col, lenient=lenient)} AS {_quote_ident(col.name)}"
        for col in contract.columns
    )


def typed_value(col: Column, *, lenient: bool = False, value: str | None = None) -> str:
    """SQL for one staged text column as the contract's typed value (`value`: SQL for the
    column's value where it is already worked out, as in `column_checks`)."""
    cast = "TRY_CAST" if lenient else "CAST"
    strptime = "try_strptime" if lenient else "strptime"
    v = value or _v(col)
    if col.type == "VARCHAR":
        return v
    if col.type == "DOUBLE":
        return f"{cast}({v} AS DOUBLE)"
    if col.type == "INTEGER":
        return f"{cast}({v} AS INTEGER)"
    if col.type in ("DATE", "TIMESTAMP"):
        return f"{cast}({strptime}({v}, {_sql_str(col.time_format or '')}) AS {col.type})"
    t = ", ".join(_sql_str(x) for x in col.true_values)  # BOOLEAN
    fa = ", ".join(_sql_str(x) for x in col.false_values)
    return f"CASE WHEN {v} IN ({t}) THEN true WHEN {v} IN ({fa}) THEN false END"


def validate_into(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    path: Path,
    *,
    seeds_dir: Path | None = None,
    periods: bool = True,
) -> ValidationReport:
    """Stage, check and (when valid) type the file into temp tables of `con`.

    On success `report.typed_table` names a temp table with the contract's typed columns
    plus `_row_number`; nothing is written to any persistent table.
    """
    path = Path(path)
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else Settings.from_env().seeds_dir
    staged = stage_file(con, contract, path)
    errors = list(staged.errors)
    warnings = list(staged.warnings)
    report = ValidationReport(
        ok=False,
        errors=[],
        warnings=[],
        rows=staged.rows,
        source=contract.name,
        file_name=path.name,
        file_hash=staged.sha256,
    )
    skip_rows(con, contract, staged)
    errors += staged.errors[len(errors) :]
    warnings += staged.warnings[len(warnings) :]
    report.rows = staged.rows
    period, period_errors = (None, [])
    if staged.ok:
        period, period_errors = file_period(contract, path.name, staged.title_rows)
        errors += period_errors
    if staged.ok:
        row_errors, row_warnings = check_rows(
            con, contract, staged, seeds_dir=seeds_dir, period=period
        )
        errors += row_errors
        warnings += row_warnings
    if staged.ok and not errors:
        typed = f"{staged.table}_typed"
        # A view: the rows are typed once, on their way into raw.<source>. A table only
        # where person fields are replaced by pseudonyms before that.
        kind = "TABLE" if contract.person_columns else "VIEW"
        con.execute(
            f"CREATE OR REPLACE TEMP {kind} {typed} AS "
            f"SELECT {typed_select(contract)}, _row_number FROM {staged.table}"
        )
        report.typed_table = typed
        report.temp_objects = [typed, *staged.objects]
        if periods:  # (a load finds them with the scopes it replaces)
            report.periods = [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT {contract.period_sql} AS p FROM {typed} ORDER BY p"
                ).fetchall()
            ]
    elif staged.table:
        staged.drop(con)
    errors = errors[:MAX_ERRORS]
    report.ok = not errors
    report.error_details = errors
    report.warning_details = warnings
    report.errors = [str(e) for e in errors]
    report.warnings = [str(w) for w in warnings]
    return report


def validate_file(
    source: str, path: str | Path, *, seeds_dir: Path | None = None
) -> ValidationReport:
    """Validate `path` against the contract of `source`; writes nothing anywhere."""
    contract = get_contract(source)
    con = duckdb.connect()
    try:
        report = validate_into(con, contract, Path(path), seeds_dir=seeds_dir)
        report.drop(con)
        return report
    finally:
        con.close()
