"""Deterministic synthetic partner extracts for the demo (see FORMATS.md).

python -m ingest.demo --out data/landing [--start 2023-04] [--end 2026-09] [--scale 1.0]
"""

from .generator import MANIFEST_NAME, SOURCES, generate

__all__ = ["generate", "SOURCES", "MANIFEST_NAME"]
