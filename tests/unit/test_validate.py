"""validate_file: every rule derived from the contract, checked in SQL, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.contracts import get_contract
from ingest.validate import MAX_ROWS_PER_CHECK, validate_file

CRIME = list(get_contract("police_crime").headers)
GOOD = {
    "crime_ref": "CR1", "force_code": "E23000029", "recorded_date": "2024-03-05",
    "offence_code": "28E", "offence_description": "Burglary", "lsoa_code": "E01016725",
    "location_type": "dwelling", "domestic_abuse": "N", "hate_race": "Y", "hate_religion": "Y",
    "hate_sexual_orientation": "N", "hate_disability": "N", "hate_transgender": "N",
    "victim_ref": "V1", "victim_age": "34", "victim_gender": "female", "outcome": "",
}  # fmt: skip


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    d = tmp_path / "seeds"
    d.mkdir()
    (d / "offence_classification.csv").write_text("offence_code,x\n28E,a\n8N,b\n4/1,c\n")
    (d / "forces.csv").write_text("force_code,police_uk_name\nE23000029,Thames Valley Police\n")
    return d


def crime_file(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    p = tmp_path / "2024-03-tvp-crime.csv"
    lines = [",".join(CRIME)] + [",".join({**GOOD, **r}[h] for h in CRIME) for r in rows]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_valid_file(tmp_path: Path, seeds: Path) -> None:
    p = crime_file(
        tmp_path,
        [
            {"crime_ref": "A"},
            {"crime_ref": "B", "offence_code": "4/1", "lsoa_code": "", "victim_age": ""},
        ],
    )
    report = validate_file("police_crime", p, seeds_dir=seeds)
    assert report.ok, report.errors
    assert report.rows == 2 and report.periods == ["2024-03"]
    assert report.warnings == [
        "2024-03-tvp-crime.csv, row 3, column 'lsoa_code': 1 rows with no LSOA code "
        "(location unknown, kept at force level) (rows 3)"
    ]
    assert "OK, 2 rows" in report.render()
    assert list(tmp_path.glob("*.duckdb")) == []


@pytest.mark.parametrize(
    "override,row,column,reason",
    [
        ({"force_code": "E2300002"}, 2, "force_code", "bad format: expected ONS police force"),
        # a well-formed code of no known force: never a crime without a force
        ({"force_code": "E23000099"}, 2, "force_code", "unknown code: not in seeds/forces.csv"),
        ({"recorded_date": "05/03/2024"}, 2, "recorded_date", "bad date"),
        ({"recorded_date": ""}, 2, "recorded_date", "required value is blank"),
        ({"offence_code": "8X"}, 2, "offence_code", "unknown code: not in seeds/"),
        ({"location_type": "Dwelling"}, 2, "location_type", "unknown category value 'Dwelling'"),
        ({"hate_race": "yes"}, 2, "hate_race", "expected one of Y, N: 'yes'"),
        ({"victim_age": "130"}, 2, "victim_age", "out of range: must be between 0 and 120"),
        ({"victim_age": "3.5"}, 2, "victim_age", "not a whole number"),
        ({"victim_gender": "F"}, 2, "victim_gender", "unknown category value 'F'"),
        ({"lsoa_code": "E0101672"}, 2, "lsoa_code", "bad format: expected 2011 LSOA code"),
    ],
)
def test_rule_violations(tmp_path, seeds, override, row, column, reason) -> None:
    p = crime_file(tmp_path, [override])
    report = validate_file("police_crime", p, seeds_dir=seeds)
    assert not report.ok
    assert any(
        e.startswith(f"2024-03-tvp-crime.csv, row {row}, column '{column}': ") and reason in e
        for e in report.errors
    ), report.errors


def test_many_bad_rows_are_summarised(tmp_path: Path, seeds: Path) -> None:
    rows = [{"crime_ref": f"C{i}", "victim_gender": "F"} for i in range(25)]
    report = validate_file("police_crime", crime_file(tmp_path, rows), seeds_dir=seeds)
    assert len(report.errors) == MAX_ROWS_PER_CHECK + 1
    assert report.errors[-1].endswith(
        f"unknown category value: {25 - MAX_ROWS_PER_CHECK} more rows"
    )


def test_missing_seed_skips_reference_check_with_warning(tmp_path: Path) -> None:
    report = validate_file("police_crime", crime_file(tmp_path, [{}]), seeds_dir=tmp_path / "none")
    assert report.ok
    assert any("reference check skipped" in w for w in report.warnings)


def test_a_street_row_of_no_known_force_is_rejected(tmp_path: Path, seeds: Path) -> None:
    """A crime whose force is unknown would drop out of the force totals: refused at the door,
    with its file, row and value."""
    header = ",".join(get_contract("police_street").headers)
    row = (
        ",2024-03,Thames Valley Police,{force},-0.7,52.0,On or near A,E01016725,"
        "Milton Keynes 001A,Burglary,,"
    )
    p = tmp_path / "2024-03-tvp-street.csv"
    p.write_text(
        "\n".join([header, row.format(force="Thames Valley Police"), row.format(force="Atlantis")])
        + "\n"
    )
    report = validate_file("police_street", p, seeds_dir=seeds)
    assert report.errors == [
        "2024-03-tvp-street.csv, row 3, column 'Falls within': unknown code: not in "
        "seeds/forces.csv (police_uk_name): 'Atlantis'"
    ]
