"""load_file / load_landing against a real DuckDB file under tmp_path."""

from __future__ import annotations

import csv
import hashlib
import hmac
import shutil
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.config import DEMO_PSEUDONYM_KEY, ConfigError, Settings
from ingest.contracts import CONTRACTS, get_contract
from ingest.load import load_file, load_landing

STREET_HEADER = list(get_contract("police_street").headers)
CRIME_HEADER = list(get_contract("police_crime").headers)


def street_row(**over: str) -> dict[str, str]:
    row = {
        "Crime ID": "a" * 64,
        "Month": "2024-03",
        "Reported by": "Thames Valley Police",
        "Falls within": "Thames Valley Police",
        "Longitude": "-0.760000",
        "Latitude": "52.040000",
        "Location": "On or near High Street",
        "LSOA code": "E01016725",
        "LSOA name": "Milton Keynes 001A",
        "Crime type": "Burglary",
        "Last outcome category": "Under investigation",
        "Context": "",
    }
    row.update(over)
    return row


def street_rows(n: int = 3, **over: str) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        r = street_row(**over)
        r["Crime ID"] = f"{i:064x}"
        rows.append(r)
    return rows


def crime_row(i: int = 1, **over: str) -> dict[str, str]:
    row = {
        "crime_ref": f"CR{i:06d}",
        "force_code": "E23000029",
        "recorded_date": "2024-03-05",
        "offence_code": "28E",
        "offence_description": "Burglary - residential",
        "lsoa_code": "E01016725",
        "location_type": "dwelling",
        "domestic_abuse": "N",
        "hate_race": "N",
        "hate_religion": "N",
        "hate_sexual_orientation": "N",
        "hate_disability": "N",
        "hate_transgender": "N",
        "victim_ref": f"V{i:05d}",
        "victim_age": "34",
        "victim_gender": "female",
        "outcome": "Investigation complete",
    }
    row.update(over)
    return row


def to_csv(rows: list[dict[str, str]], header: list[str], *, newline: str = "\n") -> str:
    out = [",".join(_q(h) for h in header)]
    out += [",".join(_q(r.get(h, "")) for h in header) for r in rows]
    return newline.join(out) + newline


def _q(v: str) -> str:
    return f'"{v}"' if any(c in v for c in ',"\n') else v


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


@pytest.fixture(autouse=True)
def seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small offence classification seed, so tests do not depend on seeds/ contents, and the
    project's forces (every police force of England and Wales)."""
    d = tmp_path / "seeds"
    d.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "seeds" / "forces.csv", d / "forces.csv")
    (d / "offence_classification.csv").write_text(
        "offence_code,offence_description\n28E,Burglary residential\n8N,Assault with injury\n"
        "58J,Criminal damage\n"
    )
    monkeypatch.setenv("CSP_SEEDS_DIR", str(d))
    return d


