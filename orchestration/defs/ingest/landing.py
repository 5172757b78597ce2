"""Pure helpers over the landing folder (no Dagster; no DuckDB)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?=[-_.])")
_IGNORED_SUFFIXES = (".error.txt", ".tmp", ".part")


def file_month(name: str) -> str | None:
    """The ``YYYY-MM`` a landing file is for, from its name (``2024-03-...``), else None."""
    m = _MONTH_RE.match(name)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def is_landing_file(path: Path) -> bool:
    """A file a partner delivered: not hidden, not an Office lock file, not a report."""
    name = path.name
    return (
        path.is_file() and not name.startswith((".", "~$")) and not name.endswith(_IGNORED_SUFFIXES)
    )


def landing_files(
    landing_dir: Path, source: str, months: Iterable[str] | None = None
) -> list[Path]:
    """Files in ``<landing>/<source>/`` in name order (the load order), optionally only
    those whose name starts with one of ``months`` (``YYYY-MM``)."""
    folder = Path(landing_dir) / source
    if not folder.is_dir():
        return []
    wanted = set(months) if months is not None else None
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not is_landing_file(path):
            continue
        if wanted is not None and file_month(path.name) not in wanted:
            continue
        files.append(path)
    return files


def months_present(landing_dir: Path, source: str) -> list[str]:
    """Sorted distinct ``YYYY-MM`` of the dated files in ``<landing>/<source>/``."""
    return sorted(
        {m for p in landing_files(landing_dir, source) if (m := file_month(p.name)) is not None}
    )


def contiguous_month_ranges(months: Iterable[str]) -> list[tuple[str, str]]:
    """Group ``YYYY-MM`` strings into runs of consecutive months: [(first, last), ...]."""

    def index(m: str) -> int:
        return int(m[:4]) * 12 + int(m[5:7]) - 1

    ranges: list[tuple[str, str]] = []
    for m in sorted(set(months)):
        if ranges and index(m) == index(ranges[-1][1]) + 1:
            ranges[-1] = (ranges[-1][0], m)
        else:
            ranges.append((m, m))
    return ranges


def months_between(first: str, last: str) -> list[str]:
    """All ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    y, mo = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{mo:02d}" <= last:
        out.append(f"{y:04d}-{mo:02d}")
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out
