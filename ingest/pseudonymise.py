"""Keyed pseudonyms for person `_ref` fields: HMAC-SHA256, hex, key from the environment.

DuckDB has no HMAC function, so the distinct values of each person column are fetched
once, hashed in Python (one HMAC per distinct value, not per row) and joined back by
DuckDB in a single UPDATE.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

from ingest.contracts.base import Contract
from ingest.readers import _quote_ident


def pseudonym(value: str, key: bytes) -> str:
    """HMAC-SHA256 of the UTF-8 value under `key`, as 64 hex characters."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise_table(
    con: duckdb.DuckDBPyConnection, contract: Contract, table: str, key: bytes
) -> int:
    """Replace every person column of `table` by its pseudonym. Returns distinct values done."""
    # pandas only here: importing it is seconds of every `csp load`, and most sources have
    # no person fields
    import pandas as pd

    done = 0
    for name in contract.person_columns:
        col = _quote_ident(name)
        values = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT {col} FROM {table} WHERE {col} IS NOT NULL"
            ).fetchall()
        ]
        if not values:
            continue
        mapping = pd.DataFrame({"raw_value": values, "pseudo": [pseudonym(v, key) for v in values]})
        con.register("_pseudonym_map_df", mapping)
        try:
            con.execute(
                f"UPDATE {table} SET {col} = m.pseudo FROM _pseudonym_map_df m "
                f"WHERE {table}.{col} = m.raw_value"
            )
        finally:
            con.unregister("_pseudonym_map_df")
        done += len(values)
    return done
