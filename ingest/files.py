"""Finding a source's files in the landing folder, hashing them and checking their encoding.

Files are UTF-8, with or without a byte order mark. Any other encoding (Latin-1, Windows-1252,
UTF-16) is rejected with the line and column of the first byte that is not UTF-8, because
guessing between single-byte encodings silently changes names and amounts.
"""

import codecs
import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from ingest.registry import FilePattern, SourceSpec, TableSpec
from ml.errors import InputFileError

logger = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One file to load, on disk or inside a zip archive.

    Attributes:
        rel_path: Path relative to the landing folder, stored as `_file`. A member of a zip
            archive is written `<archive path>/<member path>`.
        reader: Name of the reader that parses it.
        disk_path: The file on disk, or None for a zip member.
        archive: The zip archive on disk holding the member, or None.
        member: The member's name inside the archive, or None.
    """

    rel_path: str
    reader: str
    disk_path: Path | None = None
    archive: Path | None = None
    member: str | None = None

    def read_bytes(self) -> bytes:
        """Read the whole file."""
        if self.disk_path is not None:
            return self.disk_path.read_bytes()
        assert self.archive is not None
        assert self.member is not None
        with zipfile.ZipFile(self.archive) as archive:
            return archive.read(self.member)

    def iter_chunks(self) -> Iterator[bytes]:
        """Read the file in chunks of at most `CHUNK_BYTES`."""
        if self.disk_path is None:
            yield self.read_bytes()
            return
        with self.disk_path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk


def _matches(pattern: str, rel_path: str) -> bool:
    pattern_parts = PurePosixPath(pattern).parts
    path_parts = PurePosixPath(rel_path).parts
    if len(pattern_parts) != len(path_parts):
        return False
    return all(
        fnmatchcase(part, glob) for part, glob in zip(path_parts, pattern_parts, strict=True)
    )


def _match_table(source: SourceSpec, rel_path: str) -> tuple[TableSpec, FilePattern] | None:
    for table in source.tables:
        for file_pattern in table.files:
            if _matches(file_pattern.pattern, rel_path):
                return table, file_pattern
    return None


def _zip_members(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as handle:
        return [name for name in handle.namelist() if not name.endswith("/")]


def discover_files(landing_dir: Path, source: SourceSpec) -> dict[str, list[SourceFile]] | None:
    """Find the files of each raw table of a source.

    Args:
        landing_dir: The landing folder.
        source: The source to look for.

    Returns:
        Raw table name to its files in path order (every table of the source appears, with
        an empty list when no file matches), or None when the source's subfolder is absent.
    """
    folder = landing_dir / source.folder
    if not folder.is_dir():
        return None
    found: dict[str, list[SourceFile]] = {table.table: [] for table in source.tables}
    unmatched: list[str] = []
    for path in _visible_files(folder):
        inner = path.relative_to(folder).as_posix()
        rel_path = path.relative_to(landing_dir).as_posix()
        if source.zip_exports and path.suffix.lower() == ".zip":
            found_in_zip = _discover_zip(source, path, rel_path)
            for table_name, files in found_in_zip.items():
                found[table_name].extend(files)
            continue
        match = _match_table(source, inner)
        if match is None:
            unmatched.append(rel_path)
            continue
        table, file_pattern = match
        found[table.table].append(SourceFile(rel_path, file_pattern.reader, disk_path=path))
    if unmatched:
        # Names are matched case-sensitively and by folder depth, so "X.CSV" or a file in a
        # subfolder is not loaded. Saying so keeps such a file from vanishing unnoticed.
        logger.warning(
            "%s file(s) in %s/ match no file pattern of source %s and are not loaded: %s; "
            "expected %s",
            len(unmatched),
            source.folder,
            source.name,
            ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else ""),
            ", ".join(
                sorted({pattern.pattern for table in source.tables for pattern in table.files})
            ),
        )
    return found


def _visible_files(folder: Path) -> list[Path]:
    """List files under a folder in path order, leaving out hidden files and folders."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def snapshot_landing(landing_dir: Path, folders: list[str]) -> dict[str, list[int]]:
    """Return `[modification time in ns, size in bytes]` per visible file of the given folders.

    Args:
        landing_dir: The landing folder.
        folders: Source subfolders to scan; absent ones are skipped.

    Returns:
        Path relative to the landing folder to its modification time and size.
    """
    snapshot: dict[str, list[int]] = {}
    for name in folders:
        folder = landing_dir / name
        if not folder.is_dir():
            continue
        for path in _visible_files(folder):
            stat = path.stat()
            snapshot[path.relative_to(landing_dir).as_posix()] = [stat.st_mtime_ns, stat.st_size]
    return snapshot


def _discover_zip(source: SourceSpec, archive: Path, rel_path: str) -> dict[str, list[SourceFile]]:
    found: dict[str, list[SourceFile]] = {table.table: [] for table in source.tables}
    names = _zip_members(archive)
    parts = [PurePosixPath(name).parts for name in names]
    wrapped = len({p[0] for p in parts}) == 1 and all(len(p) > 1 for p in parts)
    for name in sorted(names):
        inner = PurePosixPath(*PurePosixPath(name).parts[1:]).as_posix() if wrapped else name
        match = _match_table(source, inner)
        if match is not None:
            table, file_pattern = match
            found[table.table].append(
                SourceFile(f"{rel_path}/{name}", file_pattern.reader, archive=archive, member=name)
            )
    return found