def db(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def count(settings: Settings, table: str) -> int:
    with db(settings) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ------------------------------------------------------------------ malformed files


def _drop_col(header: list[str], col: str) -> list[str]:
    return [h for h in header if h != col]


def _rename(header: list[str], old: str, new: str) -> list[str]:
    return [new if h == old else h for h in header]


def _missing_column() -> tuple[str, bytes]:
    h = _drop_col(STREET_HEADER, "Crime type")
    return "police_street", to_csv(street_rows(), h).encode()


def _renamed_column() -> tuple[str, bytes]:
    rows = [
        {("Crime category" if k == "Crime type" else k): v for k, v in r.items()}
        for r in street_rows()
    ]
    return "police_street", to_csv(
        rows, _rename(STREET_HEADER, "Crime type", "Crime category")
    ).encode()


def _unknown_category() -> tuple[str, bytes]:
    rows = street_rows(3)
    rows[1]["Crime type"] = "Jaywalking"
    return "police_street", to_csv(rows, STREET_HEADER).encode()


def _bad_date() -> tuple[str, bytes]:
    rows = [crime_row(1), crime_row(2, recorded_date="2024-02-30"), crime_row(3)]
    return "police_crime", to_csv(rows, CRIME_HEADER).encode()


def _bad_month() -> tuple[str, bytes]:
    rows = street_rows(2)
    rows[1]["Month"] = "March 2024"
    return "police_street", to_csv(rows, STREET_HEADER).encode()


def _bad_number() -> tuple[str, bytes]:
    rows = street_rows(3)
    rows[2]["Longitude"] = "-0.76x"
    return "police_street", to_csv(rows, STREET_HEADER).encode()


def _bad_integer() -> tuple[str, bytes]:
    rows = [crime_row(1), crime_row(2, victim_age="thirty")]
    return "police_crime", to_csv(rows, CRIME_HEADER).encode()


def _empty_file() -> tuple[str, bytes]:
    return "police_street", b""


def _header_only() -> tuple[str, bytes]:
    return "police_street", (",".join(STREET_HEADER) + "\n").encode()


def _wrong_delimiter() -> tuple[str, bytes]:
    text = to_csv(street_rows(), STREET_HEADER).replace(",", ";")
    return "police_street", text.encode()


def _short_row() -> tuple[str, bytes]:
    lines = to_csv(street_rows(3), STREET_HEADER).splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0]  # drop the last field of row 3
    return "police_street", ("\n".join(lines) + "\n").encode()


def _truncated_last_line() -> tuple[str, bytes]:
    text = to_csv(street_rows(3), STREET_HEADER).rstrip("\n")
    return "police_street", text[: text.rfind("On or near")].encode()  # cut mid-row


def _truncated_quote() -> tuple[str, bytes]:
    rows = street_rows(3)
    rows[2]["Location"] = "On or near High Street, Bletchley"
    text = to_csv(rows, STREET_HEADER).rstrip("\n")
    return "police_street", text[: text.rfind("Bletchley")].encode()  # open quote, cut


def _binary() -> tuple[str, bytes]:
    return "police_street", bytes(range(256)) * 8


def _duplicate_key() -> tuple[str, bytes]:
    rows = [crime_row(1), crime_row(2), crime_row(1)]
    return "police_crime", to_csv(rows, CRIME_HEADER).encode()


def _bad_flag() -> tuple[str, bytes]:
    rows = [crime_row(1, domestic_abuse="Yes")]
    return "police_crime", to_csv(rows, CRIME_HEADER).encode()


def _unknown_offence() -> tuple[str, bytes]:
    rows = [crime_row(1), crime_row(2, offence_code="99Z")]
    return "police_crime", to_csv(rows, CRIME_HEADER).encode()


def _blank_required() -> tuple[str, bytes]:
    rows = street_rows(2)
    rows[1]["Reported by"] = ""
    return "police_street", to_csv(rows, STREET_HEADER).encode()


# (case, builder, expected row or None, expected column or None, reason fragment)
MALFORMED = [
    ("missing_column", _missing_column, 1, "Crime type", "missing column"),
    (
        "renamed_column",
        _renamed_column,
        1,
        "Crime type",
        "expected column 'Crime type' is missing and unexpected column 'Crime category' is present",
    ),
    (
        "unknown_category",
        _unknown_category,
        3,
        "Crime type",
        "unknown category value 'Jaywalking'",
    ),
    ("bad_date", _bad_date, 3, "recorded_date", "bad date"),
    ("bad_month", _bad_month, 3, "Month", "bad format: expected YYYY-MM"),
    ("bad_number", _bad_number, 4, "Longitude", "bad number: not a number: '-0.76x'"),
    ("bad_integer", _bad_integer, 3, "victim_age", "bad number: not a whole number"),
    ("empty_file", _empty_file, None, None, "empty file (0 bytes)"),
    ("header_only", _header_only, 2, None, "no data rows"),
    ("wrong_delimiter", _wrong_delimiter, 1, None, "wrong delimiter"),
    ("short_row", _short_row, 3, "Context", "short row: it has 11 fields but the header has 12"),
    ("truncated_last_line", _truncated_last_line, 4, None, "truncated last line"),
    ("truncated_quote", _truncated_quote, 4, None, "truncated last line"),
    ("binary_csv", _binary, None, None, "not a text CSV file"),
    (
        "duplicate_key",
        _duplicate_key,
        4,
        "crime_ref",
        "duplicate key value 'CR000001' (same as row 2)",
    ),
    ("bad_flag", _bad_flag, 2, "domestic_abuse", "expected one of Y, N"),
    ("unknown_offence", _unknown_offence, 3, "offence_code", "unknown code"),
    ("blank_required", _blank_required, 3, "Reported by", "required value is blank"),
]


