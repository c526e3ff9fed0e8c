"""Weighted channel paths, the input of the channel-level models.

A path is the ordered tuple of channels a journey touched before it converted (or, for a
non-converting journey, in its window). Identical paths are stored once with their counts, as
in the common aggregated format (`path`, `total_conversions`, `total_conversion_value`,
`total_null`).
"""

import codecs
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ml.errors import InputFileError
from ml.parsing import csv_row_lines

logger = logging.getLogger(__name__)

PATH_FILE_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")


@dataclass(frozen=True)
class PathTable:
    """Distinct channel paths with the number of conversions, their value and non-conversions.

    Attributes:
        paths: Ordered channel tuples, one per row.
        conversions: Number of journeys on each path that converted.
        values: Conversion value (revenue) of each path.
        nulls: Number of journeys on each path that did not convert.
    """

    paths: tuple[tuple[str, ...], ...]
    conversions: np.ndarray
    values: np.ndarray
    nulls: np.ndarray

    def channels(self) -> list[str]:
        """Return the sorted distinct channels on all paths."""
        return sorted({channel for path in self.paths for channel in path})

    def aggregate(self) -> "PathTable":
        """Return the table with identical paths merged and empty paths dropped."""
        frame = pd.DataFrame(
            {
                "path": list(self.paths),
                "conversions": self.conversions,
                "values": self.values,
                "nulls": self.nulls,
            }
        )
        frame = frame[frame["path"].map(len) > 0]
        grouped = frame.groupby("path", sort=True).sum()
        return PathTable(
            paths=tuple(grouped.index),
            conversions=grouped["conversions"].to_numpy(dtype=float),
            values=grouped["values"].to_numpy(dtype=float),
            nulls=grouped["nulls"].to_numpy(dtype=float),
        )


def build_path_table(
    converting: Sequence[tuple[str, ...]],
    non_converting: Sequence[tuple[str, ...]],
    values: Sequence[float] | None = None,
) -> PathTable:
    """Build an aggregated table from one path per converting and per non-converting journey.

    Args:
        converting: One channel tuple per conversion.
        non_converting: One channel tuple per journey without a conversion.
        values: Revenue of each conversion, aligned with `converting`; zeros when omitted.

    Returns:
        The aggregated path table.
    """
    n_conv = len(converting)
    n_null = len(non_converting)
    conversion_values = np.zeros(n_conv) if values is None else np.asarray(values, dtype=float)
    table = PathTable(
        paths=tuple(converting) + tuple(non_converting),
        conversions=np.concatenate([np.ones(n_conv), np.zeros(n_null)]),
        values=np.concatenate([conversion_values, np.zeros(n_null)]),
        nulls=np.concatenate([np.zeros(n_conv), np.ones(n_null)]),
    )
    return table.aggregate()


def split_path(text: str, separator: str = ">") -> tuple[str, ...]:
    """Split `a > b > c` into `("a", "b", "c")`, dropping blank steps."""
    return tuple(step.strip() for step in str(text).split(separator) if step.strip())


def read_path_file(path: str | Path, sep: str = ",", path_separator: str = ">") -> pd.DataFrame:
    """Read a journey file in the aggregated path format and check it.

    Args:
        path: CSV file with columns `path`, `total_conversions`, `total_conversion_value`
            (optional) and `total_null` (optional).
        sep: Column separator of the CSV file.
        path_separator: Separator between the channels inside `path`.

    Returns:
        One row per input row with `path` (tuple of channels), `total_conversions`,
        `total_conversion_value` and `total_null` as floats.

    Raises:
        InputFileError: The file is empty or unreadable, or no row has a path or a
            conversion. The header repeats a column or lacks a required one. The first data
            row has more fields than the header. A count is not a finite non-negative
            number. Rows are numbered as in `ingest/`: data row 1 is the first line after
            the header that is not empty, and the error names the row's line too.
    """
    try:
        # Every value is read as text and only an empty field is missing, so that a channel
        # named "NA" or "null" stays a channel and a count of "True" is not read as 1.
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
        header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str).iloc[0].tolist()
    except pd.errors.EmptyDataError as error:
        raise InputFileError(
            str(path),
            f"the file is empty; expected a header line with the columns {list(PATH_FILE_COLUMNS)}",
        ) from error
    except UnicodeDecodeError as error:
        raise InputFileError(str(path), _describe_undecodable_byte(path)) from error
    except (OSError, pd.errors.ParserError) as error:
        raise InputFileError(
            str(path), f"cannot be read as CSV with sep {sep!r}: {error}"
        ) from error
    _check_layout(frame, header, path)
    for column in ("path", "total_conversions"):
        if column not in frame.columns:
            raise InputFileError(
                str(path),
                f"column {column!r} is missing; found {list(frame.columns)}. Expected the columns "
                f"{list(PATH_FILE_COLUMNS)} (pass --sep if the file is not comma-separated)",
            )
    for column in ("total_conversion_value", "total_null"):
        if column not in frame.columns:
            frame[column] = 0.0
    for column in PATH_FILE_COLUMNS[1:]:
        _check_counts(frame, column, path, sep)
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["path"] = frame["path"].fillna("").map(lambda text: split_path(text, path_separator))
    empty = frame["path"].map(len) == 0
    if empty.any():
        _warn_empty_paths(frame[empty], path)
        frame = frame[~empty]
    if frame.empty:
        raise InputFileError(
            str(path), "the file has no data row with a path; expected rows like `a > b,1`"
        )
    if not (frame["total_conversions"] > 0).any():
        raise InputFileError(
            str(path), "total_conversions is 0 on every row, so there is no conversion to attribute"
        )
    return frame.reset_index(drop=True)[list(PATH_FILE_COLUMNS)]


