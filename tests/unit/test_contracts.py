"""The contracts are the single home of columns, types and rules; DDL and docs derive from them."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from ingest.contract_docs import (
    DBT_SOURCES_PATH,
    DOCS_DIR,
    render,
    render_dbt_sources,
    render_index,
    write_docs,
)
from ingest.contracts import CONTRACTS, UnknownSourceError, get_contract
from ingest.contracts.base import LINEAGE_COLUMNS, TYPES, Column, Contract
from ingest.contracts.police_street import POLICE_UK_CRIME_TYPES


def test_every_contract_module_is_registered() -> None:
    """A source is one file in ingest/contracts/: being there registers it."""
    folder = Path(__file__).resolve().parents[2] / "ingest" / "contracts"
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "base", "common"}
    assert set(CONTRACTS) == modules
    assert {"police_street", "police_crime", "dv_incidents", "marac_cases"} <= set(CONTRACTS)
    assert {"asb_council", "fire_incidents"} <= set(CONTRACTS)
    assert get_contract("police_street") is CONTRACTS["police_street"]
    with pytest.raises(UnknownSourceError, match="unknown source 'nope'"):
        get_contract("nope")


def test_police_street_matches_the_published_header(realdata_dir: Path) -> None:
    c = get_contract("police_street")
    for f in sorted((realdata_dir / "police_uk").glob("*.csv")):
        with f.open(newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == list(c.headers)
    assert c.column_names == (
        "crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
        "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category", "context",
    )  # fmt: skip
    assert c.period_sql == "month" and c.scope_columns == ("reported_by",)
    assert c.column("month").type == "VARCHAR"
    assert c.column("longitude").type == c.column("latitude").type == "DOUBLE"
    assert c.column("crime_id").warn_repeated and c.column("lsoa_code").warn_blank
    assert c.person_columns == ()


def test_police_street_crime_types_match_the_seed(repo_root: Path) -> None:
    seed = repo_root / "seeds" / "police_uk_crime_types.csv"
    if not seed.is_file():
        pytest.skip("seeds/police_uk_crime_types.csv not written yet")
    with seed.open(newline="", encoding="utf-8") as fh:
        seeded = {r["crime_type"] for r in csv.DictReader(fh)}
    assert set(POLICE_UK_CRIME_TYPES) == seeded


def test_police_crime_contract() -> None:
    c = get_contract("police_crime")
    assert c.key_columns == ("crime_ref",)
    assert c.person_columns == ("victim_ref",)
    assert c.scope_columns == ("force_code",)
    assert c.period_sql == "strftime(recorded_date, '%Y-%m')"
    types = {col.name: col.type for col in c.columns}
    assert types["recorded_date"] == "DATE" and types["victim_age"] == "INTEGER"
    assert all(
        types[f"hate_{s}"] == "BOOLEAN"
        for s in ("race", "religion", "sexual_orientation", "disability", "transgender")
    )
    required = {col.name for col in c.columns if col.required}
    assert {"lsoa_code", "victim_ref", "victim_age", "victim_gender", "outcome"}.isdisjoint(
        required
    )
    assert c.column("location_type").accepted == ("dwelling", "public_place", "other")
    assert c.lag_days > 0 and c.cadence == "monthly"


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_raw_ddl_is_derived_from_the_contract(source: str) -> None:
    c = get_contract(source)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute(c.create_table_sql())
    con.execute(c.create_superseded_sql())
    cols = con.execute(f"DESCRIBE {c.raw_table}").fetchall()
    assert [(r[0], r[1]) for r in cols] == [(x.name, x.type) for x in c.columns] + list(
        LINEAGE_COLUMNS
    )
    sup = [r[0] for r in con.execute(f"DESCRIBE {c.superseded_table}").fetchall()]
    assert sup == [r[0] for r in cols] + ["_superseded_at", "_superseded_by_batch"]
    for col in c.columns:
        assert col.type in TYPES


def test_contract_rejects_inconsistent_definitions() -> None:
    with pytest.raises(ValueError):
        Column("x", "X", type="TEXT")
    with pytest.raises(ValueError, match="duplicate"):
        Contract("s", "t", "d", (Column("a", "A"), Column("a", "B")), "a", "a", ("a",))
    with pytest.raises(ValueError, match="scope"):
        Contract("s", "t", "d", (Column("a", "A"),), "a", "a", ("b",))


def test_committed_contract_docs_are_up_to_date() -> None:
    for name, c in CONTRACTS.items():
        assert (DOCS_DIR / f"{name}.md").read_text(encoding="utf-8") == render(c), (
            "docs/contracts are stale: run `csp contracts`"
        )
    assert (DOCS_DIR / "README.md").read_text(encoding="utf-8") == render_index()


def test_committed_dbt_sources_are_generated_from_the_contracts() -> None:
    assert DBT_SOURCES_PATH.read_text(encoding="utf-8") == render_dbt_sources(), (
        "dbt_project/models/staging/_raw__sources.yml is stale: run `csp contracts`"
    )
    text = render_dbt_sources()
    for c in CONTRACTS.values():
        assert f"      - name: {c.name}\n" in text
        for col in c.columns:
            assert f"          - name: {col.name}\n" in text


def test_docs_name_every_column_and_rule(tmp_path: Path) -> None:
    written = write_docs(tmp_path, tmp_path / "_raw__sources.yml")
    assert {p.name for p in written} == {f"{source}.md" for source in CONTRACTS} | {
        "README.md",
        "_raw__sources.yml",
    }
    text = (tmp_path / "police_crime.md").read_text()
    for col in get_contract("police_crime").columns:
        assert f"`{col.header}`" in text
    assert "pseudonymised" in text and "CREATE TABLE IF NOT EXISTS raw.police_crime" in text
    assert "`dwelling`" in text and "range 0..120" in text


def test_domestic_abuse_docs_list_the_accepted_values(tmp_path: Path) -> None:
    """The partners read the accepted agencies, genders and age bands in the generated docs,
    and dbt's source tests quote an agency with an apostrophe correctly."""
    write_docs(tmp_path, tmp_path / "_raw__sources.yml")
    marac = (tmp_path / "marac_cases.md").read_text()
    for col in ("referring_agency", "victim_gender", "victim_age_band"):
        for value in get_contract("marac_cases").column(col).accepted or ():
            assert f"`{value}`" in marac, (col, value)
    assert "`Children's Social Care`" in marac and "`55+`" in marac
    dv = (tmp_path / "dv_incidents.md").read_text()
    assert "**person: pseudonymised (HMAC-SHA256 hex)**" in dv and "`Y`/`N`" in dv
    sources = (tmp_path / "_raw__sources.yml").read_text()
    assert "\"Children''s Social Care\"" in sources