@pytest.mark.parametrize("case,builder,row,column,reason", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_is_rejected_whole_and_nothing_is_written(
    csp_env: Path, case, builder, row, column, reason
) -> None:
    source, data = builder()
    settings = Settings.from_env()
    name = f"2024-03-{case}.csv"
    path = write(settings.landing_dir / source / name, data)

    result = load_file(source, path, settings)

    assert result.status == "rejected"
    matching = [e for e in result.errors if reason in e]
    assert matching, result.errors
    err = matching[0]
    assert err.startswith(name)
    if row is not None:
        assert f"row {row}" in err, err
    if column is not None:
        assert f"column '{column}'" in err, err
    # nothing written: raw tables empty, only the rejected record in _loads
    for contract in CONTRACTS.values():
        assert count(settings, contract.raw_table) == 0
        assert count(settings, contract.superseded_table) == 0
    with db(settings) as con:
        loads = con.execute("SELECT status, file_name, errors FROM raw._loads").fetchall()
    assert [(s, f) for s, f, _ in loads] == [("rejected", name)]
    assert loads[0][2] == result.errors
    # the file is in quarantine with its error report
    q = settings.quarantine_dir / source / name
    assert q.is_file() and not path.exists()
    assert q.read_bytes() == data
    report = Path(f"{q}.error.txt").read_text(encoding="utf-8").splitlines()
    assert report == result.errors
    assert all(line.startswith(name) for line in report)


# ------------------------------------------------------------------ good variants


def _street_value(settings: Settings, column: str) -> list:
    with db(settings) as con:
        return [
            r[0]
            for r in con.execute(
                f"SELECT {column} FROM raw.police_street ORDER BY _row_number"
            ).fetchall()
        ]


def test_windows_1252_text_loads(csp_env: Path) -> None:
    settings = Settings.from_env()
    rows = street_rows(2)
    rows[0]["Location"] = "On or near \u201cThe Pound\u201d \u00a35 shop"
    rows[1]["Context"] = "Caf\u00e9 \u2013 owner\u2019s note"
    path = write(csp_env / "in" / "cp1252.csv", to_csv(rows, STREET_HEADER), encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = load_file("police_street", path, settings)
    assert result.status == "loaded", result.errors
    assert _street_value(settings, "location")[0] == "On or near \u201cThe Pound\u201d \u00a35 shop"
    assert _street_value(settings, "context")[1] == "Caf\u00e9 \u2013 owner\u2019s note"


def test_bom_crlf_and_reordered_columns_load(csp_env: Path) -> None:
    settings = Settings.from_env()
    header = list(reversed(STREET_HEADER))
    text = to_csv(street_rows(3, Location="On or near Caf\u00e9 Row"), header, newline="\r\n")
    path = write(csp_env / "in" / "bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = load_file("police_street", path, settings)
    assert result.status == "loaded", result.errors
    assert result.rows_loaded == 3
    assert _street_value(settings, "crime_id")[0] == "0" * 64
    assert _street_value(settings, "location") == ["On or near Caf\u00e9 Row"] * 3
    assert _street_value(settings, "context") == [None] * 3  # blank -> NULL, no stray \r
    assert _street_value(settings, "month") == ["2024-03"] * 3
    assert _street_value(settings, "_row_number") == [1, 2, 3]


def test_extra_column_is_a_warning(csp_env: Path) -> None:
    settings = Settings.from_env()
    rows = [dict(r, Notes="x") for r in street_rows(2)]
    path = write(csp_env / "in" / "extra.csv", to_csv(rows, STREET_HEADER + ["Notes"]))
    result = load_file("police_street", path, settings)
    assert result.status == "loaded"
    assert any("column 'Notes': unexpected extra column" in w for w in result.warnings)


def test_xlsx_with_title_rows_loads(csp_env: Path) -> None:
    settings = Settings.from_env()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Thames Valley Police: recorded crime extract"])
    ws.append(["Produced 2024-04-02"])
    ws.append([])
    ws.append(list(reversed(CRIME_HEADER)))
    for i in (1, 2):
        r = crime_row(i)
        ws.append([r[h] for h in reversed(CRIME_HEADER)])
    bad = crime_row(3, location_type="street")
    ws.append([bad[h] for h in reversed(CRIME_HEADER)])
    path = csp_env / "in" / "extract.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    rejected = load_file("police_crime", path, settings)
    assert rejected.status == "rejected"
    # the sheet's own row number: 4 header, data from 5, the bad row is 7
    assert any(
        "row 7, column 'location_type': unknown category value" in e for e in rejected.errors
    ), rejected.errors

    wb = openpyxl.load_workbook(settings.quarantine_dir / "police_crime" / "extract.xlsx")
    wb.active.delete_rows(7)
    wb.save(path)
    result = load_file("police_crime", path, settings)
    assert result.status == "loaded", result.errors
    assert result.rows_loaded == 2 and result.periods == ["2024-03"]


# ------------------------------------------------------------------ idempotency, restatement


def test_same_file_twice_is_skipped(csp_env: Path) -> None:
    """The very file again (a build passes every landing file) is reported with its batch and
    not logged again; the same content under another name is read, skipped and logged."""
    settings = Settings.from_env()
    path = write(csp_env / "in" / "a.csv", to_csv(street_rows(5), STREET_HEADER))
    first = load_file("police_street", path, settings)
    second = load_file("police_street", path, settings)
    assert (first.status, second.status) == ("loaded", "skipped_duplicate")
    assert second.batch_id == first.batch_id and second.file_hash == first.file_hash
    assert second.warnings == [f"a.csv: unchanged since batch {first.batch_id}, already loaded"]
    copy = write(csp_env / "in" / "b.csv", path.read_text())
    third = load_file("police_street", copy, settings)
    assert third.status == "skipped_duplicate" and third.batch_id == first.batch_id + 1
    assert third.warnings == [f"b.csv: same content as batch {first.batch_id}, already loaded"]
    assert count(settings, "raw.police_street") == 5
    with db(settings) as con:
        assert con.execute(
            "SELECT file_name, status FROM raw._loads ORDER BY batch_id"
        ).fetchall() == [("a.csv", "loaded"), ("b.csv", "skipped_duplicate")]


def test_restated_file_replaces_period_and_scope_and_keeps_the_old_rows(csp_env: Path) -> None:
    settings = Settings.from_env()
    folder = settings.landing_dir / "police_crime"
    march = [crime_row(i) for i in range(1, 4)]
    other_force = [crime_row(i, force_code="E23000032") for i in range(10, 12)]
    feb = [crime_row(i, recorded_date="2024-02-10") for i in range(20, 22)]
    write(folder / "2024-03-tvp-crime.csv", to_csv(march + feb, CRIME_HEADER))
    write(folder / "2024-03-kent-crime.csv", to_csv(other_force, CRIME_HEADER))
    restated = [crime_row(1, offence_code="8N"), crime_row(4)]
    write(folder / "2024-03-tvp-crime.restated-1.csv", to_csv(restated, CRIME_HEADER))

    results = load_landing(settings)
    assert [r.status for r in results] == ["loaded"] * 3
    assert [r.file_name for r in results] == [
        "2024-03-kent-crime.csv",
        "2024-03-tvp-crime.csv",
        "2024-03-tvp-crime.restated-1.csv",
    ]
    last = results[-1]
    assert last.periods == ["2024-03"] and last.rows_replaced == 3

    with db(settings) as con:
        current = con.execute(
            "SELECT crime_ref, offence_code, _source_file FROM raw.police_crime "
            "WHERE force_code = 'E23000029' AND recorded_date >= '2024-03-01' ORDER BY 1"
        ).fetchall()
        assert current == [
            ("CR000001", "8N", "2024-03-tvp-crime.restated-1.csv"),
            ("CR000004", "28E", "2024-03-tvp-crime.restated-1.csv"),
        ]
        # February (other period) and the other force (other scope) are untouched
        assert (
            con.execute(
                "SELECT count(*) FROM raw.police_crime WHERE recorded_date < '2024-03-01'"
            ).fetchone()[0]
            == 2
        )
        assert (
            con.execute(
                "SELECT count(*) FROM raw.police_crime WHERE force_code = 'E23000032'"
            ).fetchone()[0]
            == 2
        )
        sup = con.execute(
            "SELECT crime_ref, offence_code, _source_file, _superseded_by_batch "
            "FROM raw.police_crime__superseded ORDER BY 1"
        ).fetchall()
        assert [s[:3] for s in sup] == [
            (f"CR00000{i}", "28E", "2024-03-tvp-crime.csv") for i in (1, 2, 3)
        ]
        assert {s[3] for s in sup} == {last.batch_id}

    # running the whole landing again changes nothing
    again = load_landing(settings)
    assert [r.status for r in again] == ["skipped_duplicate"] * 3
    assert count(settings, "raw.police_crime") == 6


# ------------------------------------------------------------------ pseudonymisation


def test_victim_ref_is_pseudonymised_and_stable(csp_env: Path) -> None:
    settings = Settings.from_env()
    rows = [
        crime_row(1, victim_ref="VICTIM-7"),
        crime_row(2, victim_ref="VICTIM-7"),
        crime_row(3, victim_ref=""),
    ]
    path = write(csp_env / "in" / "2024-03-tvp-crime.csv", to_csv(rows, CRIME_HEADER))
    assert load_file("police_crime", path, settings).status == "loaded"
    expected = hmac.new(DEMO_PSEUDONYM_KEY.encode(), b"VICTIM-7", hashlib.sha256).hexdigest()
    with db(settings) as con:
        refs = [
            r[0]
            for r in con.execute(
                "SELECT victim_ref FROM raw.police_crime ORDER BY _row_number"
            ).fetchall()
        ]
        assert refs == [expected, expected, None]
        # no raw value anywhere in the warehouse file
        for (table,) in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall():
            hits = con.execute(
                f"SELECT count(*) FROM {table} t WHERE contains(CAST(t AS VARCHAR), 'VICTIM-7')"
            ).fetchone()[0]
            assert hits == 0, table
    # another file with the same person gets the same pseudonym
    path2 = write(
        csp_env / "in" / "2024-04-tvp-crime.csv",
        to_csv([crime_row(9, victim_ref="VICTIM-7", recorded_date="2024-04-01")], CRIME_HEADER),
    )
    assert load_file("police_crime", path2, settings).status == "loaded"
    with db(settings) as con:
        assert (
            con.execute("SELECT count(DISTINCT victim_ref) FROM raw.police_crime").fetchone()[0]
            == 1
        )
    assert b"VICTIM-7" not in settings.warehouse_path.read_bytes()


def test_key_from_environment_changes_the_pseudonym(csp_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("CSP_PSEUDONYM_KEY", "a-real-secret")
    monkeypatch.delenv("CSP_DEMO")
    settings = Settings.from_env()
    path = write(csp_env / "in" / "c.csv", to_csv([crime_row(1, victim_ref="P1")], CRIME_HEADER))
    assert load_file("police_crime", path, settings).status == "loaded"
    with db(settings) as con:
        (ref,) = con.execute("SELECT victim_ref FROM raw.police_crime").fetchone()
    assert ref == hmac.new(b"a-real-secret", b"P1", hashlib.sha256).hexdigest()


def test_load_refuses_without_key_outside_demo(csp_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("CSP_DEMO")
    settings = Settings.from_env()
    path = write(csp_env / "in" / "c.csv", to_csv([crime_row(1)], CRIME_HEADER))
    with pytest.raises(ConfigError, match="CSP_PSEUDONYM_KEY"):
        load_file("police_crime", path, settings)
    assert path.exists()  # not quarantined, not loaded
    assert not settings.quarantine_dir.exists()
    # a source without person fields still loads
    street = write(csp_env / "in" / "s.csv", to_csv(street_rows(1), STREET_HEADER))
    assert load_file("police_street", street, settings).status == "loaded"
    assert count(settings, "raw.police_crime") == 0


# ------------------------------------------------------------------ real files


def _csv_module_count(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def test_real_police_file_loads_exactly(csp_env: Path, realdata_dir: Path) -> None:
    settings = Settings.from_env()
    src = realdata_dir / "police_uk" / "2018-11-kent-street.csv"
    path = shutil.copy(src, csp_env / "2018-11-kent-street.csv")
    result = load_file("police_street", Path(path), settings)
    assert result.status == "loaded", result.errors
    expected = _csv_module_count(src)
    assert result.rows_loaded == expected == count(settings, "raw.police_street")
    with db(settings) as con:
        months, blank_ids, no_lsoa = con.execute(
            "SELECT list(DISTINCT month), count(*) FILTER (WHERE crime_id IS NULL), "
            "count(*) FILTER (WHERE lsoa_code IS NULL) FROM raw.police_street"
        ).fetchone()
    assert months == ["2018-11"]
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert blank_ids == sum(1 for r in rows if not r["Crime ID"])
    assert no_lsoa == sum(1 for r in rows if not r["LSOA code"]) > 0
    assert any(
        "column 'Crime ID': repeated value" in w and "kept and counted as published" in w
        for w in result.warnings
    ), result.warnings
    assert any(f"{no_lsoa} rows with no LSOA code" in w for w in result.warnings)


def test_all_real_police_files_load_with_independent_counts(
    csp_env: Path, realdata_dir: Path
) -> None:
    settings = Settings.from_env()
    files = sorted((realdata_dir / "police_uk").glob("*-street.csv"))
    assert len(files) == 11
    folder = settings.landing_dir / "police_street"
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    started = time.perf_counter()
    results = load_landing(settings, "police_street")
    seconds = time.perf_counter() - started
    print(f"\nloaded the 11 real police files in {seconds:.2f} s")
    assert [r.status for r in results] == ["loaded"] * 11
    with db(settings) as con:
        per_file = dict(
            con.execute(
                "SELECT _source_file, count(*) FROM raw.police_street GROUP BY 1"
            ).fetchall()
        )
    assert per_file == {f.name: _csv_module_count(f) for f in files}


def test_a_full_disk_during_a_load_writes_nothing(csp_env: Path, realdata_dir: Path) -> None:
    """The warehouse's files may not grow (a size limit on the loading process, as a full
    disk does): the load fails with a message naming the warehouse, the file stays in the
    landing folder, and the warehouse holds exactly what it held before."""
    import subprocess
    import sys

    settings = Settings.from_env()
    first = write(csp_env / "in" / "2024-03-tvp-street.csv", to_csv(street_rows(3), STREET_HEADER))
    assert load_file("police_street", first, settings).status == "loaded"
    big = csp_env / "landing" / "police_street" / "2019-01-thames-valley-street.csv"
    big.parent.mkdir(parents=True)
    shutil.copy(realdata_dir / "police_uk" / big.name, big)
    wal = Path(f"{settings.warehouse_path}.wal")
    limit = settings.warehouse_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit + 65536}, {limit + 65536}))\n"
        "from orchestration.cli import main\n"
        f"sys.exit(main(['load', 'police_street', {str(big)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"the warehouse {settings.warehouse_path} could not be written" in proc.stderr
    assert "nothing of the file was written" in proc.stderr
    assert big.exists()  # not quarantined: the file is fine, the disk is not
    assert count(settings, "raw.police_street") == 3
    with db(settings) as con:
        assert con.execute("SELECT file_name, status FROM raw._loads").fetchall() == [
            (first.name, "loaded")
        ]
    # with room again, the same file loads
    assert load_file("police_street", big, settings).status == "loaded"
