"""The council ASB and fire sources (asb_council, fire_incidents): load_file against a real
DuckDB file under tmp_path, real CSV and XLSX files, no mocks.

Good files load in every encoding and layout a partner sends, typed (`report_date` DATE,
`incident_datetime` TIMESTAMP); `caller_ref` is stored only as its HMAC, a blank one stays
NULL. A bad file is rejected whole, naming file, row, column and reason; it is quarantined
with its `.error.txt`; nothing of it is written and what was loaded before stays.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from demo import generate
from ingest.config import DEMO_PSEUDONYM_KEY, Settings
from ingest.contracts import CONTRACTS, get_contract
from ingest.contracts.asb_council import CATEGORIES
from ingest.contracts.fire_incidents import INCIDENT_TYPES, MOTIVES, PROPERTY_TYPES
from ingest.load import LoadResult, load_file, load_landing

REPO = Path(__file__).resolve().parents[2]
CSP = "E22000307"  # Milton Keynes
SLUG = "milton-keynes"
MONTH = "2024-02"  # a leap year: 2024-02-29 is a good date, 2024-02-30 is not
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
HEX64 = r"^[0-9a-f]{64}$"


def asb_row(i: int, **over: str) -> dict[str, str]:
    channel = ("hotline", "online", "officer")[i % 3]
    row = {
        "report_ref": f"ASB1-202402-{i:04d}",
        "report_date": "2024-02-29" if i % 2 else f"2024-02-{i % 28 + 1:02d}",
        "csp_code": CSP,
        "category": CATEGORIES[i % len(CATEGORIES)],
        "lsoa_code": "" if i % 5 == 0 else f"E0101672{i % 10}",  # blank: location unknown
        "channel": channel,
        "caller_ref": "" if channel == "officer" else f"C1{i % 4:06d}",  # repeat callers
        "risk_level": ("standard", "medium", "high")[i % 3],
        "satisfaction": ("", "satisfied", "not satisfied")[i % 3] if channel != "officer" else "",
    }
    row.update(over)
    return row


def fire_row(i: int, **over: str) -> dict[str, str]:
    row = {
        "incident_ref": f"FI1-202402-{i:04d}",
        "incident_datetime": (
            "2024-02-29 23:59:59"
            if i % 4 == 1
            else f"2024-02-{i % 28 + 1:02d} {i % 24:02d}:{i * 7 % 60:02d}:{i * 13 % 60:02d}"
        ),
        "csp_code": CSP,
        "incident_type": INCIDENT_TYPES[i % len(INCIDENT_TYPES)],
        "motive": MOTIVES[i % len(MOTIVES)],
        "property_type": PROPERTY_TYPES[i % len(PROPERTY_TYPES)],
        "lsoa_code": "" if i % 5 == 0 else f"E0101672{i % 10}",
    }
    row.update(over)
    return row


ROWS = {"asb_council": asb_row, "fire_incidents": fire_row}
KEY = {"asb_council": "report_ref", "fire_incidents": "incident_ref"}
SOURCES = sorted(ROWS)


def header(source: str) -> list[str]:
    return list(get_contract(source).headers)


def file_name(source: str, restated: int = 0, ext: str = "csv") -> str:
    tail = f".restated-{restated}" if restated else ""
    return f"{MONTH}-{SLUG}-{source.replace('_', '-')}{tail}.{ext}"


def to_csv(
    rows: list[dict[str, str]],
    columns: list[str],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    extra: dict[str, list[str]] | None = None,
) -> bytes:
    """The rows as CSV bytes; `extra` adds columns outside the contract (name: values)."""
    extra = extra or {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(columns + list(extra))
    for i, r in enumerate(rows):
        w.writerow([r[c] for c in columns] + [v[i] for v in extra.values()])
    return buf.getvalue().encode(encoding)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def pseudonym(value: str) -> str:
    return hmac.new(DEMO_PSEUDONYM_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def typed(source: str, row: dict[str, str]) -> tuple:
    """The row as raw.<source> should hold it: the contract's types, blank -> NULL, person
    columns as their HMAC."""
    out = []
    for col in get_contract(source).columns:
        v = row[col.header].strip()
        if v == "":
            out.append(None)
        elif col.person:
            out.append(pseudonym(v))
        elif col.type == "DATE":
            out.append(date.fromisoformat(v))
        elif col.type == "TIMESTAMP":
            out.append(datetime.strptime(v, DATETIME_FORMAT))
        else:
            assert col.type == "VARCHAR", col
            out.append(v)
    return tuple(out)


@pytest.fixture(autouse=True)
def seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's areas (every CSP of England and Wales) in a seeds folder of the test."""
    d = tmp_path / "seeds"
    d.mkdir()
    shutil.copy(REPO / "seeds" / "areas.csv", d / "areas.csv")
    monkeypatch.setenv("CSP_SEEDS_DIR", str(d))
    return d


