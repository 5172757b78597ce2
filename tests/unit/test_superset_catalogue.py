"""superset/catalogue.py reads seeds/measures.csv into typed rows in report order, and no
file under superset/ keeps its own list of measure codes."""

from __future__ import annotations

import csv
import re
import sys
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUPERSET = REPO / "superset"
sys.path.insert(0, str(SUPERSET))

import catalogue  # noqa: E402

HEADER = ",".join(catalogue.COLUMNS)


def rows() -> list[dict[str, str]]:
    with catalogue.PATH.open(newline="") as fh:
        return list(csv.DictReader(fh))


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "measures.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def test_reads_every_measure_once_typed_in_display_order():
    measures = catalogue.read()
    assert sorted(m.measure_code for m in measures) == sorted({r["measure_code"] for r in rows()})
    orders = [m.display_order for m in measures]
    assert all(isinstance(o, int) for o in orders) and orders == sorted(orders)
    for m in measures:
        assert m.rate_per in (None, 1000, 100000)
        assert (m.rate_per is None) == (m.rate_denominator is None) == (not m.has_rate)
        assert m.higher_is_better in (None, True, False)
    assert {m.domain for m in measures} >= {"crime", "hate_crime"}


def test_domains_keep_report_order():
    crime = catalogue.in_domain(catalogue.read(), "crime")
    assert crime and all(m.domain == "crime" for m in crime)
    assert [m.display_order for m in crime] == sorted(m.display_order for m in crime)
    assert catalogue.codes(crime) == [m.measure_code for m in crime]


def test_a_row_is_typed(tmp_path):
    path = write(
        tmp_path,
        "b_code,B,,crime,20,count,month,count,src,true,,households,1000,false,n,d",
        "a_code,A,,asb,10,%,quarter,count,src,true,x is not null,,,,n,",
    )
    a, b = catalogue.read(path)
    assert (a.measure_code, a.display_order, a.rate_per, a.higher_is_better) == (
        "a_code",
        10,
        None,
        None,
    )
    assert a.denominator_rule == "x is not null" and a.denominator_definition is None
    assert a.valid_from is None and b.valid_from is None
    assert (b.rate_denominator, b.rate_per, b.higher_is_better, b.has_rate) == (
        "households",
        1000,
        False,
        True,
    )


def test_a_measure_with_two_definitions_is_read_once_as_currently_defined(tmp_path):
    """Two rows of a code (a definition from 2025-04-01 after one since always): one
    Measure, the row with the latest valid_from, wherever the rows stand in the file."""
    rate = "r,Rate,{},substance_misuse,20,%,month,ytd_proportion,src,x,{},,,true,n,{},{}"
    since_always = rate.format("Old words.", "y", "exiting", "")
    newer = rate.format("New words.", "z", "all in", "2025-04-01")
    other = "a,A,,substance_misuse,10,count,month,count,src,true,,,,true,n,,"
    for lines in ([since_always, newer, other], [newer, other, since_always]):
        a, r = catalogue.read(write(tmp_path, *lines))
        assert a.measure_code == "a" and a.valid_from is None
        assert (r.measure_code, r.valid_from, r.description) == (
            "r",
            date(2025, 4, 1),
            "New words.",
        )
        assert (r.denominator_rule, r.denominator_definition) == ("z", "all in")
    # three definitions: the latest date wins, not the last row
    later = rate.format("Newest.", "z", "all in", "2026-04-01")
    (_, r) = catalogue.read(write(tmp_path, later, other, newer, since_always))
    assert (r.valid_from, r.description) == (date(2026, 4, 1), "Newest.")


def test_the_seed_catalogues_changed_measures_are_read_as_their_latest_row():
    """seeds/measures.csv: a code with two rows is read once, as its latest row defines it."""
    by_code: dict[str, list[dict[str, str]]] = {}
    for r in rows():
        by_code.setdefault(r["measure_code"], []).append(r)
    changed = {code: rs for code, rs in by_code.items() if len(rs) > 1}
    assert changed  # the catalogue has a measure whose definition changed
    measures = {m.measure_code: m for m in catalogue.read()}
    for code, rs in changed.items():
        newest = max(rs, key=lambda r: r["valid_from"])
        m = measures[code]
        assert m.valid_from == date.fromisoformat(newest["valid_from"])
        assert m.denominator_definition == newest["denominator_definition"]


@pytest.mark.parametrize(
    "lines, message",
    [
        (["a,A,,crime,ten,count,month,count,s,true,,,,false,n,"], "invalid literal"),
        (["a,A,,crime,10,count,month,count,s,true,,population,x,false,n,"], "invalid literal"),
        (["a,A,,crime,10,count,month,count,s,true,,,,maybe,n,"], "maybe"),
        (["a,A,,crime,10,count,month,count,s,true,,,,false,n,,April 2025"], "April 2025"),
    ],
)
def test_rejects_a_row_it_cannot_type(tmp_path, lines, message):
    """Only what it cannot read; the catalogue's rules are dbt's check (one place)."""
    with pytest.raises(catalogue.CatalogueError, match=message):
        catalogue.read(write(tmp_path, *lines))


def test_rejects_a_missing_column(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text("measure_code,measure_name\na,A\n")
    with pytest.raises(catalogue.CatalogueError, match="no column"):
        catalogue.read(path)


def hand_written_superset_files() -> dict[Path, str]:
    """Files under superset/ a person writes: not the generated assets/, not Superset's
    venv, not *.md or *.csv."""
    out = {}
    for path in sorted(SUPERSET.rglob("*")):
        rel = path.relative_to(SUPERSET)
        if not path.is_file() or rel.parts[0] in {"assets", ".venv"}:
            continue
        if "__pycache__" in rel.parts or path.suffix in {".md", ".csv", ".pyc"}:
            continue
        out[rel] = path.read_text(errors="replace")
    return out


def test_a_measure_code_is_written_by_hand_in_at_most_one_superset_file():
    """superset/dashboards/crime.py may name the few measures with a chart of their own;
    every other list of measures comes from the catalogue."""
    files = hand_written_superset_files()
    assert Path("dashboards/crime.py") in files
    naming = {}
    for code in (r["measure_code"] for r in rows()):
        word = re.compile(rf"\b{re.escape(code)}\b")
        found = sorted(str(rel) for rel, text in files.items() if word.search(text))
        if found:
            naming[code] = found
    assert all(len(found) == 1 for found in naming.values()), naming
    assert {f for found in naming.values() for f in found} <= {"dashboards/crime.py"}, naming
