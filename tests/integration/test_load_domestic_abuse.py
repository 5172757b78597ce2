"""Bad input for the domestic abuse sources (dv_incidents, marac_cases): load_file against a
real DuckDB file under tmp_path, real CSV and XLSX files, no mocks.

A bad file is rejected whole, naming file, row, column and reason; it is quarantined with
its `.error.txt`; nothing of it is written and what was loaded before stays. `victim_ref`
is stored only as its HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.config import DEMO_PSEUDONYM_KEY, Settings
from ingest.contracts import CONTRACTS, get_contract
from ingest.load import LoadResult, load_file

REPO = Path(__file__).resolve().parents[2]
CSP = "E22000307"  # Milton Keynes
SLUG = "milton-keynes"
MONTH = "2024-02"  # a leap year: 2024-02-29 is a good date, 2024-02-30 is not
HEX64 = r"^[0-9a-f]{64}$"


def dv_row(i: int, **over: str) -> dict[str, str]:
    row = {
        "incident_ref": f"DV7-202402-{i:05d}",
        "incident_date": "2024-02-29" if i % 2 else f"2024-02-{i % 28 + 1:02d}",
        "csp_code": CSP,
        "victim_ref": f"V2{5001230 + i:07d}",  # V25001231, ... like the demo's refs
        "repeat_flag": "Y" if i % 3 == 0 else "N",
        "child_present": "Y" if i % 2 else "N",
        "number_of_children": str(i % 3) if i % 2 else "0",
    }
    row.update(over)
    return row


def marac_row(i: int, **over: str) -> dict[str, str]:
    row = {
        "case_ref": f"MA7-202402-{i:03d}",
        "marac_date": "2024-02-01" if i % 2 else "2024-02-15",
        "csp_code": CSP,
        "victim_ref": f"V2{5004560 + i:07d}",
        "referring_agency": "Children's Social Care" if i % 2 else "Police",
        "repeat_flag": "Y" if i % 3 == 0 else "N",
        "victim_gender": "female",
        "victim_age_band": "25-34",
        "children_in_household": str(i % 4),
        "idva_engaged": "" if i % 4 == 0 else "Y",  # blank = not recorded
    }
    row.update(over)
    return row


ROWS = {"dv_incidents": dv_row, "marac_cases": marac_row}
KEY = {"dv_incidents": "incident_ref", "marac_cases": "case_ref"}


def header(source: str) -> list[str]:
    return list(get_contract(source).headers)


def file_name(source: str, restated: int = 0) -> str:
    tail = f".restated-{restated}" if restated else ""
    return f"{MONTH}-{SLUG}-{source.replace('_', '-')}{tail}.csv"


def to_csv(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v

    lines = [",".join(q(c) for c in columns)]
    lines += [",".join(q(r[c]) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


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
        elif col.type == "INTEGER":
            out.append(int(v))
        elif col.type == "BOOLEAN":
            out.append({"Y": True, "N": False}[v])
        else:
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


def load_good_file(settings: Settings, source: str) -> tuple[LoadResult, list[dict[str, str]]]:
    rows = [ROWS[source](i) for i in range(1, 4)]
    path = write(settings.landing_dir / source / file_name(source), to_csv(rows, header(source)))
    result = load_file(source, path, settings)
    assert result.status == "loaded", result.errors
    assert result.rows_loaded == 3 and result.periods == [MONTH]
    return result, rows


# ------------------------------------------------------------------ bad input

# (case, source, the bad row's values, column named, reason in the message)
BAD = [
    (
        "unknown_referring_agency",
        "marac_cases",
        {"referring_agency": "Social Services"},
        "referring_agency",
        "unknown category value 'Social Services' (accepted: Police, IDVA, Health,",
    ),
    ("flag_yes", "dv_incidents", {"repeat_flag": "Yes"}, "repeat_flag", "expected one of Y, N"),
    ("flag_lower", "dv_incidents", {"child_present": "y"}, "child_present", "expected one of Y"),
    ("flag_1", "marac_cases", {"repeat_flag": "1"}, "repeat_flag", "expected one of Y, N: '1'"),
    ("flag_optional", "marac_cases", {"idva_engaged": "No"}, "idva_engaged", "one of Y, N: 'No'"),
    (
        "impossible_date",
        "dv_incidents",
        {"incident_date": "2024-02-30"},
        "incident_date",
        "bad date: not a valid date in the form YYYY-MM-DD: '2024-02-30'",
    ),
    (
        "impossible_date",
        "marac_cases",
        {"marac_date": "2023-02-29"},  # 2023 is not a leap year
        "marac_date",
        "bad date: not a valid date in the form YYYY-MM-DD: '2023-02-29'",
    ),
    (
        "day_first_date",
        "marac_cases",
        {"marac_date": "15/02/2024"},
        "marac_date",
        "bad date: not a valid date in the form YYYY-MM-DD: '15/02/2024'",
    ),
    ("blank_victim_ref", "dv_incidents", {"victim_ref": ""}, "victim_ref", "required value"),
    ("spaces_victim_ref", "marac_cases", {"victim_ref": "  "}, "victim_ref", "required value"),
    (
        "unknown_csp",
        "dv_incidents",
        {"csp_code": "E22999999"},
        "csp_code",
        "unknown code: not in seeds/areas.csv (csp_code): 'E22999999'",
    ),
    (
        "unknown_csp",
        "marac_cases",
        {"csp_code": "E22999999"},
        "csp_code",
        "unknown code: not in seeds/areas.csv (csp_code): 'E22999999'",
    ),
    (
        "district_code_not_a_csp",  # in areas.csv, but as the district of Milton Keynes
        "dv_incidents",
        {"csp_code": "E06000042"},
        "csp_code",
        "unknown code: not in seeds/areas.csv (csp_code): 'E06000042'",
    ),
    (
        "malformed_csp",
        "dv_incidents",
        {"csp_code": "E2200030"},
        "csp_code",
        "bad format: expected ONS community safety partnership code, e.g. E22000307: 'E2200030'",
    ),
    (
        "malformed_csp",
        "marac_cases",
        {"csp_code": "Milton Keynes"},
        "csp_code",
        "bad format: expected ONS community safety partnership code",
    ),
    ("blank_csp", "marac_cases", {"csp_code": ""}, "csp_code", "required value is blank"),
    (
        "duplicate_ref",
        "dv_incidents",
        {"incident_ref": "DV7-202402-00011"},
        "incident_ref",
        "duplicate key value 'DV7-202402-00011' (same as row 2)",
    ),
    (
        "duplicate_ref",
        "marac_cases",
        {"case_ref": "MA7-202402-011"},
        "case_ref",
        "duplicate key value 'MA7-202402-011' (same as row 2)",
    ),
]


@pytest.mark.parametrize("case,source,bad,column,reason", BAD, ids=[f"{b[1]}-{b[0]}" for b in BAD])
def test_bad_row_rejects_the_whole_file_and_keeps_what_was_loaded(
    csp_env: Path, case: str, source: str, bad: dict[str, str], column: str, reason: str
) -> None:
    settings = Settings.from_env()
    before, _ = load_good_file(settings, source)
    kept = raw_rows(settings, f"raw.{source}")
    assert len(kept) == 3

    # a restatement of the same month and CSP: good rows 2, 3 and 5, the bad row is row 4
    make = ROWS[source]
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
    # the good file can be loaded again once corrected: its rows replace the earlier ones
    fixed = write(path, to_csv([make(11), make(12), make(13), make(14)], header(source)))
    again = load_file(source, fixed, settings)
    assert (again.status, again.rows_loaded, again.rows_replaced) == ("loaded", 4, 3)


def test_an_area_of_no_csp_in_the_seed_does_not_let_unknown_csps_through(
    csp_env: Path, seeds: Path
) -> None:
    """One blank csp_code in seeds/areas.csv (an LSOA not yet mapped to a CSP) must not
    switch the check off (SQL `x NOT IN (..., NULL)` is never true)."""
    with (seeds / "areas.csv").open("a", encoding="utf-8") as fh:
        fh.write("E01099999,Nowhere 001A,E06099999,Nowhere,,,E23000029,Thames Valley,5,x\n")
    settings = Settings.from_env()
    rows = [dv_row(1), dv_row(2, csp_code="E22999999")]
    path = write(csp_env / "in" / file_name("dv_incidents"), to_csv(rows, header("dv_incidents")))
    result = load_file("dv_incidents", path, settings)
    assert result.status == "rejected"
    assert result.errors == [
        f"{path.name}, row 3, column 'csp_code': unknown code: not in seeds/areas.csv "
        "(csp_code): 'E22999999'"
    ]


# ------------------------------------------------------------------ good variants


@pytest.mark.parametrize("source", sorted(ROWS))
def test_good_csv_in_another_column_order_loads(csp_env: Path, source: str) -> None:
    settings = Settings.from_env()
    columns = header(source)
    random.Random(8).shuffle(columns)
    assert columns != header(source)
    rows = [ROWS[source](i) for i in range(1, 6)]
    path = write(csp_env / "in" / file_name(source), to_csv(rows, columns))

    result = load_file(source, path, settings)

    assert result.status == "loaded", result.errors
    assert (result.rows_loaded, result.periods, result.warnings) == (5, [MONTH], [])
    assert contract_rows(settings, source) == [typed(source, r) for r in rows]


@pytest.mark.parametrize("source", sorted(ROWS))
def test_good_xlsx_with_title_rows_and_typed_cells_loads(csp_env: Path, source: str) -> None:
    """A partner's workbook: title rows above the header, dates as Excel dates and counts as
    numbers; the sheet's own row numbers are used in messages."""
    settings = Settings.from_env()
    contract = get_contract(source)
    columns = list(reversed(header(source)))
    rows = [ROWS[source](i) for i in range(1, 5)]

    def cell(col: str, value: str):
        c = contract.by_header()[col]
        if value == "":
            return None
        if c.type == "DATE":
            return date.fromisoformat(value)
        if c.type == "INTEGER":
            return int(value)
        return value

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{contract.title}: {MONTH}, Milton Keynes"])
    ws.append(["Produced 2024-03-20"])
    ws.append([])
    ws.append(columns)
    for r in rows:
        ws.append([cell(c, r[c]) for c in columns])
    path = csp_env / "in" / file_name(source).replace(".csv", ".xlsx")
    path.parent.mkdir(parents=True)
    wb.save(path)

    result = load_file(source, path, settings)

    assert result.status == "loaded", result.errors
    assert (result.rows_loaded, result.periods) == (4, [MONTH])
    assert contract_rows(settings, source) == [typed(source, r) for r in rows]

    # a bad cell of the same workbook is named by the sheet's row (header 4, data from 5)
    ws.cell(row=7, column=columns.index("csp_code") + 1, value="E22999999")
    bad = path.with_name(f"{MONTH}-{SLUG}-bad.xlsx")
    wb.save(bad)
    rejected = load_file(source, bad, settings)
    assert rejected.status == "rejected"
    assert any(
        e.startswith(f"{bad.name}, row 7, column 'csp_code': unknown code") for e in rejected.errors
    ), rejected.errors
    assert contract_rows(settings, source) == [typed(source, r) for r in rows]
    assert Path(f"{settings.quarantine_dir / source / bad.name}.error.txt").is_file()


