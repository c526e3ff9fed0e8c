"""Reviewer decisions that force two records together (must-link) or apart (cannot-link)."""

from __future__ import annotations

import io
from collections.abc import Set
from pathlib import Path
from typing import Any

import pandas as pd

from ml.errors import DataQualityError, InputFileError
from ml.parsing import csv_row_lines

OVERRIDE_COLUMNS = ["record_id_l", "record_id_r", "decision", "reason", "decided_by"]
DECISIONS = frozenset({"must_link", "cannot_link"})


def load_overrides(
    overrides: pd.DataFrame | str | Path | None, record_ids: Set[str] | None = None
) -> pd.DataFrame:
    """Read and check override decisions from a frame or a CSV file.

    Each pair is stored with record_id_l < record_id_r. Messages name a CSV row by its line
    in the file, so the header is row 1 and blank lines count; a frame's first row is row 2,
    as if the frame had been written to CSV. A frame with `_file` and `_row_number` columns
    (rows of a raw table) is named by those instead, so a message names the landing file
    and its data row, counted from 1 after the header as in the raw table.

    Args:
        overrides: Decisions as a frame, a CSV path, or None for no decisions.
        record_ids: The input records' ids; when given, every record id of a decision
            must be among them.

    Raises:
        InputFileError: The CSV is missing or empty, lacks a column, has an unknown
            decision, a blank record id or a pair of one record with itself, or gives one
            pair both decisions.
        DataQualityError: A decision names a record id that is not in `record_ids`.
    """
    if overrides is None:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in OVERRIDE_COLUMNS})
    if isinstance(overrides, pd.DataFrame):
        frame, where = overrides.copy(), "overrides frame"
        rows = list(range(2, len(frame) + 2))
        if {"_file", "_row_number"} <= set(frame.columns):
            rows = frame["_row_number"].astype(int).tolist()
    else:
        frame, where, rows = _read_csv(Path(overrides))
    files = frame["_file"].astype(str).tolist() if "_file" in frame.columns else [where] * len(rows)

    missing = [column for column in OVERRIDE_COLUMNS if column not in frame.columns]
    if missing:
        raise InputFileError(where, f"missing column(s) {missing}, expected {OVERRIDE_COLUMNS}")
    frame = frame[OVERRIDE_COLUMNS].fillna("").astype(str).apply(lambda column: column.str.strip())
    for file, row_number, row in zip(files, rows, frame.itertuples(index=False), strict=True):
        _check_row(row, file, row_number, record_ids)

    left, right = frame["record_id_l"], frame["record_id_r"]
    frame["record_id_l"], frame["record_id_r"] = (
        left.where(left < right, right),
        right.where(left < right, left),
    )
    frame["_file"], frame["_row"] = files, rows
    frame = frame.drop_duplicates(["record_id_l", "record_id_r", "decision"], keep="last")
    conflicts = frame[frame.duplicated(["record_id_l", "record_id_r"], keep=False)]
    if not conflicts.empty:
        first = conflicts.iloc[0]
        other = conflicts[
            (conflicts["record_id_l"] == first.record_id_l)
            & (conflicts["record_id_r"] == first.record_id_r)
        ].iloc[1]
        rows_text = f"rows {first._row} and {other._row}"
        if other._file != first._file:
            rows_text = f"row {first._row} and {other._file}, row {other._row},"
        raise InputFileError(
            first._file,
            f"{rows_text} give pair ({first.record_id_l}, "
            f"{first.record_id_r}) both must_link and cannot_link; keep one decision",
            field="decision",
        )
    _raise_on_split_must_links(frame)
    return frame[OVERRIDE_COLUMNS].reset_index(drop=True)


def _raise_on_split_must_links(frame: pd.DataFrame) -> None:
    """Raise when a cannot_link pair is joined by a chain of must_link decisions.

    Clustering honours cannot-links through other records, so such a chain would silently
    drop one of the reviewer's must_link decisions.
    """
    parent: dict[str, str] = {}

    def find(record_id: str) -> str:
        parent.setdefault(record_id, record_id)
        while parent[record_id] != record_id:
            parent[record_id] = parent[parent[record_id]]
            record_id = parent[record_id]
        return record_id

    must = frame[frame["decision"] == "must_link"]
    for left, right in zip(must["record_id_l"], must["record_id_r"], strict=True):
        parent[find(left)] = find(right)
    cannot = frame[frame["decision"] == "cannot_link"]
    columns = [cannot[name] for name in ("record_id_l", "record_id_r", "_file", "_row")]
    for left, right, path, row_number in zip(*columns, strict=True):
        group = find(left)
        if group != find(right):
            continue
        joining = must[must["record_id_l"].map(find) == group].sort_values(["_file", "_row"])
        # Rows of the cannot_link row's own file are named by number, others with their file.
        names = [
            str(number) if file == path else f"{number} of {file}"
            for file, number in zip(joining["_file"], joining["_row"], strict=True)
        ]
        raise InputFileError(
            path,
            f"pair ({left}, {right}) is cannot_link, but the must_link rows "
            f"{', '.join(names)} join them through other records. Remove one of these "
            "decisions",
            row=row_number,
            field="decision",
        )


def _read_csv(path: Path) -> tuple[pd.DataFrame, str, list[int]]:
    """Read an overrides CSV as text columns, with the file line each data row starts on."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise InputFileError(where, "the file does not exist") from error
    except UnicodeDecodeError as error:
        raise InputFileError(
            where, f"the file is not valid UTF-8 ({error.reason} at byte {error.start})"
        ) from error
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as error:
        raise InputFileError(
            where, f"the file is empty, expected the header {','.join(OVERRIDE_COLUMNS)}"
        ) from error
    except pd.errors.ParserError as error:
        raise InputFileError(where, f"the file is not valid CSV: {error}") from error
    return frame, where, _row_lines(text, len(frame))


def _row_lines(text: str, rows: int) -> list[int]:
    """Return the file line each data row starts on, skipping lines pandas skips."""
    starts = csv_row_lines(text)
    # NOTE: when the csv module and pandas count different rows (malformed quoting, say),
    # rows are numbered from line 2 as if the file had no blank lines.
    return starts if len(starts) == rows else list(range(2, rows + 2))


def _check_row(row: Any, where: str, row_number: int, record_ids: Set[str] | None) -> None:
    """Raise on an unknown decision, a blank record id, a self pair or an unknown record id."""
    if row.decision not in DECISIONS:
        raise InputFileError(
            where,
            f"value {row.decision!r} is invalid, expected one of {sorted(DECISIONS)}",
            row=row_number,
            field="decision",
        )
    for field in ("record_id_l", "record_id_r"):
        if not getattr(row, field):
            raise InputFileError(where, "record id is blank", row=row_number, field=field)
    if row.record_id_l == row.record_id_r:
        raise InputFileError(
            where,
            f"value {row.record_id_r!r} is the same record as record_id_l, expected a pair "
            "of two records",
            row=row_number,
            field="record_id_r",
        )
    if record_ids is None:
        return
    for field in ("record_id_l", "record_id_r"):
        if getattr(row, field) not in record_ids:
            raise DataQualityError(
                f"{where}, row {row_number}, field {field!r}: record id "
                f"{getattr(row, field)!r} is not found in the input records; correct or "
                "remove this override row (for a landing file, edit the file: the rows of a "
                "deleted file stay loaded)"
            )
