"""Staging of a table's files into one temporary DuckDB table, every value as text.

CSV files are read by DuckDB (`read_csv` with every column as VARCHAR) straight into the
stage; JSON and XML files are parsed in Python by `ingest.readers` and handed over as one
Arrow table.
"""

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from ingest.files import SourceFile, blank_csv_lines, read_csv_header
from ingest.readers import READERS
from ingest.schema import TableSchema
from ingest.validate import literal, quote
from ingest.warehouse import META_TYPES
from ml.errors import InputFileError

STAGE = "_ingest_stage"
ROW_OFFSETS = "_ingest_row_offsets"
REJECTS_TABLE = "_ingest_csv_rejects"
REJECTS_SCAN = "_ingest_csv_scans"


@dataclass
class StagedFiles:
    """Columns of a stage: the union of data columns and each CSV file's own header.

    Attributes:
        columns: Data columns of every staged file, in order of first appearance.
        csv_headers: Each CSV file's header, by file.
        blank_lines: Line numbers of the empty lines DuckDB skipped, by CSV file. They are
            not in the stage; the loader counts them and quarantines one row per line.
    """

    columns: list[str] = field(default_factory=list)
    csv_headers: dict[str, list[str]] = field(default_factory=dict)
    blank_lines: dict[str, list[int]] = field(default_factory=dict)

    def add_columns(self, names: list[str]) -> None:
        """Add columns not seen yet, keeping the order of first appearance."""
        self.columns += [name for name in names if name not in self.columns]


def stage_files(
    con: duckdb.DuckDBPyConnection, files: list[SourceFile], schema: TableSchema
) -> StagedFiles:
    """Stage the rows of a table's files into one temporary table.

    The stage has the data columns as text plus `_file`, `_record_hash`, `_row_number` and,
    for JSON and XML, `_record` and `_problem`. CSV rows get their `_row_number` later from
    `row_number_sql`, because numbering them here would cost a sort of the whole file.

    Raises:
        InputFileError: A file cannot be read as its format or lacks a required column.
    """
    drop_stage(con)
    con.execute(f"create temp table {ROW_OFFSETS} (_file varchar, first_rowid bigint)")
    staged = StagedFiles()
    parsed: list[pa.Table] = []
    for source_file in files:
        if source_file.reader == "csv":
            header = _stage_csv(con, source_file, schema)
            staged.csv_headers[source_file.rel_path] = header
            staged.add_columns(header)
            assert source_file.disk_path is not None
            blank = blank_csv_lines(source_file.disk_path, len(header))
            if blank:
                staged.blank_lines[source_file.rel_path] = blank
        else:
            rows = READERS[source_file.reader](source_file)
            file_path = pa.array([source_file.rel_path] * len(rows), type=pa.string())
            parsed.append(rows.to_arrow().append_column("_file", file_path))
            staged.add_columns(list(rows.fields))
    if parsed:
        arrow_rows = pa.concat_tables(parsed, promote_options="default")
        staged.add_columns(_stage_parsed(con, arrow_rows, schema))
    return staged


def row_number_sql(alias: str) -> str:
    """Return the `_row_number` expression of a stage row (the stage aliased as `alias`).

    A CSV file is appended to the stage in file order, so its rows have consecutive rowids
    starting at the first rowid recorded in the offsets table.
    """
    return (
        f"coalesce({alias}._row_number, {alias}.rowid - "
        f"(select first_rowid from {ROW_OFFSETS} as o where o._file = {alias}._file) + 1)"
    )


