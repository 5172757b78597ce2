"""Filters and charts several dashboards build the same way."""

from __future__ import annotations

from assets_format import Chart, simple_filter, timeseries
from catalogue import Measure


def csp_only() -> list[dict]:
    """The scorecard's CSP rows (not the force totals)."""
    return [simple_filter("area_type", "==", "csp")]


def of_measure(measure: Measure) -> list[dict]:
    """One measure's CSP rows."""
    return [simple_filter("measure_code", "==", measure.measure_code), *csp_only()]


def fy_line(name: str, measure: Measure, description: str) -> Chart:
    """A measure's monthly count, this financial year against last, by month of the FY."""
    return timeseries(
        name,
        "echarts_timeseries_line",
        "scorecard_fy_compare",
        "fy_month_label",
        False,
        ["fy_position"],
        "total_count",
        of_measure(measure),
        description,
    )
