"""Reading a mart of the warehouse for a quality check (the figures are the mart's)."""


def mart_rows(warehouse_path: str, table: str, sql: str) -> list[tuple]:
    """The rows of ``sql`` over the warehouse, read-only; none while ``main_marts.<table>``
    is not built yet."""
    import duckdb

    con = duckdb.connect(warehouse_path, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'main_marts' and table_name = ?",
            [table],
        ).fetchone()[0]
        return con.execute(sql).fetchall() if exists else []
    finally:
        con.close()
