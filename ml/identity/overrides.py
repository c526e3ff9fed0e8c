"""Reviewer decisions that force two records together (must-link) or apart (cannot-link)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ml.errors import DataQualityError, InputFileError

OVERRIDE_COLUMNS = ["record_id_l", "record_id_r", "decision", "reason", "decided_by"]
DECISIONS = frozenset({"must_link", "cannot_link"})


def load_overrides(overrides: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    """Read and check override decisions from a frame or a CSV file.

    Each pair is stored with record_id_l < record_id_r.

    Raises:
        InputFileError: The CSV lacks a column, has an unknown decision, a blank record id,
            or gives one pair both decisions.
    """
    if overrides is None:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in OVERRIDE_COLUMNS})
    if isinstance(overrides, pd.DataFrame):
        frame, where = overrides.copy(), "overrides frame"
    else:
        frame, where = pd.read_csv(overrides, dtype=str, keep_default_na=False), str(overrides)

    missing = [column for column in OVERRIDE_COLUMNS if column not in frame.columns]
    if missing:
        raise InputFileError(where, f"missing column(s) {missing}, expected {OVERRIDE_COLUMNS}")
    frame = frame[OVERRIDE_COLUMNS].astype(str).apply(lambda column: column.str.strip())
    for row_number, row in enumerate(frame.itertuples(index=False), start=2):
        if row.decision not in DECISIONS:
            raise InputFileError(
                where,
                f"value {row.decision!r} is invalid, expected one of {sorted(DECISIONS)}",
                row=row_number,
                field="decision",
            )
        for field in ("record_id_l", "record_id_r"):
            if not getattr(row, field) or getattr(row, field) == "nan":
                raise InputFileError(where, "record id is blank", row=row_number, field=field)

    left, right = frame["record_id_l"], frame["record_id_r"]
    frame["record_id_l"], frame["record_id_r"] = (
        left.where(left < right, right),
        right.where(left < right, left),
    )
    frame = frame.drop_duplicates(["record_id_l", "record_id_r", "decision"], keep="last")
    conflicts = frame[frame.duplicated(["record_id_l", "record_id_r"], keep=False)]
    if not conflicts.empty:
        first = conflicts.iloc[0]
        raise InputFileError(
            where,
            f"pair ({first.record_id_l}, {first.record_id_r}) is both must_link and "
            "cannot_link; keep one decision",
            field="decision",
        )
    return frame.reset_index(drop=True)


def check_override_records(overrides: pd.DataFrame, record_ids: set[str]) -> list[str]:
    """Return override record ids that are not among the input records."""
    mentioned = set(overrides["record_id_l"]) | set(overrides["record_id_r"])
    return sorted(mentioned - record_ids)


def raise_on_unknown_records(unknown: list[str]) -> None:
    """Raise when overrides refer to records that do not exist."""
    if unknown:
        raise DataQualityError(
            f"identity overrides: {len(unknown)} record id(s) not found in the input records, "
            f"for example {unknown[0]!r}; correct or remove those override rows"
        )
