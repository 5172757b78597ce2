from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from ingest.config import DEMO_PSEUDONYM_KEY, ConfigError, Settings
from ingest.contracts import get_contract
from ingest.pseudonymise import pseudonym, pseudonymise_table


def test_pseudonym_is_keyed_hmac_sha256_hex() -> None:
    p = pseudonym("V123", b"k")
    assert p == hmac.new(b"k", b"V123", hashlib.sha256).hexdigest()
    assert len(p) == 64 and p == pseudonym("V123", b"k")
    assert p != pseudonym("V123", b"other key") and p != pseudonym("V124", b"k")


def test_pseudonymise_table_in_bulk() -> None:
    c = get_contract("police_crime")
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE t AS SELECT 'CR' || i AS crime_ref, "
        "CASE WHEN i % 10 = 0 THEN NULL ELSE 'V' || (i % 7) END AS victim_ref "
        "FROM range(1000) r(i)"
    )
    done = pseudonymise_table(con, c, "t", b"key")
    assert done == 7
    rows = con.execute("SELECT crime_ref, victim_ref FROM t ORDER BY crime_ref").fetchall()
    by_ref = dict(rows)
    assert by_ref["CR10"] is None
    assert by_ref["CR1"] == pseudonym("V1", b"key") == by_ref["CR8"]
    assert not any(v and v.startswith("V") for _, v in rows)


def test_key_from_environment() -> None:
    demo = Settings.from_env({"CSP_DEMO": "1"})
    assert demo.effective_pseudonym_key() == DEMO_PSEUDONYM_KEY.encode()
    real = Settings.from_env({"CSP_PSEUDONYM_KEY": "s3cret", "CSP_DEMO": "1"})
    assert real.effective_pseudonym_key() == b"s3cret"
    with pytest.raises(ConfigError, match="CSP_PSEUDONYM_KEY is not set"):
        Settings.from_env({}).effective_pseudonym_key()


def test_settings_defaults_and_paths(tmp_path) -> None:
    s = Settings.from_env({})
    assert str(s.landing_dir) == "data/landing" and str(s.data_dir) == "data"
    assert str(s.warehouse_path) == "data/warehouse.duckdb"
    s = Settings.from_env({"CSP_DATA_DIR": str(tmp_path)})
    assert s.serving_path == tmp_path / "serving.duckdb"
    assert s.quarantine_dir == tmp_path / "quarantine"
    assert s.warehouse_path == tmp_path / "warehouse.duckdb"
