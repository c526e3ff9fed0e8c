"""DuckDB read and write helpers shared by the plain-Python steps.

Functions here take an open connection, so callers decide when a connection opens
and closes. DuckDB allows one writer per file: never hold a connection across steps.
"""

import logging
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

logger = logging.getLogger(__name__)


@contextmanager
def connect(
    database_path: str | Path, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file, creating its folder first, and close it on exit."""
    path = str(database_path)
    if path != ":memory:" and not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: commit on success, roll back on any exception."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Return whether `schema.table` exists as a table or view."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame:
    """Read a whole table or view into a DataFrame."""
    return con.execute(f'select * from "{schema}"."{table}"').df()


def replace_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame
) -> int:
    """Replace `schema.table` with the rows of `frame` in one transaction.

    Returns:
        The number of rows written.
    """
    con.execute(f'create schema if not exists "{schema}"')
    con.register("_frame_to_write", frame)
    try:
        with transaction(con):
            con.execute(
                f'create or replace table "{schema}"."{table}" as select * from _frame_to_write'
            )
    finally:
        con.unregister("_frame_to_write")
    logger.info("wrote %s rows to %s.%s", len(frame), schema, table)
    return len(frame)


def empty_frame(columns: Sequence[str], text_columns: Collection[str]) -> pd.DataFrame:
    """Return a frame without rows: `text_columns` typed object, the other columns float.

    A step with nothing to write returns one, so that the table it replaces keeps its
    column types and the staging model's casts still apply.
    """
    return pd.DataFrame(
        {column: pd.Series(dtype=object if column in text_columns else float) for column in columns}
    )
