"""The measure catalogue, seeds/measures.csv, read for the Superset assets.

The catalogue is the one home of every measure: its code, name, domain, report order
(`display_order`) and rate (`rate_denominator`, `rate_per`). The dashboards take their
lists of measures from it (superset/dashboards/crime.py) instead of keeping their own.

A measure whose definition changed has a row per definition, each applying from its
`valid_from` (empty = since always; e.g. a completion rate whose denominator moved from
"those exiting" to "all in treatment" on 2025-04-01). `read` returns one Measure per
code: the current definition, the row with the latest valid_from (as dbt's dim_measure
does). Which definition each figure used is the scorecard's (its definition columns, from
dbt's dim_measure_definition).

Only reads and types the rows: the catalogue's rules (known sources, methods and period
types, unique codes, a rate with its denominator, ...) are checked in one place, dbt's
validate_measure_catalogue, before every build. Standard library only (csv): Superset's
virtual environment runs this too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "seeds" / "measures.csv"

_BOOL = {"true": True, "false": False, "": None}


@dataclass(frozen=True)
class Measure:
    """One row of the catalogue, typed; an empty optional cell is None. `valid_from`: the
    first day the row's definition applies to (None = since always)."""

    measure_code: str
    measure_name: str
    description: str
    domain: str
    display_order: int
    unit: str
    period_type: str
    method: str
    source: str
    numerator_rule: str
    denominator_rule: str | None
    rate_denominator: str | None
    rate_per: int | None
    higher_is_better: bool | None
    numerator_definition: str
    denominator_definition: str | None
    valid_from: date | None

    @property
    def has_rate(self) -> bool:
        return self.rate_per is not None


COLUMNS = tuple(f.name for f in fields(Measure))


class CatalogueError(ValueError):
    """The catalogue file cannot be read as a measure catalogue."""


def _measure(row: dict[str, str], where: str) -> Measure:
    cells = {k: (row.get(k) or "").strip() for k in COLUMNS}
    try:
        order = int(cells["display_order"])
        rate_per = int(cells["rate_per"]) if cells["rate_per"] else None
        higher_is_better = _BOOL[cells["higher_is_better"].lower()]
        valid_from = date.fromisoformat(cells["valid_from"]) if cells["valid_from"] else None
    except (ValueError, KeyError) as exc:
        raise CatalogueError(f"{where}: {exc!r} (dbt's catalogue check says more)") from None
    return Measure(
        measure_code=cells["measure_code"],
        measure_name=cells["measure_name"],
        description=cells["description"],
        domain=cells["domain"],
        display_order=order,
        unit=cells["unit"],
        period_type=cells["period_type"],
        method=cells["method"],
        source=cells["source"],
        numerator_rule=cells["numerator_rule"],
        denominator_rule=cells["denominator_rule"] or None,
        rate_denominator=cells["rate_denominator"] or None,
        rate_per=rate_per,
        higher_is_better=higher_is_better,
        numerator_definition=cells["numerator_definition"],
        denominator_definition=cells["denominator_definition"] or None,
        valid_from=valid_from,
    )


def _since(measure: Measure) -> date:
    """When the measure's definition applies from (since always: the earliest day)."""
    return measure.valid_from or date.min


def current(definitions: list[Measure]) -> list[Measure]:
    """One Measure per code, in the order first seen: of the code's rows (one per
    definition), the one with the latest valid_from, i.e. the definition in force now.
    (Two rows of a code with the same valid_from are refused by dbt's catalogue check.)"""
    latest: dict[str, Measure] = {}
    for m in definitions:
        kept = latest.get(m.measure_code)
        if kept is None or _since(m) > _since(kept):
            latest[m.measure_code] = m
    return list(latest.values())


def read(path: Path = PATH) -> list[Measure]:
    """Every measure of the catalogue, once, as currently defined (`current`), in report
    order (display_order)."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        absent = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            raise CatalogueError(f"{path}: no column {', '.join(absent)}")
        rows = [_measure(row, f"{path}:{reader.line_num}") for row in reader]
    return sorted(current(rows), key=lambda m: (m.display_order, m.measure_code))


def codes(measures: list[Measure]) -> list[str]:
    return [m.measure_code for m in measures]


def in_domain(measures: list[Measure], domain: str) -> list[Measure]:
    return [m for m in measures if m.domain == domain]
