"""Publishing the serving file: atomic swap, untouched on failure, aggregates only."""

from pathlib import Path

import duckdb
import pytest

from orchestration.defs.publish.serving import PublishError, publish_serving


def _warehouse(
    path: Path,
    scorecard_rows: int = 3,
    with_dim_date: bool = True,
    with_lsoa: bool = True,
    lsoa_person_column: bool = False,
) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS main_marts")
    con.execute("DROP TABLE IF EXISTS main_marts.scorecard")
    con.execute(
        "CREATE TABLE main_marts.scorecard AS SELECT 'all_crime' AS measure_code, "
        "'E22000307' AS area_code, DATE '2024-01-01' + to_months(i::INTEGER) AS period_month, "
        "(100 + i)::BIGINT AS count FROM range(?) t(i)",
        [scorecard_rows],
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.dim_area AS "
        "SELECT 'E22000307' AS area_code, 'Milton Keynes' AS area_name"
    )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.dim_measure AS "
        "SELECT 'all_crime' AS measure_code, 'All crime' AS measure_name"
    )
    # what dbt's persist_docs writes from the model YAML
    con.execute("COMMENT ON TABLE main_marts.scorecard IS 'The long-format scorecard.'")
    con.execute(
        "COMMENT ON COLUMN main_marts.scorecard.count IS "
        "'Events in the month; it''s NULL for no data.'"
    )
    if with_dim_date:
        con.execute(
            "CREATE OR REPLACE TABLE main_marts.dim_date AS SELECT DATE '2024-01-01' AS date_day"
        )
    else:
        con.execute("DROP TABLE IF EXISTS main_marts.dim_date")
    con.execute("DROP TABLE IF EXISTS main_marts.crime_by_lsoa_month")
    if with_lsoa:
        con.execute(
            "CREATE TABLE main_marts.crime_by_lsoa_month AS SELECT 'E01000001' AS lsoa_code, "
            "'Milton Keynes 001A' AS lsoa_name, 'E22000307' AS csp_code, "
            "'Milton Keynes' AS csp_name, DATE '2024-01-01' AS period_month, "
            "'2023/24' AS financial_year, m AS measure_code, m AS measure_name, "
            "2::BIGINT AS count"
            + (", 'v1' AS victim_ref" if lsoa_person_column else "")
            + " FROM (VALUES ('all_crime'), ('asb_police')) t(m)"
        )
    con.execute(
        "CREATE OR REPLACE TABLE main_marts.fct_crime AS "
        "SELECT 'c1' AS crime_ref, 'v1' AS victim_ref, 'E22000307' AS area_code"
    )
    con.close()
    return path


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def _scorecard_total(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT sum(count) FROM main.scorecard").fetchone()[0]


def test_publish_copies_aggregates_only(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    counts = publish_serving(warehouse, serving)
    assert counts == {
        "scorecard": 3,
        "dim_measure": 1,
        "dim_area": 1,
        "dim_date": 1,
        "crime_by_lsoa_month": 2,
    }
    tables = _tables(serving)
    assert {"scorecard", "dim_area", "dim_date", "crime_by_lsoa_month"} <= tables
    assert "fct_crime" not in tables
    con = duckdb.connect(str(serving), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE main.crime_by_lsoa_month").fetchall()]
        logged = dict(con.execute("SELECT table_name, row_count FROM main._publish_log").fetchall())
        table_comment = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'scorecard'"
        ).fetchone()[0]
        column_comments = dict(
            con.execute(
                "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'scorecard'"
            ).fetchall()
        )
    finally:
        con.close()
    assert columns == [
        "lsoa_code",
        "lsoa_name",
        "csp_code",
        "csp_name",
        "period_month",
        "financial_year",
        "measure_code",
        "measure_name",
        "count",
    ]
    assert logged == counts
    # the descriptions of the dbt YAML travel with the tables, for analysts in any SQL client
    assert table_comment == "The long-format scorecard."
    assert column_comments["count"] == "Events in the month; it's NULL for no data."
    assert column_comments["measure_code"] is None
    # no temporary files left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "warehouse.duckdb"]


def test_reader_of_old_file_keeps_reading_across_swap(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", scorecard_rows=3)
    serving = tmp_path / "serving.duckdb"
    publish_serving(warehouse, serving)

    reader = duckdb.connect(str(serving), read_only=True)
    try:
        before = _scorecard_total(reader)  # 100 + 101 + 102
        assert before == 303
        _warehouse(warehouse, scorecard_rows=5)
        publish_serving(warehouse, serving)  # swapped while the reader holds the old file
        assert _scorecard_total(reader) == before
        assert reader.execute("SELECT count(*) FROM main.scorecard").fetchone()[0] == 3
    finally:
        reader.close()

    fresh = duckdb.connect(str(serving), read_only=True)
    try:
        assert fresh.execute("SELECT count(*) FROM main.scorecard").fetchone()[0] == 5
    finally:
        fresh.close()


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda wh: _warehouse(wh, scorecard_rows=0), "empty"),
        (lambda wh: _warehouse(wh, with_dim_date=False), "dim_date not found"),
        (lambda wh: _warehouse(wh, with_lsoa=False), "crime_by_lsoa_month not found"),
        (lambda wh: _warehouse(wh, lsoa_person_column=True), "person-level"),
    ],
)
def test_failed_publish_leaves_old_serving_file(tmp_path: Path, break_it, message):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    publish_serving(warehouse, serving)
    old_bytes = serving.read_bytes()
    old_inode = serving.stat().st_ino

    break_it(warehouse)
    with pytest.raises(PublishError, match=message):
        publish_serving(warehouse, serving)
    assert serving.stat().st_ino == old_inode
    assert serving.read_bytes() == old_bytes
    assert not list(tmp_path.glob("serving.duckdb.*.tmp*"))


def test_person_level_columns_are_refused(tmp_path: Path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    with pytest.raises(PublishError, match="person-level"):
        publish_serving(warehouse, tmp_path / "serving.duckdb", tables=("fct_crime",))
    assert not (tmp_path / "serving.duckdb").exists()


def test_missing_warehouse_is_an_error(tmp_path: Path):
    with pytest.raises(PublishError, match="warehouse not found"):
        publish_serving(tmp_path / "nope.duckdb", tmp_path / "serving.duckdb")
