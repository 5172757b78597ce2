"""Per-source load status: last load, rows, warnings, latest period, overdue flag."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from ingest.config import Settings
from ingest.contracts import CONTRACTS
from ingest.contracts.base import Contract


@dataclass
class SourceStatus:
    source: str
    last_load: datetime | None
    rows: int
    warnings: int  # warnings recorded on the loads whose rows are current
    rejected: int  # rejected file attempts
    latest_period: str | None
    next_period: str | None
    due_by: date | None
    overdue: bool


def _month_add(period: str, n: int) -> str:
    y, m = (int(x) for x in period.split("-"))
    idx = y * 12 + (m - 1) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def _month_end(period: str) -> date:
    y, m = (int(x) for x in period.split("-"))
    return date(y, m, calendar.monthrange(y, m)[1])


#: Months in one period of each cadence (as dbt's source_schedules macro has them); a
#: quarterly or annual period is named by its last month.
MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "annual": 12}


def _months_per_period(contract: Contract) -> int:
    try:
        return MONTHS_PER_PERIOD[contract.cadence]
    except KeyError:
        raise ValueError(f"unsupported cadence {contract.cadence}") from None


def due_date(contract: Contract, period: str) -> date:
    """The day by which `period` is due: its last day plus the contract's lag."""
    _months_per_period(contract)
    return _month_end(period) + timedelta(days=contract.lag_days)


def overdue(
    contract: Contract, latest_period: str | None, as_of: date
) -> tuple[bool, str | None, date | None]:
    """(overdue, next expected period, its due date). Never loaded counts as overdue."""
    if latest_period is None:
        return True, None, None
    nxt = _month_add(latest_period, _months_per_period(contract))
    due = due_date(contract, nxt)
    return as_of > due, nxt, due


def source_status(
    settings: Settings | None = None, as_of: date | None = None
) -> list[SourceStatus]:
    settings = settings or Settings.from_env()
    as_of = as_of or date.today()
    path = Path(settings.warehouse_path)
    con = duckdb.connect(str(path), read_only=True) if path.exists() else None
    out = []
    try:
        for contract in CONTRACTS.values():
            last = latest = None
            rows = warnings = rejected = 0
            if con is not None and _has_table(con, "_loads") and _has_table(con, contract.name):
                last, rejected = con.execute(
                    "SELECT max(loaded_at) FILTER (WHERE status = 'loaded'), "
                    "count(*) FILTER (WHERE status = 'rejected') FROM raw._loads WHERE source = ?",
                    [contract.name],
                ).fetchone()
                rows, latest = con.execute(
                    f"SELECT count(*), max({contract.period_sql}) FROM {contract.raw_table}"
                ).fetchone()
                warnings = con.execute(
                    f"SELECT coalesce(sum(len(warnings)), 0) FROM raw._loads "
                    f"WHERE source = ? AND status = 'loaded' AND batch_id IN "
                    f"(SELECT DISTINCT _batch_id FROM {contract.raw_table})",
                    [contract.name],
                ).fetchone()[0]
            is_overdue, nxt, due = overdue(contract, latest, as_of)
            out.append(
                SourceStatus(
                    source=contract.name,
                    last_load=last,
                    rows=int(rows),
                    warnings=int(warnings),
                    rejected=int(rejected),
                    latest_period=latest,
                    next_period=nxt,
                    due_by=due,
                    overdue=is_overdue,
                )
            )
    finally:
        if con is not None:
            con.close()
    return out


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = ?",
            [name],
        ).fetchone()[0]
    )


def format_status(statuses: list[SourceStatus]) -> str:
    header = (
        "source",
        "last load (UTC)",
        "rows",
        "warnings",
        "rejected",
        "latest period",
        "overdue",
    )
    rows = [header]
    for s in statuses:
        flag = "no"
        if s.overdue:
            flag = (
                f"YES (next {s.next_period} due {s.due_by})"
                if s.next_period
                else "YES (never loaded)"
            )
        elif s.next_period:
            flag = f"no (next {s.next_period} due {s.due_by})"
        rows.append(
            (
                s.source,
                s.last_load.strftime("%Y-%m-%d %H:%M") if s.last_load else "-",
                str(s.rows),
                str(s.warnings),
                str(s.rejected),
                s.latest_period or "-",
                flag,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
