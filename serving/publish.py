"""Publish a copy of the warehouse for BI tools, so they never lock the file a run writes.

DuckDB allows one writer per file, and even a read-only client blocks a writer in another
process. BI tools therefore read a copy. The copy is written by DuckDB itself (`COPY FROM
DATABASE` into a new file) rather than by copying bytes, so it includes changes still in the
source's write-ahead log. The new file is renamed into place in one step, so a reader opens
either the old copy or the new one, never half of one.
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishedWarehouse:
    """A published copy and what it contains.

    Attributes:
        path: The copy's file.
        tables: Tables copied, per schema.
        size_bytes: Size of the copy's file.
    """

    path: Path
    tables: dict[str, int]
    size_bytes: int


def _count_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    rows = con.execute(
        """
        select table_schema, count(*) from information_schema.tables
        where table_catalog = ? group by table_schema order by table_schema
        """,
        [catalog],
    ).fetchall()
    return {schema: int(count) for schema, count in rows}


def publish_warehouse(source: Path, target: Path) -> PublishedWarehouse:
    """Copy the warehouse to `target` through a temporary file and an atomic rename.

    Args:
        source: The warehouse file. It must not be open for writing in another process.
        target: The published copy's path; its folder is created when missing. The
            temporary file is written beside it, so the rename stays on one file system.

    Returns:
        The published copy with its table counts per schema.

    Raises:
        FileNotFoundError: When `source` does not exist.
        ValueError: When `target` is the source file itself.
        duckdb.IOException: When another process has the source open for writing.
    """
    if not source.exists():
        raise FileNotFoundError(f"warehouse {source} not found: build it before publishing")
    if target.resolve() == source.resolve():
        raise ValueError(f"published copy path {target} is the warehouse itself: pick another")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)

    try:
        with duckdb.connect(":memory:") as con:
            con.execute("attach ? as source_db (read_only)", [str(source)])
            con.execute("attach ? as published_db", [str(temporary)])
            con.execute("copy from database source_db to published_db")
            tables = _count_tables(con, "published_db")
            con.execute("detach published_db")
        # NOTE: on Windows the rename fails while a client has `target` open, so the step
        # fails and the old copy stays; POSIX systems let open readers keep the old file.
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)

    size = target.stat().st_size
    logger.info("published %s to %s: %s bytes, tables per schema %s", source, target, size, tables)
    return PublishedWarehouse(target, tables, size)
