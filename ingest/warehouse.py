"""DDL and bookkeeping tables of the loaders.

The tables are `raw.load_ledger`, `quarantine.rejected_rows` and `quarantine.rejected_files`.
"""

import duckdb

from ingest.validate import quote

META_COLUMNS = ("_file", "_row_number", "_record_hash", "_loaded_at")
META_TYPES = {
    "_file": "varchar",
    "_row_number": "bigint",
    "_record_hash": "varchar",
    "_loaded_at": "timestamptz",
    "_record": "varchar",
}


def ensure_bookkeeping_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `raw` and `quarantine` schemas, the ledger and the quarantine tables."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists quarantine")
    con.execute(
        """
        create table if not exists raw.load_ledger (
            table_name varchar not null,
            _file varchar not null,
            content_hash varchar not null,
            rows_in bigint not null,
            rows_loaded bigint not null,
            rows_quarantined bigint not null,
            loaded_at timestamptz not null
        )
        """
    )
    con.execute(
        """
        create table if not exists quarantine.rejected_rows (
            table_name varchar not null,
            _file varchar not null,
            _row_number bigint,
            field varchar,
            value varchar,
            reason varchar not null,
            record varchar,
            _record_hash varchar,
            rejected_at timestamptz not null
        )
        """
    )
    con.execute(
        """
        create table if not exists quarantine.rejected_files (
            source varchar not null,
            table_name varchar not null,
            _file varchar not null,
            content_hash varchar not null,
            _row_number bigint,
            field varchar,
            reason varchar not null,
            rejected_at timestamptz not null
        )
        """
    )


def raw_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """Return the columns of `raw.<table>` in order, or None when the table does not exist."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows] or None


def ensure_raw_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    """Create `raw.<table>` with text columns plus metadata, or add columns it lacks."""
    existing = raw_columns(con, table)
    if existing is None:
        definitions = [f"{quote(name)} {META_TYPES.get(name, 'varchar')}" for name in columns]
        con.execute(f"create table raw.{quote(table)} ({', '.join(definitions)})")
        return
    for name in columns:
        if name not in existing:
            con.execute(
                f"alter table raw.{quote(table)} add column {quote(name)} "
                f"{META_TYPES.get(name, 'varchar')}"
            )


def ledger_hashes(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Return content hash to file for every file of `table` in the ledger."""
    rows = con.execute(
        "select content_hash, _file from raw.load_ledger where table_name = ?", [table]
    ).fetchall()
    return {content_hash: file for content_hash, file in rows}