def test_council_asb_and_fire_contracts() -> None:
    """The two partner sources the demo writes: the values the contracts accept are the
    values the partners send (demo/partners.py writes the same)."""
    from demo.partners import ASB_CATEGORIES, FIRE_TYPES

    asb = get_contract("asb_council")
    assert asb.key_columns == ("report_ref",) and asb.person_columns == ("caller_ref",)
    assert asb.scope_columns == ("csp_code",) and (asb.cadence, asb.lag_days) == ("monthly", 35)
    assert asb.period_sql == "strftime(report_date, '%Y-%m')"
    assert asb.column("report_date").type == "DATE"
    assert set(asb.column("category").accepted or ()) == set(ASB_CATEGORIES)
    assert asb.column("channel").accepted == ("hotline", "online", "officer")
    assert asb.column("risk_level").accepted == ("standard", "medium", "high")
    assert asb.column("satisfaction").accepted == ("satisfied", "not satisfied")
    optional = {c.name for c in asb.columns if not c.required}
    assert optional == {"lsoa_code", "caller_ref", "satisfaction"}

    fire = get_contract("fire_incidents")
    assert fire.key_columns == ("incident_ref",) and fire.person_columns == ()
    assert fire.scope_columns == ("csp_code",) and (fire.cadence, fire.lag_days) == ("monthly", 35)
    assert fire.period_sql == "strftime(incident_datetime, '%Y-%m')"
    assert fire.column("incident_datetime").type == "TIMESTAMP"
    assert fire.column("incident_datetime").time_format == "%Y-%m-%d %H:%M:%S"
    assert set(fire.column("incident_type").accepted or ()) == {t[0] for t in FIRE_TYPES}
    assert set(fire.column("property_type").accepted or ()) == {p for t in FIRE_TYPES for p in t[5]}
    assert fire.column("motive").accepted == ("deliberate", "accidental", "not known")
    for c in (asb, fire):
        assert c.column("csp_code").reference == ("areas.csv", "csp_code")
        lsoa = c.column("lsoa_code")
        assert not lsoa.required and lsoa.pattern == r"[EW]010[0-9]{5}" and lsoa.warn_blank


def test_date_and_time_formats_are_read_and_written_alike() -> None:
    from ingest.contracts.base import format_hint, format_pattern

    assert format_hint("%Y-%m-%d %H:%M:%S") == "YYYY-MM-DD HH:MM:SS"
    assert format_pattern("%Y-%m-%d") == "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    assert format_pattern("%d.%m.%Y") == r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}"
    assert format_pattern("%d %b %Y") is None  # a month name: no fixed shape
    assert Column("d", "d", type="DATE").time_format == "%Y-%m-%d"
    assert Column("v", "v").time_format is None


def test_timestamp_columns_are_documented_with_their_format(tmp_path: Path) -> None:
    write_docs(tmp_path, tmp_path / "_raw__sources.yml")
    fire = (tmp_path / "fire_incidents.md").read_text()
    assert (
        "| `incident_datetime` | `incident_datetime` | TIMESTAMP | yes | `YYYY-MM-DD HH:MM:SS` |"
        in (fire)
    )
    assert "    incident_datetime TIMESTAMP,\n" in fire
    asb = (tmp_path / "asb_council.md").read_text()
    assert "- Person fields (pseudonymised at load): `caller_ref`" in asb


def test_dbt_sources_carry_each_contracts_cadence_as_meta() -> None:
    """A model says which partner is overdue from graph.sources: each raw table's
    `config: meta:` (dbt 1.10+) has the contract's title, publisher, cadence, lag and scope,
    and the incremental models take a raw row's month from its period_sql."""
    import yaml

    doc = yaml.safe_load(render_dbt_sources())
    (raw,) = doc["sources"]
    tables = {t["name"]: t for t in raw["tables"]}
    assert set(tables) == set(CONTRACTS)
    for name, c in CONTRACTS.items():
        assert "meta" not in tables[name]  # the deprecated top-level property
        assert tables[name]["config"]["meta"] == {
            "title": c.title,
            "publisher": c.publisher,
            "cadence": c.cadence,
            "lag_days": c.lag_days,
            "scope_columns": list(c.scope_columns),
            "period_sql": c.period_sql,
        }
    assert tables["police_street"]["config"]["meta"]["lag_days"] == 62
    assert tables["asb_council"]["config"]["meta"]["scope_columns"] == ["csp_code"]
