"""The landing folder: which delivered files load, in which order, for which month.

The one rule, used by `csp load-landing`, `csp build` and the Dagster landing sensor alike:
a file under `<landing>/<source>/` is *delivered* unless it is hidden, an Office lock file,
a report this warehouse writes (`*.error.txt`) or a partial copy (`*.tmp`, `*.part`); a
delivered file *loads* when its suffix is `.csv`, `.xlsx` or `.xlsm`, in file-name order
(restated files sort after the original). Any other delivered file is ignored and reported,
never quarantined: it is not a data file. Only the standard library: no DuckDB, no Dagster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

#: Suffixes of the files that load (a contract may accept fewer: see Contract.formats).
LOADABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
_NOT_DELIVERED_SUFFIXES = (".error.txt", ".tmp", ".part")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?=[-_.])")
#: A quarterly extract named by its financial year and quarter: `2025-26-Q1-...`.
_QUARTER_RE = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])(?=[-_.])")


def file_month(name: str) -> str | None:
    """The `YYYY-MM` a landing file is for, from its name (`2024-03-...`; a quarterly
    extract `2025-26-Q1-...` is for the quarter's last month, 2025-06), else None."""
    m = _MONTH_RE.match(name)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    q = _QUARTER_RE.match(name)
    if q and (int(q.group(1)) + 1) % 100 == int(q.group(2)):
        start, quarter = int(q.group(1)), int(q.group(3))
        return f"{start + (quarter == 4)}-{(quarter * 3 + 3) % 12 or 12:02d}"
    return None


def is_delivered(path: Path) -> bool:
    """A file a partner delivered: not hidden, not an Office lock file, not our report."""
    name = path.name
    return (
        path.is_file()
        and not name.startswith((".", "~$"))
        and not name.endswith(_NOT_DELIVERED_SUFFIXES)
    )


def is_loadable(path: Path) -> bool:
    """A delivered file that loads (by its suffix)."""
    return is_delivered(path) and path.suffix.lower() in LOADABLE_SUFFIXES


def _delivered(landing_dir: Path, source: str) -> list[Path]:
    folder = Path(landing_dir) / source
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if is_delivered(p)), key=lambda p: p.name)


def landing_files(
    landing_dir: Path, source: str, months: Iterable[str] | None = None
) -> list[Path]:
    """The files of `<landing>/<source>/` that load, in load (name) order; with `months`,
    only those whose name starts with one of those `YYYY-MM`."""
    wanted = set(months) if months is not None else None
    return [
        p
        for p in _delivered(landing_dir, source)
        if is_loadable(p) and (wanted is None or file_month(p.name) in wanted)
    ]


def ignored_files(landing_dir: Path, source: str) -> list[tuple[Path, str]]:
    """Delivered files of `<landing>/<source>/` that do not load, each with the reason."""
    kinds = ", ".join(LOADABLE_SUFFIXES)
    return [
        (p, f"not loaded: not a data file ({kinds})")
        for p in _delivered(landing_dir, source)
        if not is_loadable(p)
    ]


def source_folders(landing_dir: Path) -> list[str]:
    """Names of the source folders under the landing folder that hold a delivered file."""
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in landing_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and _delivered(landing_dir, p.name)
    )


def months_between(first: str, last: str) -> list[str]:
    """All `YYYY-MM` from `first` to `last` inclusive."""
    y, mo = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{mo:02d}" <= last:
        out.append(f"{y:04d}-{mo:02d}")
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out
