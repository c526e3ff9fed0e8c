"""Staging of one file's rows into a temporary DuckDB table, every value as text.

CSV files are read by DuckDB (`read_csv` with every column as VARCHAR); JSON and XML files
are parsed in Python by `ingest.readers` and handed over as Arrow tables.
"""

import logging

import duckdb
import pyarrow as pa

from ingest.files import SourceFile, read_csv_header
from ingest.readers import READERS
from ingest.schema import TableSchema
from ingest.validate import literal, quote
from ingest.warehouse import META_TYPES
from ml.errors import InputFileError

logger = logging.getLogger(__name__)

STAGE = "_ingest_stage"
FILE_STAGE = "_ingest_file_stage"
REJECTS_TABLE = "_ingest_csv_rejects"
REJECTS_SCAN = "_ingest_csv_scans"


def stage_files(
    con: duckdb.DuckDBPyConnection, files: list[SourceFile], schema: TableSchema
) -> list[str]:
    """Stage the rows of a table's files into one temporary table.

    JSON and XML files are parsed first and staged in one step, because a Slack export has a
    file per channel and day and staging thousands of small tables one by one is slow.

    Returns:
        The data columns of the files, in order of first appearance.

    Raises:
        InputFileError: A file cannot be read as its format or lacks a required column.
    """
    columns: list[str] = []
    parsed: list[pa.Table] = []
    for source_file in files:
        if source_file.reader == "csv":
            file_columns = _stage_csv(con, source_file, schema)
            _append_to_stage(con)
        else:
            rows = READERS[source_file.reader](source_file)
            file_path = pa.array([source_file.rel_path] * len(rows), type=pa.string())
            parsed.append(rows.to_arrow().append_column("_file", file_path))
            file_columns = list(rows.fields)
        columns += [name for name in file_columns if name not in columns]
    if parsed:
        columns += _stage_parsed(con, pa.concat_tables(parsed, promote_options="default"), schema)
    return columns


def _stage_parsed(
    con: duckdb.DuckDBPyConnection, arrow_rows: pa.Table, schema: TableSchema
) -> list[str]:
    """Stage parsed rows; returns the required fields that no record had."""
    # A required field that no record has still gets a column, so the row check rejects every
    # row for it instead of failing on an unknown column.
    absent = [name for name in schema.required if name not in arrow_rows.column_names]
    nulls = "".join(f", cast(null as varchar) as {quote(name)}" for name in absent)
    con.register("_ingest_arrow_rows", arrow_rows)
    try:
        con.execute(
            f"create or replace temp table {FILE_STAGE} as select *{nulls} from _ingest_arrow_rows"
        )
    finally:
        con.unregister("_ingest_arrow_rows")
    _append_to_stage(con)
    return absent


def _stage_csv(
    con: duckdb.DuckDBPyConnection, source_file: SourceFile, schema: TableSchema
) -> list[str]:
    assert source_file.disk_path is not None
    header = read_csv_header(source_file.disk_path)
    if not header:
        raise InputFileError(source_file.rel_path, "the file is empty; expected a header row")
    _check_header(source_file, header, schema)

    column_types = "{" + ", ".join(f"{literal(name)}: 'VARCHAR'" for name in header) + "}"
    con.execute(f"drop table if exists {REJECTS_TABLE}")
    con.execute(f"drop table if exists {REJECTS_SCAN}")
    read = (
        f"read_csv({literal(str(source_file.disk_path))}, columns = {column_types}, "
        "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
        f"rejects_scan = '{REJECTS_SCAN}')"
    )
    try:
        con.execute(f"create or replace temp table _ingest_csv_read as select * from {read}")
    except duckdb.Error as error:
        raise InputFileError(source_file.rel_path, f"cannot be read as CSV: {error}") from error
    _raise_on_csv_rejects(con, source_file)

    values = ", ".join(quote(name) for name in header)
    pairs = ", ".join(f"{literal(name)}, {quote(name)}" for name in header)
    con.execute(
        f"create or replace temp table {FILE_STAGE} as select *, "
        "row_number() over (order by rowid) as _row_number, "
        f"sha256(to_json([{values}])) as _record_hash, "
        f"to_json(json_object({pairs})) as _record, "
        f"{literal(source_file.rel_path)} as _file "
        "from _ingest_csv_read"
    )
    return header


def _check_header(source_file: SourceFile, header: list[str], schema: TableSchema) -> None:
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name in META_TYPES or name == "_problem":
            raise InputFileError(
                source_file.rel_path,
                f"header column {position} is named {name!r}, which the loader reserves for "
                "its own metadata; rename the column",
                field=name,
            )
        if name in seen:
            raise InputFileError(
                source_file.rel_path,
                f"header (line 1) names column {name!r} twice; column names must be unique",
                field=name,
            )
        seen.add(name)
    for name in schema.required:
        if name not in seen:
            raise InputFileError(
                source_file.rel_path,
                f"header (line 1) is missing required column {name!r}; found {header}",
                field=name,
            )


def _raise_on_csv_rejects(con: duckdb.DuckDBPyConnection, source_file: SourceFile) -> None:
    first = con.execute(
        f"select line, column_name, error_type, error_message, csv_line from {REJECTS_TABLE} "
        "order by line limit 1"
    ).fetchone()
    if first is None:
        return
    line, column_name, error_type, error_message, csv_line = first
    raise InputFileError(
        source_file.rel_path,
        f"line {line} does not fit the header ({error_type.lower()}: {error_message}); "
        f"the line reads {csv_line!r}. Fix the quoting or delimiters and load the file again",
        row=int(line) - 1,
        field=column_name,
    )


def _append_to_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Append the file stage to the stage table by column name, adding columns it lacks."""
    file_columns = [
        row[0] for row in con.execute(f"select column_name from (describe {FILE_STAGE})").fetchall()
    ]
    exists = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [STAGE]
    ).fetchone()
    if not exists or not exists[0]:
        con.execute(f"create temp table {STAGE} as select * from {FILE_STAGE}")
        return
    stage_columns = {
        row[0] for row in con.execute(f"select column_name from (describe {STAGE})").fetchall()
    }
    for name in file_columns:
        if name not in stage_columns:
            con.execute(f"alter table {STAGE} add column {quote(name)} varchar")
    con.execute(f"insert into {STAGE} by name select * from {FILE_STAGE}")


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary stage tables."""
    for name in (STAGE, FILE_STAGE, "_ingest_csv_read", REJECTS_TABLE, REJECTS_SCAN):
        con.execute(f"drop table if exists {name}")