def db(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def raw_rows(settings: Settings, table: str) -> list[tuple]:
    with db(settings) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY _batch_id, _row_number").fetchall()


def contract_rows(settings: Settings, source: str) -> list[tuple]:
    cols = ", ".join(get_contract(source).column_names)
    with db(settings) as con:
        return con.execute(
            f"SELECT {cols} FROM raw.{source} ORDER BY _batch_id, _row_number"
        ).fetchall()


def blank_lsoa_warning(name: str, rows: list[dict[str, str]], first_line: int = 2) -> str:
    lines = [first_line + i for i, r in enumerate(rows) if r["lsoa_code"] == ""]
    return (
        f"{name}, row {lines[0]}, column 'lsoa_code': {len(lines)} rows with no LSOA code "
        f"(location unknown, kept at CSP level) (rows {', '.join(map(str, lines[:5]))}"
        f"{', ...' if len(lines) > 5 else ''})"
    )


# ------------------------------------------------------------------ good files


def test_raw_tables_have_the_contract_types(csp_env: Path) -> None:
    settings = Settings.from_env()
    for source in SOURCES:
        rows = [ROWS[source](i) for i in range(1, 3)]
        path = write(csp_env / "in" / file_name(source), to_csv(rows, header(source)))
        assert load_file(source, path, settings).status == "loaded"
    with db(settings) as con:
        types = dict(
            con.execute(
                "SELECT table_name || '.' || column_name, data_type "
                "FROM information_schema.columns WHERE table_schema = 'raw'"
            ).fetchall()
        )
    assert types["asb_council.report_date"] == "DATE"
    assert types["fire_incidents.incident_datetime"] == "TIMESTAMP"
    assert types["asb_council.caller_ref"] == types["fire_incidents.incident_type"] == "VARCHAR"


# (id, encoding, line end, an extra column outside the contract)
VARIANTS = [
    ("utf8_lf", "utf-8", "\n", None),
    ("utf8_bom_crlf", "utf-8-sig", "\r\n", None),  # how the council exports
    ("cp1252_crlf", "cp1252", "\r\n", "notes"),  # a council export with a free-text column
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("variant,encoding,newline,extra", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_good_csv_loads_typed(
    csp_env: Path, source: str, variant: str, encoding: str, newline: str, extra: str | None
) -> None:
    settings = Settings.from_env()
    rows = [ROWS[source](i) for i in range(1, 12)]
    columns = header(source)[::-1] if variant != "utf8_lf" else header(source)
    notes = {extra: [f"Café n°{i}: £{i * 10} damage – “seen twice”" for i in range(11)]}
    data = to_csv(rows, columns, encoding=encoding, newline=newline, extra=notes if extra else None)
    if encoding == "cp1252":  # really Windows-1252, not UTF-8
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "Café".encode("cp1252") in data
    assert (data.startswith(b"\xef\xbb\xbf")) == (encoding == "utf-8-sig")
    assert (b"\r\n" in data) == (newline == "\r\n")
    name = file_name(source)
    path = write(settings.landing_dir / source / name, data)

    result = load_file(source, path, settings)

    assert result.status == "loaded", result.errors
    assert (result.rows_loaded, result.periods) == (11, [MONTH])
    expected_warnings = [blank_lsoa_warning(name, rows)]
    if extra:
        expected_warnings.insert(
            0, f"{name}, row 1, column '{extra}': unexpected extra column, ignored"
        )
    assert result.warnings == expected_warnings
    assert contract_rows(settings, source) == [typed(source, r) for r in rows]


@pytest.mark.parametrize("source", SOURCES)
def test_good_xlsx_with_title_rows_and_typed_cells_loads(csp_env: Path, source: str) -> None:
    """A partner's workbook: title rows above the header, dates and date-times as Excel
    cells (a midnight incident and the last second of the month too, and one typed as text);
    the sheet's own row numbers are used in messages."""
    settings = Settings.from_env()
    contract = get_contract(source)
    columns = list(reversed(header(source)))
    rows = [ROWS[source](i) for i in range(1, 7)]
    if source == "fire_incidents":
        rows[1]["incident_datetime"] = "2024-02-03 00:00:00"  # midnight: keeps its time
        rows[2]["incident_datetime"] = "2024-02-01 00:00:01"

    def cell(col: str, value: str, text: bool):
        c = contract.by_header()[col]
        if value == "":
            return None
        if text:
            return value
        if c.type == "DATE":
            return date.fromisoformat(value)
        if c.type == "TIMESTAMP":
            return datetime.strptime(value, DATETIME_FORMAT)
        return value

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{contract.title}: {MONTH}, Milton Keynes"])
    ws.append(["Produced 2024-03-20"])
    ws.append([])
    ws.append(columns)
    for i, r in enumerate(rows):
        ws.append([cell(c, r[c], text=i == 3) for c in columns])  # row 8 typed as text
    path = csp_env / "in" / file_name(source, ext="xlsx")
    path.parent.mkdir(parents=True)
    wb.save(path)

    result = load_file(source, path, settings)

    assert result.status == "loaded", result.errors
    assert (result.rows_loaded, result.periods) == (6, [MONTH])
    assert result.warnings == [blank_lsoa_warning(path.name, rows, first_line=5)]
    assert contract_rows(settings, source) == [typed(source, r) for r in rows]

    # a bad cell of the same workbook is named by the sheet's row (header 4, data from 5)
    bad_column, bad_value = {
        "asb_council": ("satisfaction", "very satisfied"),
        "fire_incidents": ("incident_datetime", "03/02/2024 10:00"),
    }[source]
    ws.cell(row=7, column=columns.index(bad_column) + 1, value=bad_value)
    bad = path.with_name(f"{MONTH}-{SLUG}-bad.xlsx")
    wb.save(bad)
    rejected = load_file(source, bad, settings)
    assert rejected.status == "rejected"
    assert any(
        e.startswith(f"{bad.name}, row 7, column '{bad_column}': ") and f"'{bad_value}'" in e
        for e in rejected.errors
    ), rejected.errors
    assert contract_rows(settings, source) == [typed(source, r) for r in rows]
    assert Path(f"{settings.quarantine_dir / source / bad.name}.error.txt").is_file()


def test_restated_month_replaces_the_first_return(csp_env: Path) -> None:
    """The council restates a month (backdated fly-tipping): the restated file's rows replace
    the first file's, which are kept in raw.asb_council__superseded."""
    settings = Settings.from_env()
    first = [asb_row(i) for i in range(1, 6)]
    path = write(csp_env / "in" / file_name("asb_council"), to_csv(first, header("asb_council")))
    assert load_file("asb_council", path, settings).rows_loaded == 5
    restated = first + [asb_row(i, category="fly-tipping") for i in range(6, 9)]
    path = write(
        csp_env / "in" / file_name("asb_council", 1), to_csv(restated, header("asb_council"))
    )
    result = load_file("asb_council", path, settings)
    assert (result.status, result.rows_loaded, result.rows_replaced) == ("loaded", 8, 5)
    assert contract_rows(settings, "asb_council") == [typed("asb_council", r) for r in restated]
    assert len(raw_rows(settings, "raw.asb_council__superseded")) == 5


def test_caller_ref_is_stored_only_as_its_hmac(csp_env: Path) -> None:
    settings = Settings.from_env()
    rows = [asb_row(i) for i in range(1, 31)]
    callers = {r["caller_ref"] for r in rows} - {""}
    officer = sum(r["caller_ref"] == "" for r in rows)
    assert len(callers) == 4 and officer == 10  # repeat callers; officer reports have none
    path = write(csp_env / "in" / file_name("asb_council"), to_csv(rows, header("asb_council")))
    assert load_file("asb_council", path, settings).status == "loaded"
    # a rejected file with a caller_ref in it leaves its errors in raw._loads
    bad = [asb_row(i, caller_ref="C9123456", channel="phone") for i in range(31, 33)]
    path = write(csp_env / "in" / file_name("asb_council", 1), to_csv(bad, header("asb_council")))
    assert load_file("asb_council", path, settings).status == "rejected"
    callers.add("C9123456")

    with db(settings) as con:
        stored = con.execute(
            "SELECT channel, caller_ref FROM raw.asb_council ORDER BY _row_number"
        ).fetchall()
        assert [c for _, c in stored] == [
            pseudonym(r["caller_ref"]) if r["caller_ref"] else None for r in rows
        ]
        assert all((c is None) == (ch == "officer") for ch, c in stored)
        n, hashed, distinct = con.execute(
            f"SELECT count(caller_ref), count(*) FILTER (WHERE regexp_matches(caller_ref, "
            f"'{HEX64}')), count(DISTINCT caller_ref) FROM raw.asb_council"
        ).fetchone()
        assert (n, hashed, distinct) == (20, 20, 4)
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall()
        for (table,) in tables:
            text = con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), '|') FROM {table} t")
            blob = text.fetchone()[0] or ""
            assert not [v for v in callers if v in blob], table
    files = [settings.warehouse_path, Path(f"{settings.warehouse_path}.wal")]
    data = b"".join(p.read_bytes() for p in files if p.exists())
    assert b"ASB1-202402-0001" in data  # the bytes are searchable: a plain value is found
    assert not [v for v in callers if v.encode() in data]


# ------------------------------------------------------------------ bad input

CSP_CASES = [
    (
        "unknown_csp",
        {"csp_code": "E22999999"},  # looks like a CSP, is not one of seeds/areas.csv
        "csp_code",
        "unknown code: not in seeds/areas.csv (csp_code): 'E22999999'",
    ),
    (
        "malformed_csp",
        {"csp_code": "E2200030"},
        "csp_code",
        "bad format: expected ONS community safety partnership code, e.g. E22000307: 'E2200030'",
    ),
]
BAD_DATETIME = "bad date-time: not a valid date and time in the form YYYY-MM-DD HH:MM:SS"

# (case, source, the bad row's values, column named, reason in the message)
BAD = [
    (
        "unknown_category",
        "asb_council",
        {"category": "fly tipping"},
        "category",
        "unknown category value 'fly tipping' (accepted: noise, nuisance neighbours, "
        "fly-tipping, graffiti,",
    ),
    (
        "unknown_channel",
        "asb_council",
        {"channel": "phone"},
        "channel",
        "unknown category value 'phone' (accepted: hotline, online, officer)",
    ),
    (
        "unknown_satisfaction",
        "asb_council",
        {"satisfaction": "very satisfied"},
        "satisfaction",
        "unknown category value 'very satisfied' (accepted: satisfied, not satisfied)",
    ),
    (
        "unknown_risk_level",
        "asb_council",
        {"risk_level": "low"},
        "risk_level",
        "unknown category value 'low' (accepted: standard, medium, high)",
    ),
    ("blank_channel", "asb_council", {"channel": ""}, "channel", "required value is blank"),
    (
        "impossible_date",
        "asb_council",
        {"report_date": "2024-02-30"},
        "report_date",
        "bad date: not a valid date in the form YYYY-MM-DD: '2024-02-30'",
    ),
    (
        "malformed_lsoa",
        "asb_council",
        {"lsoa_code": "MK 001A"},
        "lsoa_code",
        "bad format: expected 2011 LSOA code E01xxxxxx / W01xxxxxx: 'MK 001A'",
    ),
    (
        "duplicate_ref",
        "asb_council",
        {"report_ref": "ASB1-202402-0011"},
        "report_ref",
        "duplicate key value 'ASB1-202402-0011' (same as row 2)",
    ),
    (
        "unknown_incident_type",
        "fire_incidents",
        {"incident_type": "false alarm"},
        "incident_type",
        "unknown category value 'false alarm' (accepted: primary fire, secondary fire,",
    ),
    (
        "unknown_motive",
        "fire_incidents",
        {"motive": "arson"},
        "motive",
        "unknown category value 'arson' (accepted: deliberate, accidental, not known)",
    ),
    (
        "unknown_property_type",
        "fire_incidents",
        {"property_type": "house"},
        "property_type",
        "unknown category value 'house' (accepted: dwelling, other residential,",
    ),
    *(
        (
            f"malformed_datetime_{i}",
            "fire_incidents",
            {"incident_datetime": value},
            "incident_datetime",
            f"{BAD_DATETIME}: '{value}'",
        )
        for i, value in enumerate(
            [
                "2024-02-30 10:00:00",  # no such day
                "2024-02-03T10:00",  # ISO 'T' and no seconds
                "03/02/2024 10:00",  # day first
                "2024-02-03",  # no time
                "2024-02-03 24:00:00",  # no such hour
                "2024-02-03 10:00:00.250",  # fractions of a second
            ]
        )
    ),
    (
        "blank_datetime",
        "fire_incidents",
        {"incident_datetime": " "},
        "incident_datetime",
        "required value is blank",
    ),
    (
        "duplicate_ref",
        "fire_incidents",
        {"incident_ref": "FI1-202402-0011"},
        "incident_ref",
        "duplicate key value 'FI1-202402-0011' (same as row 2)",
    ),
    *((case, source, *rest) for source in SOURCES for case, *rest in CSP_CASES),
]


@pytest.mark.parametrize("case,source,bad,column,reason", BAD, ids=[f"{b[1]}-{b[0]}" for b in BAD])
def test_bad_row_rejects_the_whole_file_and_keeps_what_was_loaded(
    csp_env: Path, case: str, source: str, bad: dict[str, str], column: str, reason: str
) -> None:
    settings = Settings.from_env()
    make = ROWS[source]
    good = [make(i) for i in range(1, 4)]
    first = write(settings.landing_dir / source / file_name(source), to_csv(good, header(source)))
    before: LoadResult = load_file(source, first, settings)
    assert (before.status, before.rows_loaded) == ("loaded", 3), before.errors
    kept = raw_rows(settings, f"raw.{source}")

    # a restatement of the same month and CSP: good rows 2, 3 and 5, the bad row is row 4
    rows = [make(11), make(12), make(13, **bad), make(14)]
    name = file_name(source, restated=1)
    data = to_csv(rows, header(source))
    path = write(settings.landing_dir / source / name, data)

    result = load_file(source, path, settings)

    assert result.status == "rejected", result
    assert result.rows_loaded == 0 and result.rows_replaced == 0
    where = f"{name}, row 4, column '{column}': "
    assert any(e.startswith(where) and reason in e for e in result.errors), result.errors
    assert all(e.startswith(f"{name}, ") for e in result.errors), result.errors
    # nothing of the file is written: the earlier rows stay, none is superseded
    assert raw_rows(settings, f"raw.{source}") == kept
    assert raw_rows(settings, f"raw.{source}__superseded") == []
    for other in CONTRACTS:
        if other != source:
            assert raw_rows(settings, f"raw.{other}") == []
    with db(settings) as con:
        loads = con.execute(
            "SELECT batch_id, file_name, status, rows_loaded, errors FROM raw._loads "
            "ORDER BY batch_id"
        ).fetchall()
    assert [lo[:4] for lo in loads] == [
        (before.batch_id, file_name(source), "loaded", 3),
        (before.batch_id + 1, name, "rejected", 0),
    ]
    assert loads[1][4] == result.errors
    # quarantined, byte for byte, with its error report
    q = settings.quarantine_dir / source / name
    assert result.quarantine_path == q
    assert q.read_bytes() == data and not path.exists()
    report = Path(f"{q}.error.txt").read_text(encoding="utf-8").splitlines()
    assert report == result.errors
    # the file can be loaded once corrected: its rows replace the earlier ones
    fixed = write(path, to_csv([make(11), make(12), make(13), make(14)], header(source)))
    again = load_file(source, fixed, settings)
    assert (again.status, again.rows_loaded, again.rows_replaced) == ("loaded", 4, 3)


# ------------------------------------------------------------------ the demo's files


def test_the_demo_files_load_and_medway_asb_is_late(csp_env: Path) -> None:
    """The demo writes both sources with the contracts' headers, every file loads, and
    Medway's council sends no ASB return for the last two months (the manifest says so)."""
    settings = Settings.from_env()
    manifest = generate(settings.landing_dir, start="2024-06", end="2024-08", scale=0.2)
    results = load_landing(settings, "asb_council") + load_landing(settings, "fire_incidents")
    assert results and all(r.status == "loaded" for r in results), [
        r.summary() for r in results if r.status != "loaded"
    ]
    files = {s: [f for f in manifest["files"] if f["source"] == s] for s in SOURCES}
    for source in SOURCES:
        loaded = [r for r in results if r.source == source]
        assert len(loaded) == len(files[source])
        with db(settings) as con:
            n = con.execute(f"SELECT count(*) FROM raw.{source}").fetchone()[0]
        restated = [r for r in manifest["restated"] if r["source"] == source]
        assert n == sum(f["rows"] for f in files[source] if f["kind"] == "original") + sum(
            r["rows_after"] - r["rows_before"] for r in restated
        )
    medway = sorted(f["periods"][0] for f in files["asb_council"] if "-medway-" in f["file"])
    assert medway == ["2024-06"]
    assert {
        "source": "asb_council",
        "scope": "E22000143",
        "missing_from": "2024-07",
        "reason": "council ASB system replacement: no return yet",
    } in manifest["late"]
    with db(settings) as con:
        pairs = con.execute(
            "SELECT DISTINCT csp_code, strftime(report_date, '%Y-%m') FROM raw.asb_council"
        ).fetchall()
    months: dict[str, list[str]] = {}
    for csp, month in sorted(pairs):
        months.setdefault(csp, []).append(month)
    assert months.pop("E22000143") == ["2024-06"]
    assert len(months) == 4 and all(m == ["2024-06", "2024-07", "2024-08"] for m in months.values())
