"""The one landing rule (ingest.landing) and the landing sensor's planning (no Dagster run)."""

import os
from pathlib import Path

from ingest.landing import file_month, ignored_files, landing_files, months_between
from orchestration.defs.ingest.sensors import plan_landing_requests


def test_file_month_from_name():
    assert file_month("2018-06-thames-valley-street.csv") == "2018-06"
    assert file_month("2024-03-thames-valley-crime.restated-1.csv") == "2024-03"
    assert file_month("2024-13-x.csv") is None
    # probation's quarterly extract: the financial year's quarter, for its last month
    assert file_month("2025-26-Q1-milton-keynes-court-orders.csv") == "2025-06"
    assert file_month("2025-26-Q3-medway-court-orders.csv") == "2025-12"
    assert file_month("2025-26-Q4-medway-court-orders.restated-1.csv") == "2026-03"
    assert file_month("2025-27-Q1-medway-court-orders.csv") is None
    assert file_month("street.csv") is None
    assert file_month("2024-031.csv") is None


def test_months_between():
    assert months_between("2018-11", "2019-02") == ["2018-11", "2018-12", "2019-01", "2019-02"]


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_landing_files_in_name_order_and_filtered(tmp_path: Path):
    folder = tmp_path / "police_street"
    _touch(folder / "2024-03-b-street.csv")
    _touch(folder / "2024-03-a-street.csv")
    _touch(folder / "2024-04-a-street.csv")
    _touch(folder / ".hidden.csv")
    _touch(folder / "2024-03-a-street.csv.error.txt")
    names = [p.name for p in landing_files(tmp_path, "police_street")]
    assert names == ["2024-03-a-street.csv", "2024-03-b-street.csv", "2024-04-a-street.csv"]
    assert [p.name for p in landing_files(tmp_path, "police_street", ["2024-04"])] == [
        "2024-04-a-street.csv"
    ]
    assert landing_files(tmp_path, "police_crime") == []


def test_one_rule_for_what_loads(tmp_path: Path):
    """A stray non-data file is ignored and reported, by csp and the sensor alike."""
    folder = tmp_path / "police_street"
    _touch(folder / "2024-03-a-street.csv")
    _touch(folder / "2024-03-a-street.XLSX")
    _touch(folder / "notes.txt")
    _touch(folder / "~$2024-03-a-street.xlsx")
    _touch(folder / "2024-03-a-street.csv.part")
    assert [p.name for p in landing_files(tmp_path, "police_street")] == [
        "2024-03-a-street.XLSX",
        "2024-03-a-street.csv",
    ]
    assert [p.name for p, _ in ignored_files(tmp_path, "police_street")] == ["notes.txt"]

    requests, cursor, skipped = plan_landing_requests(tmp_path, ["police_street"], {})
    assert [r.partition_key for r in requests] == ["2024-03-01"]
    assert skipped == ["police_street/notes.txt: not loaded: not a data file (.csv, .xlsx, .xlsm)"]
    # said once: the next tick is quiet about it
    _, _, skipped = plan_landing_requests(tmp_path, ["police_street"], cursor)
    assert skipped == []


def test_sensor_requests_a_month_once(tmp_path: Path):
    a = _touch(tmp_path / "police_street" / "2024-03-a-street.csv")
    _touch(tmp_path / "police_street" / "2024-03-b-street.csv")
    _touch(tmp_path / "police_street" / "undated.csv")
    sources = ["police_street", "police_crime"]

    requests, cursor, skipped = plan_landing_requests(tmp_path, sources, {})
    assert len(requests) == 1
    (request,) = requests
    assert request.partition_key == "2024-03-01"
    assert [k.path for k in request.asset_selection] == [["raw", "police_street"]]
    assert any("undated.csv" in m for m in skipped)

    # Same files again: nothing new.
    again, cursor2, _ = plan_landing_requests(tmp_path, sources, cursor)
    assert again == [] and cursor2 == cursor

    # A file rewritten (new content) triggers its month again, with a new run key.
    a.write_text("new content")
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 1_000_000_000))
    changed, _, _ = plan_landing_requests(tmp_path, sources, cursor)
    assert len(changed) == 1 and changed[0].run_key != request.run_key


def test_sensor_skips_months_outside_partitions(tmp_path: Path):
    _touch(tmp_path / "police_street" / "2017-01-a-street.csv")
    requests, _, skipped = plan_landing_requests(
        tmp_path, {"police_street": True}, {}, valid_partition_keys={"2024-03-01"}
    )
    assert requests == [] and "outside the partitions" in skipped[0]


def test_sensor_does_not_request_files_already_in_the_warehouse(tmp_path: Path):
    _touch(tmp_path / "police_street" / "2024-03-a-street.csv")
    _touch(tmp_path / "police_street" / "2024-04-a-street.csv")
    requests, cursor, _ = plan_landing_requests(
        tmp_path,
        {"police_street": True},
        {},
        already_loaded=lambda source, path: path.name.startswith("2024-03"),
    )
    assert [r.partition_key for r in requests] == ["2024-04-01"]
    assert set(cursor) == {
        "police_street/2024-03-a-street.csv",
        "police_street/2024-04-a-street.csv",
    }


def test_loaded_hashes_reads_raw_loads(tmp_path: Path):
    import duckdb

    from ingest.load import LOADS_DDL
    from orchestration.defs.ingest.sensors import loaded_hashes

    wh = tmp_path / "warehouse.duckdb"
    assert loaded_hashes(wh) == set()
    con = duckdb.connect(str(wh))
    con.execute("CREATE SCHEMA raw")
    con.execute(LOADS_DDL)
    con.execute(
        "INSERT INTO raw._loads (batch_id, source, file_hash, status) VALUES "
        "(1, 'police_street', 'h1', 'loaded'), (2, 'police_street', 'h2', 'rejected'), "
        "(3, 'police_crime', 'h3', 'skipped_duplicate')"
    )
    con.close()
    assert loaded_hashes(wh) == {("police_street", "h1"), ("police_crime", "h3")}
