"""Parsing of input columns, with errors that name the first bad row and its field."""

import csv
import io

import pandas as pd

from ml.errors import DataQualityError


def parse_times(
    values: pd.Series, where: str, field: str, expected: str, *, utc: bool = False
) -> pd.Series:
    """Parse `values` as times (as UTC with `utc`), naming the first row that is not a time.

    Args:
        values: The column to parse.
        where: The input named in the error, such as "monthly revenue input".
        field: The column's name, for the error.
        expected: What a valid value is, for the error.
        utc: Return tz-aware UTC times, reading naive ones as UTC.

    Raises:
        DataQualityError: A value is not a time, or the values do not parse together.
    """
    try:
        return pd.to_datetime(values, utc=utc)
    except (ValueError, TypeError) as error:
        for row, value in enumerate(values.tolist()):
            try:
                pd.Timestamp(value)
            except (ValueError, TypeError):
                raise DataQualityError(
                    f"{where}, row {row}, field {field!r}: invalid value {value!r}; "
                    f"expected {expected}"
                ) from error
        raise DataQualityError(
            f"{where}, field {field!r}: not readable as times ({error}); expected {expected}"
        ) from error


def csv_row_lines(text: str, delimiter: str = ",") -> list[int]:
    """Return the line of a CSV text that each data row starts on, as pandas reads the rows.

    pandas skips lines that are empty or only white space (but keeps `,`), and a quoted
    field may span lines, so the row number alone does not give the line. `delimiter` is a
    single character, as `csv.reader` takes it.
    """
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    line = reader.line_num
    for position, row in enumerate(reader):
        if position > 0 and (len(row) > 1 or (row and row[0].strip())):
            starts.append(line + 1)
        line = reader.line_num
    return starts