def file_sha256(source_file: SourceFile) -> str:
    """Return the SHA-256 of the file's bytes, whatever their encoding."""
    digest = hashlib.sha256()
    for chunk in source_file.iter_chunks():
        digest.update(chunk)
    return digest.hexdigest()


def hash_and_check_utf8(source_file: SourceFile, required: Collection[str] = ()) -> str:
    """Return the file's SHA-256 and check that it decodes as UTF-8.

    Args:
        source_file: The file to read.
        required: Columns a CSV header must contain before the error names one of its
            columns as the field.

    Raises:
        InputFileError: The file contains bytes that are not UTF-8. The message gives the line
            (as row), the byte offset, the CSV column where it can tell and how to convert the
            file, but not the bytes themselves.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    decoded_tail = ""
    lines_before = 0
    for chunk in source_file.iter_chunks():
        digest.update(chunk)
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            _raise_undecodable(
                source_file, chunk, error, offset, lines_before, decoded_tail, required
            )
        lines_before += text.count("\n")
        decoded_tail = (decoded_tail + text)[-65536:]
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise InputFileError(
            source_file.rel_path,
            f"the file ends inside a multi-byte UTF-8 sequence ({error.reason}); "
            "the file is truncated or not UTF-8",
        ) from error
    return digest.hexdigest()


def _raise_undecodable(
    source_file: SourceFile,
    chunk: bytes,
    error: UnicodeDecodeError,
    offset: int,
    lines_before: int,
    decoded_tail: str,
    required: Collection[str],
) -> None:
    if offset == 0 and chunk[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise InputFileError(
            source_file.rel_path,
            "the file starts with a UTF-16 byte order mark; expected UTF-8 with or without a "
            "byte order mark. Convert the file, for example `iconv -f utf-16 -t utf-8`, and "
            "load it again",
            row=0 if source_file.reader == "csv" else 1,
        ) from error
    good_prefix = chunk[: error.start].decode("utf-8", errors="replace")
    line = lines_before + good_prefix.count("\n") + 1
    line_start = (decoded_tail + good_prefix).rsplit("\n", 1)[-1]
    is_csv = source_file.reader == "csv"
    field = _csv_field_at(source_file, line_start, required) if is_csv else None
    row = line - 1 if is_csv else line
    # The message leaves out the bytes: it is stored in quarantine.rejected_files and Dagster's
    # event log, and bytes of a name or an email would survive an erasure there.
    raise InputFileError(
        source_file.rel_path,
        f"the byte at offset {offset + error.start} (line {line}) is not valid UTF-8 "
        f"({error.reason}); expected UTF-8 with or without a byte order mark. Convert the file "
        "from its encoding, for example `iconv -f latin1 -t utf-8` for Latin-1, and load it "
        "again",
        row=row,
        field=field,
    ) from error


def _csv_field_at(
    source_file: SourceFile, line_prefix: str, required: Collection[str]
) -> str | None:
    """Name the CSV column that a partial line has reached, from the file's header.

    Returns None unless the header contains every `required` column, because the first
    line of a file without a header is a data row and its values must not become a field.
    """
    header = read_csv_header(source_file.disk_path) if source_file.disk_path else None
    if not header or not set(required) <= set(header):
        return None
    position = len(next(csv.reader([line_prefix]), [""])) - 1
    return header[position] if 0 <= position < len(header) else None


def read_csv_header(path: Path) -> list[str] | None:
    """Read a CSV file's header row, or None when the file is empty."""
    with path.open("rb") as handle:
        raw = handle.read(1024 * 1024)
    text = raw.decode("utf-8-sig", errors="replace")
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        return next(rows, None)
    except csv.Error:
        # The header itself is garbled (an undecodable file); the caller then names no column.
        return None


# Byte pairs that end an empty line. A file without any of them has no blank line.
BLANK_LINE_MARKS = (b"\n\n", b"\n\r\n", b"\r\r")


def blank_csv_lines(path: Path, columns: int) -> list[int]:
    """Return the line numbers (1-based) of empty lines that DuckDB's CSV reader skips.

    DuckDB 2.0 drops an empty line outside quotes when the header has two or more columns.
    With a one-column header it reads the line as a row of NULLs, so such files list none.
    Empty lines inside a quoted field are part of the field and are not listed.
    """
    if columns < 2 or not _may_have_blank_line(path):
        return []
    # A quoted field may be longer than the csv module's default limit of 131,072 characters.
    previous_limit = csv.field_size_limit(2**31 - 1)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            next(rows, None)
            return [rows.line_num for row in rows if not row]
    finally:
        csv.field_size_limit(previous_limit)


def _may_have_blank_line(path: Path) -> bool:
    """Scan the bytes for an empty line without parsing, so most files are read only once."""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            window = tail + chunk
            if any(mark in window for mark in BLANK_LINE_MARKS):
                return True
            tail = chunk[-2:]
    return False
