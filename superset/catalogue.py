"""The measure catalogue, seeds/measures.csv, read for the Superset assets.

The catalogue is the one home of every measure: its code, name, domain, report order
(`display_order`) and rate (`rate_denominator`, `rate_per`). The dashboards take their
lists of measures from it (superset/dashboards/crime.py) instead of keeping their own.

Only reads and types the rows: the catalogue's rules (known sources, methods and period
types, unique codes, a rate with its denominator, ...) are checked in one place, dbt's
validate_measure_catalogue, before every build. Standard library only (csv): Superset's
virtual environment runs this too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "seeds" / "measures.csv"

_BOOL = {"true": True, "false": False, "": None}


@dataclass(frozen=True)
class Measure:
    """One row of the catalogue, typed; an empty optional cell is None."""

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
    )


def read(path: Path = PATH) -> list[Measure]:
    """Every measure of the catalogue, in report order (display_order)."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        absent = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            raise CatalogueError(f"{path}: no column {', '.join(absent)}")
        measures = [_measure(row, f"{path}:{reader.line_num}") for row in reader]
    return sorted(measures, key=lambda m: (m.display_order, m.measure_code))


def codes(measures: list[Measure]) -> list[str]:
    return [m.measure_code for m in measures]


def in_domain(measures: list[Measure], domain: str) -> list[Measure]:
    return [m for m in measures if m.domain == domain]
