"""Filters and charts several dashboards build the same way."""

from __future__ import annotations

from assets_format import Chart, interval_line, simple_filter, timeseries
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


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def fy_name(measure: Measure) -> str:
    """The name of a measure's this-FY-against-last chart (fy_count)."""
    return f"{measure.measure_name}: this FY against last FY by month"


def fy_count(measure: Measure) -> Chart:
    """A measure's monthly count this FY against last, described from the catalogue."""
    return fy_line(
        fy_name(measure),
        measure,
        f"{measure.description} Monthly count in this financial year against the same "
        "month of last year.",
    )


def interval_name(measure: Measure) -> str:
    """The name of a proportion's chart with its interval (rate_with_interval)."""
    return f"{measure.measure_name} (cumulative, 95% interval)"


def rate_with_interval(measure: Measure) -> Chart:
    """A proportion (method ytd_proportion): its cumulative rate in the FY by month, with
    its 95% Wilson interval shaded, against the same point of last FY."""
    return interval_line(
        interval_name(measure),
        "scorecard",
        "period_month",
        ("Cumulative rate", "MAX(value)"),
        "MAX(ci_lower)",
        "MAX(ci_upper)",
        [("Same month last FY", "MAX(value_last_year)")],
        of_measure(measure),
        f"{measure.description} At each month: {lower_first(measure.numerator_definition)}, "
        f"as a % of {lower_first(str(measure.denominator_definition))}, with its 95% Wilson "
        "interval shaded, and the same rate 12 months earlier.",
    )


def chunks(names: list[str], per_row: int, height: int) -> list[list[tuple[str, int, int]]]:
    """Rows of at most `per_row` charts, sharing the width."""
    rows = [names[i : i + per_row] for i in range(0, len(names), per_row)]
    return [[(n, 12 // len(row), height) for n in row] for row in rows]
