"""Deterministic synthetic partner extracts for the demo (see README.md and FORMATS.md).

python -m demo --out data/landing [--start 2023-04] [--end 2026-09] [--scale 1.0]

Not part of the product: the wheel ships `ingest` and `orchestration` only.
"""

from .generator import MANIFEST_NAME, generate
from .sources import SOURCES

__all__ = ["generate", "SOURCES", "MANIFEST_NAME"]
