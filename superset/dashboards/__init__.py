"""The dashboards of superset/assets/, one module each, and the datasets they share.

Each dashboard module has `build(measures) -> Dashboard`: its charts, layout and native
filters, given the measure catalogue (superset/catalogue.py) in report order. The order
of DASHBOARDS is the order of the charts in the bundle. Which module may write a measure
code by hand, and how the others get their measures: see dashboards/crime.py.
"""

from __future__ import annotations

from assets_format import Dashboard
from catalogue import Measure

from dashboards import asb_fire, crime, domestic_abuse, drugs_alcohol, overview, reoffending

DASHBOARDS = (overview, crime, domestic_abuse, asb_fire, drugs_alcohol, reoffending)


def build_dashboards(measures: list[Measure]) -> list[Dashboard]:
    return [module.build(measures) for module in DASHBOARDS]