def _describe_undecodable_byte(path: str | Path) -> str:
    """Locate the first byte that is not UTF-8, because pandas' error gives a buffer offset."""
    data = Path(path).read_bytes()
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        data[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        line = data[:offset].count(b"\n") + 1
        return (
            f"the byte at offset {offset} (line {line}) is not valid UTF-8; expected UTF-8 with "
            "or without a byte order mark. Convert the file, for example `iconv -f latin1 -t "
            "utf-8` for Latin-1"
        )
    return "the file is not valid UTF-8"


def _check_layout(frame: pd.DataFrame, header: list[str], path: str | Path) -> None:
    """Reject a header that repeats a name and a first data row longer than the header."""
    repeated = [name for index, name in enumerate(header) if name in header[:index]]
    if repeated:
        raise InputFileError(
            str(path),
            f"the header names column {repeated[0]!r} twice; expected each column once",
            field=repeated[0],
        )
    # pandas reads the first field of every row as the index when the first data row has
    # one field more than the header, which shifts every value one column to the left.
    if not isinstance(frame.index, pd.RangeIndex):
        raise InputFileError(
            str(path),
            f"line 2 has more fields than the header ({len(header)} columns); check --sep "
            "and the quoting of `path`",
            row=1,
        )


def _check_counts(frame: pd.DataFrame, column: str, path: str | Path, sep: str) -> None:
    numbers = pd.to_numeric(frame[column], errors="coerce")
    bad = numbers.isna() | (numbers < 0) | np.isinf(numbers)
    if not bad.any():
        return
    index = int(np.flatnonzero(bad.to_numpy())[0])
    raw = frame[column].iloc[index]
    if pd.isna(raw) or not str(raw).strip():
        problem = "the value is empty"
    else:
        problem = f"value {raw!r} is not a finite non-negative number"
    raise InputFileError(
        str(path),
        f"{problem}{_describe_line(path, sep, index)}",
        row=index + 1,
        field=column,
    )


def _describe_line(path: str | Path, sep: str, index: int) -> str:
    """Name the file line that data row `index` (0-based) starts on, past blank lines."""
    # pandas treats a separator longer than one character as a regular expression, which
    # `csv.reader` cannot follow, so such files get no line.
    if len(sep) != 1:
        return ""
    starts = csv_row_lines(Path(path).read_text(encoding="utf-8-sig"), delimiter=sep)
    if index >= len(starts):
        return ""
    return f" (line {starts[index]} of the file, counting the header line)"


def _warn_empty_paths(dropped: pd.DataFrame, path: str | Path, max_listed: int = 5) -> None:
    # Data rows are numbered from 1 after the header, as in the loaders under ingest/.
    rows = [int(index) + 1 for index in dropped.index[:max_listed]]
    more = f" and {len(dropped) - max_listed} more" if len(dropped) > max_listed else ""
    noun = "row" if len(dropped) == 1 else "rows"
    logger.warning(
        "%s: skipping %d %s with an empty path (%s %s%s). Their %g conversions, "
        "%g conversion value and %g non-conversions are dropped",
        path,
        len(dropped),
        noun,
        noun,
        ", ".join(str(row) for row in rows),
        more,
        dropped["total_conversions"].sum(),
        dropped["total_conversion_value"].sum(),
        dropped["total_null"].sum(),
    )


def path_table_from_frame(frame: pd.DataFrame) -> PathTable:
    """Turn the output of `read_path_file` into an aggregated `PathTable`."""
    table = PathTable(
        paths=tuple(frame["path"]),
        conversions=frame["total_conversions"].to_numpy(dtype=float),
        values=frame["total_conversion_value"].to_numpy(dtype=float),
        nulls=frame["total_null"].to_numpy(dtype=float),
    )
    return table.aggregate()
