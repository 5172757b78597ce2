"""seeds/cost_of_crime.csv: the Home Office unit costs of crime (Heeks, Reed, Tafsiri and
Prince, "The economic and social costs of crime", second edition, Home Office Research Report
99, July 2018, 2015/16 prices, Table 1), one row per offence category and cost item, and the
mapping of seeds/offence_classification.csv onto its categories. See seeds/README.md
("cost_of_crime.csv: source").

No figure is invented: a cell the publication does not give, or that has not been transcribed
from it, is empty. Today no figure is transcribed (the table could not be read where the seed
was written; see the README), so every unit cost is empty and PUBLISHED_TOTALS is empty."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

HEADER = [
    "cost_group",
    "cost_category",
    "cost_item",
    "unit_cost_gbp",
    "price_base",
    "publication_table",
]
CATEGORIES = {"anticipation", "consequence", "response"}
# The cost items, named as the publication's sections name them (its contents: 4.1-4.2,
# 5.1-5.5, 6.1-6.2), with the category each section belongs to.
ITEMS = {
    "Defensive expenditure": "anticipation",
    "Insurance administration": "anticipation",
    "Property stolen and damaged": "consequence",
    "Physical and emotional harms to the victim": "consequence",
    "Lost output": "consequence",
    "Health services": "consequence",
    "Victim services": "consequence",
    "Police costs": "response",
    "Criminal justice system": "response",
}

# The publication's total unit cost per crime (£, 2015/16 prices) of each category, copied
# from its Table 1 when the items are transcribed; the items must add up to it. None is
# recorded yet: no figure of the table has been transcribed.
PUBLISHED_TOTALS: dict[str, int] = {}

# Tolerance of the sum check. The published items and total are each rounded (the total is
# computed from unrounded items, then rounded), so the sum of n rounded items can differ from
# the rounded total by up to half a rounding unit per item plus half a unit for the total.
# ROUNDING_UNIT is £10 on the assumption that the table rounds to the nearest £10: confirm it
# from the table's notes when transcribing, and change it if the table says otherwise.
ROUNDING_UNIT = 10

# The demo's conviction codes (demo/) and the category each maps to ("" = none).
DEMO_MAPPING = {
    "46": "",  # shoplifting: a crime against a business, not an individual category
    "49": "Other theft",
    "105A": "Violence without injury",
    "8N": "Violence with injury",
    "28E": "Domestic burglary",
    "45": "Theft from vehicle",
    "48": "Theft of vehicle",
    "92D": "",  # drug possession: a crime against society, not costed
    "58D": "Criminal damage - other",
    "9A": "",  # public order: a crime against society, not costed
    "34B": "Robbery",
}


def read(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(name: str) -> list[str]:
    with open(SEEDS / name, encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def costs_by_group() -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    for r in read("cost_of_crime.csv"):
        assert r["cost_item"] not in groups[r["cost_group"]], (r["cost_group"], r["cost_item"])
        groups[r["cost_group"]][r["cost_item"]] = r["unit_cost_gbp"]
    return groups


def test_header_and_fixed_columns():
    assert header("cost_of_crime.csv") == HEADER
    raw = (SEEDS / "cost_of_crime.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    for r in read("cost_of_crime.csv"):
        assert r["price_base"] == "2015/16", r
        assert r["publication_table"] == "Table 1", r


def test_categories_and_items():
    """Every cost category is one of the three; every category of the publication has each
    cost item exactly once, under the category the publication puts it in."""
    rows = read("cost_of_crime.csv")
    for r in rows:
        assert r["cost_category"] in CATEGORIES, r
        assert ITEMS.get(r["cost_item"]) == r["cost_category"], r
    for group, items in costs_by_group().items():
        assert set(items) == set(ITEMS), group


def test_unit_costs_are_non_negative_integers_or_empty():
    for r in read("cost_of_crime.csv"):
        assert re.fullmatch(r"(0|[1-9][0-9]*)?", r["unit_cost_gbp"]), r


def test_offence_classification_maps_onto_the_publication():
    """The mapping column is the last one; every category it names is a cost_group, spelt
    the same; the demo's conviction codes map as documented."""
    assert header("offence_classification.csv")[-1] == "cost_of_crime_group"
    groups = set(costs_by_group())
    by_code = {r["offence_code"]: r for r in read("offence_classification.csv")}
    for code, r in by_code.items():
        assert r["cost_of_crime_group"] in groups | {""}, code
    for code, group in DEMO_MAPPING.items():
        assert by_code[code]["cost_of_crime_group"] == group, code
    # an offence is mapped to a category of its own kind
    for code in ("1", "4/1"):
        assert by_code[code]["cost_of_crime_group"] == "Homicide"
    for code in ("19C", "19F"):
        assert by_code[code]["cost_of_crime_group"] == "Rape"
    for r in by_code.values():
        if r["offence_group"] in (
            "Drug offences",
            "Possession of weapons offences",
            "Public order offences",
            "Stalking and harassment",
        ):
            assert r["cost_of_crime_group"] == "", r["offence_code"]


def test_a_category_is_transcribed_whole_and_adds_up_to_its_published_total():
    """A category's items are all filled (a dash of the publication, an item it does not
    estimate, recorded as 0) or all empty (not transcribed): never a part, which the cost
    of offending would pass off as the whole (int_iom__events takes a category with an empty
    item as having no figures). A transcribed category has the publication's total recorded
    above, and its items add up to it within rounding: the check that the transcription is
    right."""
    groups = costs_by_group()
    assert set(PUBLISHED_TOTALS) <= set(groups)
    for group, items in groups.items():
        filled = [v != "" for v in items.values()]
        assert all(filled) or not any(filled), group
        if all(filled):
            assert group in PUBLISHED_TOTALS, group
            given = [int(v) for v in items.values()]
            tolerance = ROUNDING_UNIT / 2 * (len(given) + 1)
            assert abs(sum(given) - PUBLISHED_TOTALS[group]) <= tolerance, (group, sum(given))
        else:
            assert group not in PUBLISHED_TOTALS, group
