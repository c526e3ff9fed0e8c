"""Loading one source's landing files into its raw tables, with quarantine and a ledger.

A whole source loads in one transaction: in `load_source` a file that cannot be read raises
`InputFileError` and nothing of the load stays. `load_source_quarantining_files`, which the
Dagster assets call, instead sets such a file aside in `quarantine.rejected_files` and loads
the source's other files.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from ingest.files import SourceFile, discover_files, file_sha256, hash_and_check_utf8
from ingest.registry import SOURCES, TableSpec
from ingest.stage import STAGE, StagedFiles, drop_stage, row_number_sql, stage_files
from ingest.validate import (
    FUTURE_TOLERANCE,
    build_rules,
    literal,
    quote,
    rule_case_sql,
    rule_value_sql,
)
from ingest.warehouse import (
    META_COLUMNS,
    ensure_bookkeeping_tables,
    ensure_raw_table,
    ledger_hashes,
)
from ml.errors import ConfigurationError, DataQualityError, InputFileError
from ml.io import transaction

logger = logging.getLogger(__name__)

CHECKED = "_ingest_checked"
MAX_REASON_EXAMPLES = 5


@dataclass
class LoadReport:
    """Counts of one load of one raw table.

    Attributes:
        table: Raw table name, without the `raw.` schema.
        source_present: False when the source's landing subfolder is absent.
        files_seen: Files matching the table's patterns.
        files_rejected: Files set aside because they cannot be read; only
            `load_source_quarantining_files` sets files aside.
        files_loaded: New or changed files loaded now.
        files_skipped: Files whose content hash is already in the ledger.
        rows_in: Records read from the loaded files, empty CSV lines included.
        rows_loaded: Records written to the raw table.
        rows_quarantined: Records written to `quarantine.rejected_rows` (one per empty CSV
            line among them).
        quarantine_reasons: Up to five distinct `field: reason` texts of quarantined rows.
    """

    table: str
    source_present: bool = True
    files_seen: int = 0
    files_rejected: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: list[str] = field(default_factory=list)


def load_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: str,
    future_tolerance: timedelta = FUTURE_TOLERANCE,
    exclude: Collection[str] = (),
) -> list[LoadReport]:
    """Load a source's new and changed landing files into its raw tables.

    Args:
        con: Open warehouse connection; it must not be inside a transaction.
        landing_dir: The landing folder holding one subfolder per source.
        source: Source name, a key of `ingest.registry.SOURCES` (also its subfolder).
        future_tolerance: How far past the load time an event time stamp may lie before
            its row is quarantined.
        exclude: Landing-relative paths (`_file` values) of files to leave out of this load;
            they count in `files_seen` and `files_rejected`.

    Returns:
        One report per raw table of the source, in registry order.

    Raises:
        ConfigurationError: The source name is unknown.
        InputFileError: A file cannot be read as its format; nothing of the load is written.
        DataQualityError: The row accounting of a file does not add up; nothing is written.
    """
    if source not in SOURCES:
        raise ConfigurationError(f"unknown source {source!r}; expected one of {sorted(SOURCES)}")
    spec = SOURCES[source]
    files = discover_files(landing_dir, spec)
    if files is None:
        logger.info("landing folder %s has no %s/ subfolder; nothing to load", landing_dir, source)
        return [LoadReport(table.table, source_present=False) for table in spec.tables]

    loaded_at = datetime.now(UTC)
    try:
        with transaction(con):
            ensure_bookkeeping_tables(con)
            reports = []
            for table in spec.tables:
                included = [f for f in files[table.table] if f.rel_path not in exclude]
                report = _load_table(con, table, included, loaded_at, future_tolerance)
                report.files_rejected = len(files[table.table]) - len(included)
                report.files_seen += report.files_rejected
                reports.append(report)
    finally:
        drop_stage(con)
        con.execute(f"drop table if exists {CHECKED}")
    for report in reports:
        logger.info("loaded %s", report)
    return reports


@dataclass(frozen=True)
class RejectedFile:
    """A landing file set aside because it cannot be read as its format.

    Attributes:
        table: Raw table the file's patterns assign it to, without the `raw.` schema.
        path: Path relative to the landing folder, as stored in `_file`.
        content_hash: SHA-256 of the file's bytes.
        error: The `InputFileError` raised while reading it, naming file, row and field.
    """

    table: str
    path: str
    content_hash: str
    error: InputFileError


def load_source_quarantining_files(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: str,
    future_tolerance: timedelta = FUTURE_TOLERANCE,
) -> tuple[list[LoadReport], list[RejectedFile]]:
    """Load a source's readable files and set aside each file that cannot be read.

    Each time `load_source` raises `InputFileError` for a file of the source, the load is
    rolled back and run again without that file. A rejected file gets no ledger row, so it is
    read again on every run and loads once it is fixed. If an earlier version of the file
    loaded, its rows stay until a readable version replaces them.

    After the load, `quarantine.rejected_files` contains exactly the source's files rejected by
    this run. A file rejected again with the same content keeps its row and `rejected_at`.
    Rows of files that now load, have changed or have left the landing folder are deleted.

    Args:
        con: Open warehouse connection; it must not be inside a transaction.
        landing_dir: The landing folder holding one subfolder per source.
        source: Source name, a key of `ingest.registry.SOURCES` (also its subfolder).
        future_tolerance: As in `load_source`.

    Returns:
        One report per raw table of the source, in registry order, and the rejected files.

    Raises:
        ConfigurationError: The source name is unknown.
        InputFileError: A file outside the source's discovered files cannot be read.
        DataQualityError: As in `load_source`.
    """
    rejected: dict[str, RejectedFile] = {}
    while True:
        try:
            reports = load_source(con, landing_dir, source, future_tolerance, exclude=rejected)
            break
        except InputFileError as error:
            found = _find_file(landing_dir, source, error.path)
            if found is None or error.path in rejected:
                raise
            table, source_file = found
            logger.warning("setting aside %s for raw.%s: %s", error.path, table, error)
            # NOTE: every rejected file costs one more pass over the source's other files,
            # because the load is rolled back and started again without it.
            rejected[error.path] = RejectedFile(table, error.path, file_sha256(source_file), error)
    _record_rejected_files(con, source, list(rejected.values()))
    return reports, list(rejected.values())


def _find_file(landing_dir: Path, source: str, path: str) -> tuple[str, SourceFile] | None:
    """Return the raw table and the landing file whose `_file` is `path`, or None."""
    files = discover_files(landing_dir, SOURCES[source]) or {}
    for table, table_files in files.items():
        for source_file in table_files:
            if source_file.rel_path == path:
                return table, source_file
    return None


def _record_rejected_files(
    con: duckdb.DuckDBPyConnection, source: str, rejected: list[RejectedFile]
) -> None:
    """Make `quarantine.rejected_files` list exactly these files for the source."""
    current = {(f.path, f.content_hash) for f in rejected}
    with transaction(con):
        ensure_bookkeeping_tables(con)
        stored = set(
            con.execute(
                "select _file, content_hash from quarantine.rejected_files where source = ?",
                [source],
            ).fetchall()
        )
        for path, content_hash in stored - current:
            con.execute(
                "delete from quarantine.rejected_files "
                "where source = ? and _file = ? and content_hash = ?",
                [source, path, content_hash],
            )
        rejected_at = datetime.now(UTC)
        # The reason names the line and field but does not quote the file's content, so no
        # personal data from the file is stored here for an erasure to miss.
        for f in rejected:
            if (f.path, f.content_hash) in stored:
                continue
            con.execute(
                "insert into quarantine.rejected_files values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source,
                    f.table,
                    f.path,
                    f.content_hash,
                    f.error.row,
                    f.error.field,
                    f.error.reason,
                    rejected_at,
                ],
            )


def _load_table(
    con: duckdb.DuckDBPyConnection,
    table: TableSpec,
    files: list[SourceFile],
    loaded_at: datetime,
    future_tolerance: timedelta,
) -> LoadReport:
    report = LoadReport(table.table, files_seen=len(files))
    hashes = {
        source_file.rel_path: hash_and_check_utf8(source_file, table.schema.required)
        for source_file in files
    }
    # A changed file replaces its rows in this load, so its old content no longer counts as
    # loaded: a copy of that old content under another name must load now, not on a later run.
    known = {
        content_hash
        for content_hash, path in ledger_hashes(con, table.table).items()
        if hashes.get(path, content_hash) == content_hash
    }
    pending: dict[str, str] = {}
    for source_file in files:
        content_hash = hashes[source_file.rel_path]
        if content_hash in known or content_hash in pending.values():
            report.files_skipped += 1
            continue
        pending[source_file.rel_path] = content_hash
    if not pending:
        return report

    staged = stage_files(con, [f for f in files if f.rel_path in pending], table.schema)
    is_csv = table.files[0].reader == "csv"
    meta = list(META_COLUMNS) if is_csv else [*META_COLUMNS, "_record"]
    ensure_raw_table(con, table.table, [*staged.columns, *meta])

    _forget_files(con, table.table, list(pending))
    rules = _check_rows(con, table, staged.columns, future_tolerance)
    _write_rows(con, table.table, staged, meta, rules, loaded_at)
    _quarantine_blank_lines(con, table.table, staged.blank_lines, loaded_at)
    _record_ledger(con, table.table, pending, staged.blank_lines, loaded_at, report)
    report.files_loaded = len(pending)
    report.quarantine_reasons = _first_reasons(con, table.table, list(pending))
    con.execute(f"drop table {CHECKED}")
    return report


def _forget_files(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> None:
    """Delete what earlier loads of these files wrote, so a changed file replaces its rows."""
    # NOTE: only files present now are replaced; rows of a file deleted from the landing
    # folder stay in raw until the table is rebuilt.
    con.execute(f"delete from raw.{quote(table)} where _file in (select unnest(?))", [paths])
    con.execute(
        "delete from quarantine.rejected_rows where table_name = ? and _file in (select unnest(?))",
        [table, paths],
    )
    con.execute(
        "delete from raw.load_ledger where table_name = ? and _file in (select unnest(?))",
        [table, paths],
    )


def _check_rows(
    con: duckdb.DuckDBPyConnection, table: TableSpec, columns: list[str], tolerance: timedelta
) -> list[tuple[str, str]]:
    """Number each staged row's first broken rule, duplicates included, into the checked table.

    Returns:
        (field, reason) per rule number, 1-based; duplicates use the last number.
    """
    present = set(columns) | {"_problem"} if "_problem" in _stage_columns(con) else set(columns)
    rules = build_rules(table.schema, present, tolerance)
    key = [quote(name) for name in table.schema.key]
    duplicate_rule = len(rules) + 1
    con.execute(
        f"create or replace temp table {CHECKED} as "
        f"select s.* exclude (_row_number), {row_number_sql('s')} as _row_number, "
        f"{rule_case_sql(rules)} as _rule, "
        f"{rule_value_sql(rules, '_rule')} as _rule_value, "
        "cast(null as varchar) as _duplicate_of "
        f"from {STAGE} as s"
    )
    con.execute(f"drop table {STAGE}")
    if key:
        _mark_duplicates(con, table.table, key, duplicate_rule)
    return [
        *((rule.field, rule.reason) for rule in rules),
        (", ".join(table.schema.key), "duplicate key"),
    ]


def _stage_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute(f"select column_name from (describe {STAGE})").fetchall()}


def _mark_duplicates(
    con: duckdb.DuckDBPyConnection, table: str, key: list[str], duplicate_rule: int
) -> None:
    """Reject the second and later rows of a key, and rows whose key another file loaded."""
    key_list = ", ".join(key)
    key_text = "concat_ws('|', " + ", ".join(f"c.{k}" for k in key) + ")"
    con.execute(
        f"""
        update {CHECKED} as c set
            _rule = {duplicate_rule},
            _rule_value = {key_text},
            _duplicate_of = first.first_seen
        from (
            select _file, _row_number,
                first_value(_file || ' row ' || _row_number) over keys as first_seen,
                row_number() over keys as key_rank
            from {CHECKED}
            semi join (
                select {key_list} from {CHECKED} where _rule is null
                group by {key_list} having count(*) > 1
            ) as repeated using ({key_list})
            where _rule is null
            window keys as (partition by {key_list} order by _file, _row_number)
        ) as first
        where c._file = first._file and c._row_number = first._row_number
            and first.key_rank > 1
        """
    )
    join = " and ".join(f"r.{k} = c.{k}" for k in key)
    con.execute(
        f"""
        update {CHECKED} as c set
            _rule = {duplicate_rule},
            _rule_value = {key_text},
            _duplicate_of = r._file || ' row ' || r._row_number
        from raw.{quote(table)} as r
        where c._rule is null and {join}
        """
    )


def _write_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    staged: StagedFiles,
    meta: list[str],
    rules: list[tuple[str, str]],
    loaded_at: datetime,
) -> None:
    selected = ", ".join(quote(name) for name in [*staged.columns, *meta] if name != "_loaded_at")
    con.execute(
        f"insert into raw.{quote(table)} by name "
        f"select {selected}, ?::timestamptz as _loaded_at from {CHECKED} where _rule is null",
        [loaded_at],
    )
    fields = " ".join(f"when {n} then {literal(f)}" for n, (f, _) in enumerate(rules, 1))
    reasons = " ".join(f"when {n} then {literal(r)}" for n, (_, r) in enumerate(rules, 1))
    insert = f"""
        insert into quarantine.rejected_rows
        select ?, _file, _row_number, case _rule {fields} end, _rule_value,
            case _rule {reasons} end
                || coalesce(', first seen in ' || _duplicate_of, ''),
            {{record}}, _record_hash, ?::timestamptz
        from {CHECKED} where _rule is not null {{only_file}}
    """
    if not staged.csv_headers:
        con.execute(insert.format(record="_record", only_file=""), [table, loaded_at])
        return
    # A CSV row has no stored text, so its record is rebuilt as JSON from its own file's header.
    for path, header in staged.csv_headers.items():
        pairs = ", ".join(f"{literal(name)}, {quote(name)}" for name in header)
        con.execute(
            insert.format(record=f"to_json(json_object({pairs}))", only_file="and _file = ?"),
            [table, loaded_at, path],
        )


def _quarantine_blank_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    blank_lines: dict[str, list[int]],
    loaded_at: datetime,
) -> None:
    """Write one quarantine row per empty CSV line, so the file's accounting includes it.

    The row has no `_row_number`, because data rows are numbered without the empty lines;
    `field` is `_line` and `value` the line number in the file.
    """
    rows = [
        (table, path, str(line), loaded_at) for path, lines in blank_lines.items() for line in lines
    ]
    if rows:
        con.executemany(
            "insert into quarantine.rejected_rows "
            "select ?, ?, null, '_line', ?, 'blank line', null, null, ?::timestamptz",
            rows,
        )


def _record_ledger(
    con: duckdb.DuckDBPyConnection,
    table: str,
    pending: dict[str, str],
    blank_lines: dict[str, list[int]],
    loaded_at: datetime,
    report: LoadReport,
) -> None:
    """Count each file's rows where they landed, check the accounting and write the ledger.

    A file's rows_in is its staged rows plus its empty CSV lines.

    Raises:
        DataQualityError: rows_in differs from rows_loaded + rows_quarantined for a file.
    """
    blank_counts = [len(blank_lines.get(path, [])) for path in pending]
    con.execute(
        f"""
        create or replace temp table _ingest_counts as
        select files._file, files.content_hash,
            coalesce(staged.n, 0) + files.blank_lines as rows_in,
            coalesce(loaded.n, 0) as rows_loaded,
            coalesce(rejected.n, 0) as rows_quarantined
        from (
            select unnest(?) as _file, unnest(?) as content_hash, unnest(?) as blank_lines
        ) as files
        left join (select _file, count(*) as n from {CHECKED} group by _file) as staged
            on staged._file = files._file
        left join (
            select _file, count(*) as n from raw.{quote(table)} group by _file
        ) as loaded on loaded._file = files._file
        left join (
            select _file, count(*) as n from quarantine.rejected_rows
            where table_name = ? group by _file
        ) as rejected on rejected._file = files._file
        """,
        [list(pending), list(pending.values()), blank_counts, table],
    )
    counts = con.execute(
        "select _file, rows_in, rows_loaded, rows_quarantined from _ingest_counts"
    ).fetchall()
    for path, rows_in, rows_loaded, rows_quarantined in counts:
        if rows_in != rows_loaded + rows_quarantined:
            raise DataQualityError(
                f"{path}: rows_in {rows_in} != rows_loaded {rows_loaded} + rows_quarantined "
                f"{rows_quarantined} for raw.{table}; the load was rolled back"
            )
        report.rows_in += rows_in
        report.rows_loaded += rows_loaded
        report.rows_quarantined += rows_quarantined
    con.execute(
        "insert into raw.load_ledger select ?, _file, content_hash, rows_in, rows_loaded, "
        "rows_quarantined, ?::timestamptz from _ingest_counts",
        [table, loaded_at],
    )
    con.execute("drop table _ingest_counts")


def _first_reasons(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> list[str]:
    rows = con.execute(
        """
        select field || ': ' || split_part(reason, ', first seen', 1) as reason, min(_file)
        from quarantine.rejected_rows
        where table_name = ? and _file in (select unnest(?))
        group by 1 order by 2, 1 limit ?
        """,
        [table, paths, MAX_REASON_EXAMPLES],
    ).fetchall()
    return [row[0] for row in rows]


def raw_tables() -> dict[str, list[str]]:
    """Return each source's raw table names, in registry order."""
    return {name: [table.table for table in spec.tables] for name, spec in SOURCES.items()}