# ------------------------------------------------------------------ pseudonymisation


def test_raw_victim_refs_never_reach_the_warehouse(csp_env: Path) -> None:
    settings = Settings.from_env()
    raw_refs: set[str] = set()
    for source, make in ROWS.items():
        rows = [make(i) for i in range(1, 41)]
        rows[5]["victim_ref"] = rows[0]["victim_ref"]  # one victim twice
        raw_refs |= {r["victim_ref"] for r in rows}
        path = write(csp_env / "in" / file_name(source), to_csv(rows, header(source)))
        assert load_file(source, path, settings).status == "loaded"
        # a restatement moves the first rows to __superseded
        restated = [make(i) for i in range(41, 46)]
        raw_refs |= {r["victim_ref"] for r in restated}
        path = write(csp_env / "in" / file_name(source, 1), to_csv(restated, header(source)))
        assert load_file(source, path, settings).rows_replaced == 40
        # and a rejected file with a victim_ref in it leaves its errors in raw._loads
        rejected = [make(i, csp_code="E22999999") for i in range(46, 48)]
        raw_refs |= {r["victim_ref"] for r in rejected}
        path = write(csp_env / "in" / file_name(source, 2), to_csv(rejected, header(source)))
        assert load_file(source, path, settings).status == "rejected"
    assert "V25001234" in raw_refs and len(raw_refs) == 2 * 47 - 2

    with db(settings) as con:
        for source in ROWS:
            for table in (f"raw.{source}", f"raw.{source}__superseded"):
                n, hashed, distinct = con.execute(
                    f"SELECT count(*), count(*) FILTER (WHERE regexp_matches(victim_ref, "
                    f"'{HEX64}')), count(DISTINCT victim_ref) FROM {table}"
                ).fetchone()
                assert n == hashed > 0, table
                assert distinct == n - (table.endswith("__superseded")), table
            refs = {
                r[0]
                for r in con.execute(
                    f"SELECT victim_ref FROM raw.{source} UNION ALL "
                    f"SELECT victim_ref FROM raw.{source}__superseded"
                ).fetchall()
            }
            assert refs <= {pseudonym(v) for v in raw_refs}
        # no raw value in any column of any table
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall()
        for (table,) in tables:
            text = con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), '|') FROM {table} t")
            blob = text.fetchone()[0] or ""
            assert not [v for v in raw_refs if v in blob], table
    # nor anywhere in the warehouse's bytes (its write-ahead log included, if any)
    files = [settings.warehouse_path, Path(f"{settings.warehouse_path}.wal")]
    data = b"".join(p.read_bytes() for p in files if p.exists())
    assert b"DV7-202402-00001" in data  # the bytes are searchable: a plain value is found
    assert not [v for v in raw_refs if v.encode() in data]
