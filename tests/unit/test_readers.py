"""Readers: decoding, header matching, line numbers, XLSX header detection."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest.contracts import get_contract
from ingest.readers import Finding, check_header, decode_text, stage_file

STREET = get_contract("police_street")
#: The reader's XLSX path, tried on the street layout (data.police.uk itself sends CSV only).
STREET_XLSX = dataclasses.replace(STREET, formats=("csv", "xlsx"))
HEADER = list(STREET.headers)
ROW = "x,2024-03,TVP,TVP,-0.7,52.0,On or near A,E01016725,Milton Keynes 001A,Burglary,,"


def test_finding_names_file_row_column_reason() -> None:
    assert str(Finding("f.csv", 3, "Month", "bad")) == "f.csv, row 3, column 'Month': bad"
    assert str(Finding("f.csv", None, None, "empty")) == "f.csv: empty"


@pytest.mark.parametrize(
    "data,text,encoding",
    [
        (b"a,b\n", "a,b\n", "utf-8"),
        (b"\xef\xbb\xbfa,b\n", "a,b\n", "utf-8-sig"),
        ("\u00a3 \u201cq\u201d".encode("cp1252"), "\u00a3 \u201cq\u201d", "windows-1252"),
        ("\u00a3 caf\u00e9".encode(), "\u00a3 caf\u00e9", "utf-8"),
    ],
)
def test_decode_text(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding, None)


@pytest.mark.parametrize("data", [b"a,b\x00c\n", b"PK\x03\x04rest", bytes(range(1, 32)) * 50])
def test_binary_is_not_text(data: bytes) -> None:
    text, enc, problem = decode_text(data)
    assert text is None and "not a text CSV file" in problem


def test_header_any_order_and_extras() -> None:
    errors, warnings, pos = check_header(STREET, "f.csv", list(reversed(HEADER)) + ["Extra"])
    assert errors == []
    assert [str(w) for w in warnings] == [
        "f.csv, row 1, column 'Extra': unexpected extra column, ignored"
    ]
    assert pos["crime_id"] == 11 and pos["context"] == 0


def test_header_missing_and_renamed() -> None:
    h = [x for x in HEADER if x != "Context"]
    errors, _, _ = check_header(STREET, "f.csv", h)
    assert [str(e) for e in errors] == [
        "f.csv, row 1, column 'Context': missing column: 'Context' is not in the header"
    ]
    h = ["LSOA Code" if x == "LSOA code" else x for x in HEADER]
    errors, _, _ = check_header(STREET, "f.csv", h)
    assert "expected column 'LSOA code' is missing and unexpected column 'LSOA Code'" in str(
        errors[0]
    )


@pytest.mark.parametrize("delim,name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_header_wrong_delimiter(delim: str, name: str) -> None:
    errors, _, _ = check_header(STREET, "f.csv", [delim.join(HEADER)])
    assert len(errors) == 1 and "wrong delimiter" in errors[0].reason
    assert name in errors[0].reason


def _stage(tmp_path: Path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    con = duckdb.connect()
    return con, stage_file(con, STREET, p)


def test_stage_csv_gives_line_numbers(tmp_path: Path) -> None:
    body = ",".join(HEADER) + "\r\n" + "\r\n".join([ROW] * 3) + "\r\n"
    con, staged = _stage(tmp_path, "a.csv", body.encode())
    assert staged.ok and staged.rows == 3 and staged.encoding == "utf-8"
    rows = con.execute(
        f"SELECT _line, _row_number, crime_type, context FROM {staged.table}"
    ).fetchall()
    assert rows == [(2, 1, "Burglary", None), (3, 2, "Burglary", None), (4, 3, "Burglary", None)]


def test_stage_rejects_blank_line_inside_data(tmp_path: Path) -> None:
    body = ",".join(HEADER) + "\n" + ROW + "\n\n" + ROW + "\n\n"
    _, staged = _stage(tmp_path, "a.csv", body.encode())
    assert [str(e) for e in staged.errors] == ["a.csv, row 3: blank line inside the data"]


def test_stage_long_row(tmp_path: Path) -> None:
    body = ",".join(HEADER) + "\n" + ROW + "\n" + ROW + ",extra\n"
    _, staged = _stage(tmp_path, "a.csv", body.encode())
    assert [str(e) for e in staged.errors] == [
        "a.csv, row 3: long row: it has 13 fields but the header has 12"
    ]


def test_stage_xlsx_finds_header_below_title_rows(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Street crime extract"])
    ws.append([None])
    ws.append(HEADER)
    ws.append(ROW.split(","))
    ws.append([None] * 12)  # trailing empty rows are ignored
    p = tmp_path / "s.xlsx"
    wb.save(p)
    con = duckdb.connect()
    staged = stage_file(con, STREET_XLSX, p)
    assert staged.ok, staged.errors
    assert con.execute(f"SELECT _line, month FROM {staged.table}").fetchall() == [(4, "2024-03")]
    # the contract says how a source is sent: data.police.uk's files are CSV only
    wrong = stage_file(con, STREET, p)
    assert [str(e) for e in wrong.errors] == [
        "s.xlsx: XLSX file: police_street is sent as CSV only"
    ]


def test_stage_xlsx_without_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Crime ID", "Month"])
    p = tmp_path / "s.xlsx"
    wb.save(p)
    staged = stage_file(duckdb.connect(), STREET_XLSX, p)
    assert not staged.ok
    assert "row 1, column 'Reported by': missing column" in str(staged.errors[0])


def test_stage_not_an_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "s.xlsx"
    p.write_bytes(b"hello")
    staged = stage_file(duckdb.connect(), STREET_XLSX, p)
    assert "not a readable XLSX file" in str(staged.errors[0])


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_scan_bytes_finds_every_empty_line_whatever_the_chunk_boundaries(
    tmp_path, monkeypatch, chunk
):
    import hashlib
    import random
    import re

    from ingest import readers

    rng = random.Random(chunk)
    pieces = [b"a,b\n", b"1,2\n", b"\n", b"\r\n", b"3,4\r\n", b"\r\n", b"x\x00y\n", b"5,6\n"]
    data = b"h1,h2\n" + b"".join(rng.choice(pieces) for _ in range(400))
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    monkeypatch.setattr(readers, "_CHUNK_BYTES", chunk)
    found = readers.scan_bytes(path, max_found=10_000)
    expected = tuple(m.start() for m in re.finditer(rb"\n(?=\r?\n)", data))
    assert expected, "the sample must hold empty lines"
    assert found.blank_line_offsets == expected
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert found.size == len(data)
    assert found.has_nul == (b"\x00" in data)
