"""The contract model: the single home of a source's columns, types, keys and rules.

Validation (ingest.validate), the raw table DDL (ingest.load) and the contract docs
(ingest.contract_docs) are all derived from these objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: DuckDB types a contract column may have.
TYPES = ("VARCHAR", "DOUBLE", "INTEGER", "DATE", "TIMESTAMP", "BOOLEAN")
#: How often a source sends a period (dbt's source_schedules macro knows the same three); a
#: quarterly or annual period is named by its last month.
CADENCES = ("monthly", "quarterly", "annual")

#: How a date or date-time format's directives are written for people (messages, docs).
_FORMAT_WORDS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH", "%M": "MM", "%S": "SS"}
#: The digits each directive matches (a format with any other directive has no pattern).
_FORMAT_DIGITS = {"%Y": "[0-9]{4}"} | {d: "[0-9]{2}" for d in ("%m", "%d", "%H", "%M", "%S")}


def format_hint(fmt: str) -> str:
    """`%Y-%m-%d %H:%M:%S` as people read it: `YYYY-MM-DD HH:MM:SS`."""
    return re.sub(r"%[A-Za-z]", lambda m: _FORMAT_WORDS.get(m.group(), m.group()), fmt)


def format_pattern(fmt: str) -> str | None:
    """A regular expression the whole text of a value in `fmt` matches (fixed digit counts:
    `2024-2-3` is not `YYYY-MM-DD`), or None when `fmt` has a directive other than
    %Y %m %d %H %M %S."""
    parts = re.split(r"(%[A-Za-z%])", fmt)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            if part not in _FORMAT_DIGITS:
                return None
            out.append(_FORMAT_DIGITS[part])
        else:
            out.append(re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", part))
    return "".join(out)


#: Columns ingest adds to every raw table, after the contract's columns.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_file_hash", "VARCHAR"),
    ("_batch_id", "BIGINT"),
    ("_row_number", "INTEGER"),
    ("_loaded_at", "TIMESTAMP"),
)

#: Extra columns of raw.<source>__superseded.
SUPERSEDED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_superseded_at", "TIMESTAMP"),
    ("_superseded_by_batch", "BIGINT"),
)


@dataclass(frozen=True)
class Column:
    """One column of a source file.

    `header` is the name in the file's header row; `name` the snake_case column of
    `raw.<source>`. Every contract column must be present in the header (in any order);
    `required` means the value may not be blank. Blank strings load as NULL, and so does
    any text of `null_values` (e.g. NDTMS's literal `NULL`): such a value is no value, for
    every rule (a required column rejects it) and in the raw table.
    """

    name: str
    header: str
    type: str = "VARCHAR"
    required: bool = False
    description: str = ""
    accepted: tuple[str, ...] | None = None  # exact accepted values
    pattern: str | None = None  # regular expression the whole value must match
    pattern_hint: str | None = None  # human wording of the pattern, for messages/docs
    min_value: float | None = None
    max_value: float | None = None
    unique: bool = False  # an error if two rows share a non-blank value (key)
    warn_repeated: bool = False  # a warning (not an error) for repeated non-blank values
    warn_blank: str | None = None  # a warning for blank values, with this explanation
    person: bool = False  # identifies a person: pseudonymised (HMAC-SHA256) at load
    date_format: str = "%Y-%m-%d"  # for DATE columns
    datetime_format: str = "%Y-%m-%d %H:%M:%S"  # for TIMESTAMP columns
    true_values: tuple[str, ...] = ("Y",)  # for BOOLEAN columns
    false_values: tuple[str, ...] = ("N",)
    reference: tuple[str, str] | None = None  # (seed file, column) the value must exist in
    reference_what: str = "code"  # what a value not in the reference is, for messages
    null_values: tuple[str, ...] = ()  # texts that mean no value: load as NULL, like blank

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unsupported type {self.type}")
        if any(v != v.strip() or not v for v in self.null_values):
            raise ValueError(f"column {self.name}: a null value is blank or has spaces around it")

    @property
    def time_format(self) -> str | None:
        """The strptime format of a DATE or TIMESTAMP column's text; None for other types."""
        return {"DATE": self.date_format, "TIMESTAMP": self.datetime_format}.get(self.type)


@dataclass(frozen=True)
class RowRule:
    """A rule across the columns of one row. `condition` is SQL over the row's typed columns
    (by name; a value that fails its own column's rules is NULL here, and reported there)
    that is TRUE for a bad row; the error names `column` and gives `reason`."""

    column: str
    condition: str
    reason: str


#: An FY quarter as written in a file's name (`2026-27-Q2-...`) or in its title rows
#: (`2026/27 Q2`): groups start year, end year (2 digits), quarter.
FY_QUARTER_IN_NAME = r"^(\d{4})-(\d{2})-Q([1-4])(?=[-_. ])"
FY_QUARTER_IN_TEXT = r"\b(\d{4})/(\d{2}) Q([1-4])\b"


def fy_quarter_months(start_year: int, end_yy: int, quarter: int) -> tuple[str, str] | None:
    """The first and last month (`YYYY-MM`) of FY quarter `quarter` of the financial year
    `start_year`/`end_yy` (2026, 27, 2 -> 2026-07, 2026-09); None when the two years do not
    follow each other."""
    if (start_year + 1) % 100 != end_yy or not 1 <= quarter <= 4:
        return None
    year = start_year + (quarter == 4)
    first = (3 * quarter + 1) % 12 or 12  # Q1 April, Q2 July, Q3 October, Q4 January
    return f"{year:04d}-{first:02d}", f"{year:04d}-{first + 2:02d}"


@dataclass(frozen=True)
class FilePeriod:
    """The one period a whole file is for, when its rows are for periods within it (a
    quarterly return whose rows are months and the quarter): an FY quarter, read from the
    title rows above an XLSX header (`2026/27 Q2`) and from the file name
    (`2026-27-Q2-...`). Either is enough; when both name one they must agree, and a file
    that names none is rejected. Row rules read it as `_file_first_month` and
    `_file_last_month` (DATE: the first days of the quarter's first and last months)."""

    description: str


@dataclass(frozen=True)
class Contract:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    period_sql: str  # SQL expression over the raw columns giving a 'YYYY-MM' string per row
    period_description: str
    scope_columns: tuple[str, ...]
    cadence: str = "monthly"
    lag_days: int = 35  # a period is due this many days after its end
    file_pattern: str = "*.csv"
    formats: tuple[str, ...] = ("csv", "xlsx")
    #: XLSX: read every sheet that holds the header (a published workbook of one sheet per
    #: year), not only the first
    xlsx_all_sheets: bool = False
    publisher: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)
    #: The period the whole file is for, read from its name and title rows (None: none).
    file_period: FilePeriod | None = None
    #: Columns that together identify a row: a second row with the same values is an error.
    unique_together: tuple[str, ...] = ()
    #: A SQL condition over a row's text values (the staged columns, by name) that is TRUE
    #: for a row that holds nothing (e.g. a template's indicator left blank): such rows are
    #: left out before validation, with one warning giving `skip_row_reason`.
    skip_row_sql: str | None = None
    skip_row_reason: str = ""
    #: A join the row rules' view of each row adds, for the columns of a reference they read
    #: (`LEFT JOIN (...) AS x ON x.code = _row.code`; the row is `_row`); `{seed:<file>}` in
    #: it (as in a rule) reads a seed file as text columns.
    row_lookup: str | None = None

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"contract {self.name}: unknown cadence {self.cadence}")
        names = [c.name for c in self.columns]
        headers = [c.header for c in self.columns]
        if len(set(names)) != len(names) or len(set(headers)) != len(headers):
            raise ValueError(f"contract {self.name}: duplicate column name or header")
        for s in self.scope_columns:
            if s not in names:
                raise ValueError(f"contract {self.name}: unknown scope column {s}")
        for rule in self.row_rules:
            if rule.column not in names:
                raise ValueError(f"contract {self.name}: row rule on unknown column {rule.column}")
        for c in self.unique_together:
            if c not in names:
                raise ValueError(f"contract {self.name}: unknown unique_together column {c}")

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.unique)

    @property
    def person_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.person)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    @property
    def superseded_table(self) -> str:
        return f"raw.{self.name}__superseded"

    def raw_columns(self) -> list[tuple[str, str]]:
        return [(c.name, c.type) for c in self.columns] + list(LINEAGE_COLUMNS)

    def create_table_sql(self) -> str:
        """`CREATE TABLE IF NOT EXISTS raw.<source> (...)`, derived from the columns."""
        cols = ",\n    ".join(f"{n} {t}" for n, t in self.raw_columns())
        return f"CREATE TABLE IF NOT EXISTS {self.raw_table} (\n    {cols}\n)"

    def create_superseded_sql(self) -> str:
        cols = ",\n    ".join(f"{n} {t}" for n, t in self.raw_columns() + list(SUPERSEDED_COLUMNS))
        return f"CREATE TABLE IF NOT EXISTS {self.superseded_table} (\n    {cols}\n)"