def _stage_parsed(
    con: duckdb.DuckDBPyConnection, arrow_rows: pa.Table, schema: TableSchema
) -> list[str]:
    """Stage parsed rows and return their data columns, with required fields no record had."""
    # A required field that no record has still gets a column, so the row check rejects every
    # row for it instead of failing on an unknown column.
    absent = [name for name in schema.required if name not in arrow_rows.column_names]
    nulls = "".join(f", cast(null as varchar) as {quote(name)}" for name in absent)
    con.register("_ingest_arrow_rows", arrow_rows)
    try:
        columns = [*arrow_rows.column_names, *absent]
        _append_to_stage(con, f"select *{nulls} from _ingest_arrow_rows", columns)
    finally:
        con.unregister("_ingest_arrow_rows")
    meta = {"_file", "_row_number", "_record", "_record_hash", "_problem"}
    return [name for name in arrow_rows.column_names if name not in meta] + absent


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
    # NOTE: DuckDB reads an empty field and a quoted empty string ("") both as NULL, so the
    # raw table cannot tell them apart.
    values = ", ".join(quote(name) for name in header)
    query = (
        f"select *, sha256(to_json([{values}])) as _record_hash, "
        f"cast(null as bigint) as _row_number, {literal(source_file.rel_path)} as _file "
        f"from {read}"
    )
    try:
        _append_to_stage(con, query, [*header, "_record_hash", "_row_number", "_file"])
    except duckdb.Error as error:
        # DuckDB's CSV errors quote the offending line on a later "Original Line:" line, so
        # only the first line of the message, which names the error and the line number, is
        # kept.
        summary = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputFileError(source_file.rel_path, f"cannot be read as CSV: {summary}") from error
    _raise_on_csv_rejects(con, source_file)
    con.execute(
        f"insert into {ROW_OFFSETS} select _file, min(rowid) from {STAGE} where _file = ? "
        "group by _file",
        [source_file.rel_path],
    )
    return header


def _check_header(source_file: SourceFile, header: list[str], schema: TableSchema) -> None:
    # Required columns are checked first and the header is not quoted, because in a file
    # without a header line 1 is a data row whose values must not reach the stored error.
    for name in schema.required:
        if name not in header:
            raise InputFileError(
                source_file.rel_path,
                f"header (line 1) is missing required column {name!r}; it has {len(header)} "
                f"column(s), expected them to include {list(schema.required)}",
                field=name,
            )
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


# DuckDB 2.0 writes these error types' messages as fixed text and counts, without the line's
# values. A CAST message quotes the value, and an unknown type may, so those give the type only.
CSV_REJECT_MESSAGES_WITHOUT_VALUES = frozenset(
    {"TOO MANY COLUMNS", "MISSING COLUMNS", "UNQUOTED VALUE", "LINE SIZE OVER MAXIMUM"}
)


def _raise_on_csv_rejects(con: duckdb.DuckDBPyConnection, source_file: SourceFile) -> None:
    """Raise for the first line DuckDB rejected, naming it by its line number.

    The message does not quote the line: it is stored in quarantine.rejected_files and in
    Dagster's event log, and the line may hold a person's email or name.
    """
    # NOTE: the row is the line minus the header. It is off by the extra lines of any earlier
    # quoted field that spans lines, so the message also gives the line number. DuckDB 2.0's
    # line_byte_position is left out: it was one byte past the line's start in files with LF
    # line ends.
    first = con.execute(
        f"select line, column_name, error_type, error_message from {REJECTS_TABLE} "
        "order by line limit 1"
    ).fetchone()
    if first is None:
        return
    line, column_name, error_type, error_message = first
    problem = error_type.lower()
    if error_type in CSV_REJECT_MESSAGES_WITHOUT_VALUES and error_message:
        problem += f": {error_message}"
    raise InputFileError(
        source_file.rel_path,
        f"line {line} does not fit the header ({problem}). Fix the quoting or delimiters on "
        "that line and load the file again",
        row=int(line) - 1,
        field=column_name,
    )


def _append_to_stage(con: duckdb.DuckDBPyConnection, query: str, columns: list[str]) -> None:
    """Append a query's rows to the stage by column name, adding columns the stage lacks."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [STAGE]
    ).fetchone()
    if not exists or not exists[0]:
        con.execute(f"create temp table {STAGE} as {query}")
        return
    stage_columns = {row[0] for row in con.execute(f"describe {STAGE}").fetchall()}
    for name in columns:
        if name not in stage_columns:
            con.execute(f"alter table {STAGE} add column {quote(name)} varchar")
    con.execute(f"insert into {STAGE} by name {query}")


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary stage tables."""
    for name in (STAGE, ROW_OFFSETS, REJECTS_TABLE, REJECTS_SCAN):
        con.execute(f"drop table if exists {name}")
