"""Command line: resolve any CSV of person records into clusters.

Example:
    python -m ml.identity resolve people.csv \
        --map record_id=rec_id,first_name=given_name,last_name=surname \
        --out clusters.csv
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ml.errors import CommunityRevenueError, ConfigurationError, InputFileError
from ml.identity.config import IdentityConfig
from ml.identity.prepare import EXTRA_COLUMNS, PERSON_COLUMNS, check_records, prepare_records
from ml.identity.resolve import resolve_people
from ml.identity.settings import build_comparisons, present_columns
from ml.parsing import csv_row_lines

logger = logging.getLogger(__name__)

TARGET_COLUMNS = ("record_id", "source", *PERSON_COLUMNS, *EXTRA_COLUMNS)
# Target columns no comparison reads: ids, provenance and the training window.
NOT_COMPARED = frozenset({"record_id", "source", "source_record_id", "first_seen_at"})


def parse_mapping(text: str | None) -> dict[str, str]:
    """Parse `target=source,...` into a map from our column name to the CSV's.

    Raises:
        ConfigurationError: An entry lacks `=`, or names a target column we do not know.
    """
    mapping: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        target, equals, source = entry.partition("=")
        if not equals or not target.strip() or not source.strip():
            raise ConfigurationError(
                f"--map entry {entry!r} is invalid, expected TARGET=CSV_COLUMN"
            )
        if target.strip() not in TARGET_COLUMNS:
            raise ConfigurationError(
                f"--map target {target.strip()!r} is unknown, expected one of "
                f"{', '.join(TARGET_COLUMNS)}"
            )
        mapping[target.strip()] = source.strip()
    return mapping


def read_person_csv(path: str | Path, mapping: dict[str, str]) -> pd.DataFrame:
    """Read a CSV, rename its columns to the resolver's names and check the records.

    Columns already named like ours need no mapping. A missing record_id becomes the
    row number, and a missing source becomes the file name without extension. Messages
    name rows as `data row N (line L)`: data rows count from 1 after the header and
    skip empty lines, like the loaders in ingest/, and L is the file line the row starts on.

    Raises:
        InputFileError: The file is missing, empty, not UTF-8 or not CSV.
        ConfigurationError: A mapped CSV column does not exist in the file, or no column
            contains a field the resolver compares.
        DataQualityError: A record_id is empty or repeated, or a first_seen_at is not a date.
    """
    source_path = Path(path)
    text = _read_text(source_path)
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, skipinitialspace=True, keep_default_na=False
        )
    except pd.errors.EmptyDataError as error:
        raise InputFileError(
            str(source_path), "the file is empty, expected a header line and data rows"
        ) from error
    except pd.errors.ParserError as error:
        raise InputFileError(str(source_path), f"the file is not valid CSV: {error}") from error
    frame = frame.replace("", None)
    missing = sorted(set(mapping.values()) - set(frame.columns))
    if missing:
        raise ConfigurationError(
            f"{source_path}: --map names column(s) {missing} that the file lacks; its "
            f"columns are {list(frame.columns)}"
        )
    records = pd.DataFrame(
        {target: frame[column] for target, column in mapping.items()}, index=frame.index
    )
    for column in TARGET_COLUMNS:
        if column not in records.columns and column in frame.columns:
            records[column] = frame[column]
    if "record_id" not in records.columns:
        records["record_id"] = [str(n) for n in range(1, len(frame) + 1)]
    if "source" not in records.columns:
        records["source"] = source_path.stem
    check_records(records, str(source_path), _row_names(text, len(frame)))
    if not records.empty:
        _check_comparable(source_path, records, list(frame.columns))
    return records


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise InputFileError(str(path), "the file does not exist") from error
    except OSError as error:
        raise InputFileError(str(path), f"the file cannot be read: {error.strerror}") from error
    # Strip the byte order mark here rather than decode as utf-8-sig, whose error offsets
    # leave out the mark.
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    body = data[skipped:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        bad_bytes = body[error.start : error.start + 4]
        raise InputFileError(
            str(path),
            f"the byte at offset {skipped + error.start} ({bad_bytes!r}, line {line}) is not valid "
            "UTF-8; expected UTF-8 with or without a byte order mark. Convert the file, for "
            "example `iconv -f latin1 -t utf-8` for Latin-1",
        ) from error


def _row_names(text: str, rows: int) -> list[str]:
    """Name each data row `data row N (line L)`, or `data row N` if the lines are unknown."""
    starts = csv_row_lines(text)
    if len(starts) != rows:
        return [f"data row {n}" for n in range(1, rows + 1)]
    return [f"data row {n} (line {start})" for n, start in enumerate(starts, start=1)]


def _check_comparable(path: Path, records: pd.DataFrame, columns: list[str]) -> None:
    """Fail before Splink runs when no column contains a field the model compares."""
    prepared = prepare_records(records)
    if not build_comparisons(present_columns(prepared)):
        comparable = [c for c in TARGET_COLUMNS if c not in NOT_COMPARED]
        raise ConfigurationError(
            f"{path}: no column contains a field the resolver compares; the file's columns are "
            f"{columns}, expected at least one of {', '.join(comparable)} with values. Name "
            "the columns so, or pass --map TARGET=CSV_COLUMN, for example "
            "--map email=mail,first_name=given_name"
        )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml.identity")
    commands = parser.add_subparsers(dest="command", required=True)
    resolve = commands.add_parser("resolve", help="cluster a CSV of person records")
    resolve.add_argument("input", type=Path, help="CSV file with one person record a row")
    resolve.add_argument(
        "--map",
        dest="mapping",
        help="TARGET=CSV_COLUMN pairs separated by commas, for example "
        "record_id=rec_id,first_name=given_name; targets: " + ", ".join(TARGET_COLUMNS),
    )
    resolve.add_argument("--out", type=Path, required=True, help="CSV file to write clusters to")
    resolve.add_argument(
        "--threshold",
        type=float,
        default=IdentityConfig().match_threshold,
        help="match probability to join records",
    )
    resolve.add_argument("--overrides", type=Path, help="must_link / cannot_link CSV")
    resolve.add_argument(
        "--model", type=Path, help="model JSON to reuse, or to write when it does not exist"
    )
    resolve.add_argument("--seed", type=int, default=42, help="seed for u sampling")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    arguments = _build_parser().parse_args(argv)
    try:
        records = read_person_csv(arguments.input, parse_mapping(arguments.mapping))
        low = min(0.5, arguments.threshold)
        config = IdentityConfig(
            match_threshold=arguments.threshold,
            review_band=(low, max(arguments.threshold, low + 1e-9)),
            seed=arguments.seed,
        )
        result = resolve_people(
            records, config, overrides=arguments.overrides, model_path=arguments.model
        )
    except CommunityRevenueError as error:
        logger.error("%s", error)
        return 2
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    result.clusters.to_csv(arguments.out, index=False)
    summary = {k: v for k, v in result.metrics.items() if k != "model"}
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
