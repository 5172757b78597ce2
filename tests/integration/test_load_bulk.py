"""The bulk path (`ingest.bulk`) against the careful path, file by file.

Every file is loaded twice, into two warehouses: once with the bulk path allowed for any
size (`CSP_BULK_MIN_BYTES=0`) and once with it off. The results (status, rows, periods,
errors, warnings) and every raw and superseded row (its values, file, hash and row number)
must be the same; a valid file must have taken the bulk path and a bad one the careful path,
which names its file, row, column and reason.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from ingest.config import Settings
from ingest.contracts import get_contract
from ingest.load import LoadResult, load_file

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REAL = SHARED / "realdata" / "police_uk"
STREET = get_contract("police_street")
COLUMNS = ", ".join(STREET.column_names)


def _settings(root: Path, bulk: bool) -> Settings:
    data = root / ("bulk" if bulk else "careful")
    env = {
        "CSP_DATA_DIR": str(data),
        "CSP_LANDING_DIR": str(data / "landing"),
        "CSP_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
        "CSP_DEMO": "1",
        "CSP_BULK_MIN_BYTES": "0" if bulk else str(1 << 60),
    }
    return Settings.from_env(env)


def _rows(settings: Settings) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        raw = con.execute(
            f"SELECT {COLUMNS}, _source_file, _file_hash, _batch_id, _row_number "
            "FROM raw.police_street ORDER BY _batch_id, _row_number"
        ).fetchall()
        sup = con.execute(
            f"SELECT {COLUMNS}, _source_file, _batch_id, _row_number, _superseded_by_batch "
            "FROM raw.police_street__superseded ORDER BY _batch_id, _row_number"
        ).fetchall()
    finally:
        con.close()
    return raw, sup


def _load_both(tmp_path: Path, files: list[Path]) -> tuple[list[LoadResult], list[LoadResult]]:
    """Load `files` in order through both paths (a copy each: a rejected file is moved)."""
    out = []
    for bulk in (True, False):
        settings = _settings(tmp_path, bulk)
        results = []
        for f in files:
            copy = tmp_path / ("in-bulk" if bulk else "in-careful") / f.name
            copy.parent.mkdir(exist_ok=True)
            copy.write_bytes(f.read_bytes())
            results.append(load_file("police_street", copy, settings))
        out.append(results)
    bulk_results, careful_results = out
    for b, c in zip(bulk_results, careful_results, strict=True):
        assert (b.status, b.rows_loaded, b.rows_replaced, b.periods, b.errors, b.warnings) == (
            c.status,
            c.rows_loaded,
            c.rows_replaced,
            c.periods,
            c.errors,
            c.warnings,
        )
        assert b.file_hash == c.file_hash
    assert _rows(_settings(tmp_path, True)) == _rows(_settings(tmp_path, False))
    return bulk_results, careful_results


def _write(path: Path, rows: list[list[str]], header: list[str] | None = None, end: str = "\n"):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header or list(STREET.headers))
        for r in rows:
            w.writerow(r)
    if end != "\n":
        text = path.read_text(encoding="utf-8")
        path.write_text(text.rstrip("\n") + end, encoding="utf-8")


def _real_rows(name: str, n: int | None = None) -> list[list[str]]:
    with (REAL / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return rows[:n] if n else rows


def test_real_files_take_the_bulk_path_with_the_same_rows(tmp_path: Path) -> None:
    files = [REAL / "2018-10-kent-street.csv", REAL / "2018-10-thames-valley-street.csv"]
    bulk, careful = _load_both(tmp_path, files)
    assert [r.method for r in bulk] == ["bulk", "bulk"]
    assert [r.method for r in careful] == ["careful", "careful"]
    assert sum(r.rows_loaded for r in bulk) == sum(len(_real_rows(f.name)) for f in files)
    # a real file's rows with no LSOA are a warning on both paths, with the same rows named
    assert all(any("no LSOA code" in w for w in r.warnings) for r in bulk)


def test_a_restated_month_supersedes_the_same_rows_on_both_paths(tmp_path: Path) -> None:
    rows = _real_rows("2018-11-kent-street.csv", 400)
    first = tmp_path / "2018-11-kent-street.csv"
    _write(first, rows)
    restated = tmp_path / "2018-11-kent-street-restated.csv"
    _write(restated, rows[:300])
    bulk, _ = _load_both(tmp_path, [first, restated])
    assert [r.method for r in bulk] == ["bulk", "bulk"]
    assert (bulk[1].rows_replaced, bulk[1].rows_loaded) == (400, 300)


def test_values_with_spaces_and_columns_in_another_order(tmp_path: Path) -> None:
    rows = _real_rows("2019-01-kent-street.csv", 50)
    rows[3][6] = "  On or near Somewhere  "  # trimmed
    rows[4][11] = "   "  # blank
    header = list(STREET.headers)
    order = list(reversed(range(len(header))))
    f = tmp_path / "2019-01-kent-street.csv"
    _write(f, [[r[i] for i in order] + ["x"] for r in rows], [header[i] for i in order] + ["Extra"])
    bulk, _ = _load_both(tmp_path, [f])
    assert bulk[0].method == "bulk" and bulk[0].status == "loaded"
    assert any("unexpected extra column" in w for w in bulk[0].warnings)


@pytest.mark.parametrize(
    "row,column,value",
    [
        (5, 1, "2019-13"),  # month pattern
        (6, 4, "abc"),  # not a number
        (7, 5, "95.0"),  # latitude out of range
        (8, 9, "Burglarly"),  # unknown category
        (9, 3, "Atlantis Police"),  # not a force of seeds/forces.csv
        (10, 7, "E0101"),  # LSOA code pattern
        (11, 2, ""),  # required
    ],
)
def test_a_bad_value_takes_the_careful_path_and_is_named(
    tmp_path: Path, row: int, column: int, value: str
) -> None:
    rows = _real_rows("2019-01-kent-street.csv", 30)
    rows[row][column] = value
    f = tmp_path / "2019-01-kent-street.csv"
    _write(f, rows)
    bulk, _ = _load_both(tmp_path, [f])
    assert bulk[0].status == "rejected" and bulk[0].method == "careful"
    header = list(STREET.headers)[column]
    assert any(f"row {row + 2}, column '{header}'" in e for e in bulk[0].errors), bulk[0].errors


@pytest.mark.parametrize("kind", ["blank line", "nul", "long row", "truncated", "cp1252"])
def test_a_broken_file_takes_the_careful_path(tmp_path: Path, kind: str) -> None:
    rows = _real_rows("2019-02-kent-street.csv", 2000)
    f = tmp_path / "2019-02-kent-street.csv"
    _write(f, rows, end="" if kind == "truncated" else "\n")
    data = f.read_bytes()
    lines = data.split(b"\n")
    if kind == "blank line":
        lines.insert(1500, b"")
    elif kind == "nul":
        lines[1500] = lines[1500].replace(b"On or near", b"On or\x00near", 1)
    elif kind == "long row":
        lines[1500] += b",extra"
    elif kind == "truncated":
        lines[-1] = lines[-1][:40]
    elif kind == "cp1252":  # beyond the head the reader looks at: the file is Windows-1252
        lines[1800] = lines[1800].replace(b"On or near", "On or near Caf\u00e9".encode("cp1252"), 1)
    f.write_bytes(b"\n".join(lines))
    bulk, _ = _load_both(tmp_path, [f])
    assert bulk[0].method == "careful"
    if kind == "cp1252":
        assert bulk[0].status == "loaded"
    else:
        assert bulk[0].status == "rejected" and bulk[0].errors


def test_the_same_file_again_is_skipped_on_both_paths(tmp_path: Path) -> None:
    f = REAL / "2018-12-kent-street.csv"
    renamed = tmp_path / "2018-12-kent-street-copy.csv"
    renamed.write_bytes(f.read_bytes())
    bulk, _ = _load_both(tmp_path, [f, renamed])
    assert [r.status for r in bulk] == ["loaded", "skipped_duplicate"]


def test_repeated_crime_ids_are_the_same_warning_on_both_paths(tmp_path: Path) -> None:
    rows = _real_rows("2019-02-thames-valley-street.csv", 500)
    rows[200][0] = rows[100][0] = rows[10][0] or "f" * 64
    f = tmp_path / "2019-02-thames-valley-street.csv"
    _write(f, rows)
    bulk, _ = _load_both(tmp_path, [f])
    assert bulk[0].method == "bulk"
    assert any("repeated value" in w and "row 12" in w for w in bulk[0].warnings), bulk[0].warnings


def test_a_crash_before_the_rows_are_numbered_is_repaired_by_the_next_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path commits the rows first and numbers them in a second transaction. If that
    second one fails, the rows stand with no row number and the result says so; the next
    load (or dbt build, through `ensure_raw_schema`) numbers them as the careful path would."""
    import ingest.load as load

    first = REAL / "2018-10-kent-street.csv"
    second = REAL / "2018-11-kent-street.csv"
    settings = _settings(tmp_path, True)

    def fail(con, raw, batch):
        raise duckdb.IOException("disk full (simulated)")

    with monkeypatch.context() as m:
        m.setattr(load, "_number_rows", fail)
        broken = load_file("police_street", first, settings)
    assert (broken.status, broken.method) == ("loaded", "bulk")
    assert any("row numbers" in w and "disk full" in w for w in broken.warnings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        unnumbered = con.execute(
            "SELECT count(*) FROM raw.police_street WHERE _row_number IS NULL"
        ).fetchone()[0]
    finally:
        con.close()
    assert unnumbered == broken.rows_loaded

    assert load_file("police_street", second, settings).method == "bulk"
    careful = _settings(tmp_path, False)
    for f in (first, second):
        assert load_file("police_street", f, careful).status == "loaded"
    assert _rows(settings) == _rows(careful)


def _landing_both(tmp_path: Path, files: list[tuple[str, bytes]], group_min: int):
    """`load_landing` of the same landing folder with runs read in one go (CSP_BULK_MIN_BYTES
    `group_min`, below each run's total) and with the bulk path off."""
    from ingest.load import load_landing

    out = []
    for bulk in (True, False):
        settings = _settings(tmp_path, bulk)
        if bulk:
            settings = Settings.from_env(
                {
                    "CSP_DATA_DIR": str(settings.data_dir),
                    "CSP_LANDING_DIR": str(settings.landing_dir),
                    "CSP_WAREHOUSE_PATH": str(settings.warehouse_path),
                    "CSP_DEMO": "1",
                    "CSP_BULK_MIN_BYTES": str(group_min),
                }
            )
        folder = settings.landing_dir / "police_street"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (folder / name).write_bytes(data)
        out.append(load_landing(settings, "police_street"))
    bulk_results, careful_results = out
    assert [
        (r.file_name, r.status, r.rows_loaded, r.rows_replaced, r.periods, r.errors, r.warnings)
        for r in bulk_results
    ] == [
        (r.file_name, r.status, r.rows_loaded, r.rows_replaced, r.periods, r.errors, r.warnings)
        for r in careful_results
    ]
    assert [r.batch_id for r in bulk_results] == [r.batch_id for r in careful_results]
    assert _rows(_settings(tmp_path, True)) == _rows(_settings(tmp_path, False))
    return bulk_results


def test_a_landing_folder_of_small_files_is_read_in_one_go_with_the_same_rows(
    tmp_path: Path,
) -> None:
    """A national month is some 40 small files: they go in one read, each its own batch, with
    the rows, row numbers, warnings and results of loading them one by one; a repeat of one's
    content under a new name ends the run and is skipped as a duplicate."""
    real = sorted(REAL.glob("*-street.csv"))
    files = [(f.name, f.read_bytes()) for f in real]
    files.append(("2019-03-copy-of-kent.csv", (REAL / "2019-01-kent-street.csv").read_bytes()))
    results = _landing_both(tmp_path, files, group_min=8 << 20)
    assert [r.method for r in results[:-1]] == ["bulk"] * len(real)
    assert results[-1].status == "skipped_duplicate"


def test_a_run_that_restates_its_own_month_goes_file_by_file(tmp_path: Path) -> None:
    """A file restating an earlier file of the same run would supersede rows not yet
    numbered: the run is loaded file by file, with the same supersession."""
    real = sorted(REAL.glob("*-street.csv"))[:4]
    files = [(f.name, f.read_bytes()) for f in real]
    restated = tmp_path / "restated.csv"
    _write(restated, _real_rows("2018-10-kent-street.csv", 500))
    files.append(("2018-10-kent-street-zz-restated.csv", restated.read_bytes()))
    results = _landing_both(tmp_path, files, group_min=4 << 20)
    assert all(r.method == "careful" for r in results)
    # the restatement sorts first, so the published file supersedes its 500 rows
    by_name = {r.file_name: r for r in results}
    assert by_name["2018-10-kent-street.csv"].rows_replaced == 500


def test_one_bad_value_sends_the_whole_run_file_by_file(tmp_path: Path) -> None:
    real = sorted(REAL.glob("*-street.csv"))[:4]
    files = [(f.name, f.read_bytes()) for f in real]
    rows = _real_rows("2018-11-kent-street.csv", 300)
    rows[150][9] = "Shoplifitng"
    bad = tmp_path / "bad.csv"
    _write(bad, rows)
    files.insert(2, ("2018-10-kent-street-z-bad.csv", bad.read_bytes()))
    results = _landing_both(tmp_path, files, group_min=4 << 20)
    assert [r.status for r in results].count("rejected") == 1
    rejected = next(r for r in results if r.status == "rejected")
    assert any("row 152" in e and "Crime type" in e for e in rejected.errors), rejected.errors
    assert all(r.method != "bulk" for r in results[:3])
