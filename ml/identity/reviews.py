"""Reviewer decisions from the landing folder, turned into overrides for a warehouse run.

Reviewers decide queued pairs in CSV files in `landing/identity_reviews/`, and the loader
keeps their rows in `raw.identity_review_decisions` (see docs/identity-resolution.md). Every
identity run applies all of them, so a decision stays in effect on later runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Set
from dataclasses import dataclass

import pandas as pd

from ml.errors import InputFileError
from ml.identity.overrides import OVERRIDE_COLUMNS, load_overrides
from ml.identity.privacy import hash_key
from ml.identity.review import make_pair_id

logger = logging.getLogger(__name__)

REVIEW_DECISION_COLUMNS = ["pair_id", *OVERRIDE_COLUMNS, "_file", "_row_number"]
REVIEW_DECISIONS_TABLE = "identity_review_decisions"


@dataclass(frozen=True)
class ReviewDecisions:
    """Checked overrides and the count of decisions left out because a record was erased.

    Attributes:
        overrides: `OVERRIDE_COLUMNS`, one row per pair, record_id_l < record_id_r.
        erased: Decisions that name a record erased by an earlier run.
    """

    overrides: pd.DataFrame
    erased: int


def review_overrides(
    decisions: pd.DataFrame | None,
    record_ids: Set[str],
    erased_records: pd.DataFrame | None,
    salt: str,
) -> ReviewDecisions:
    """Check the loaded decisions and drop those that name an erased record.

    A record id that is not among `record_ids` but whose SHA-256 is on the erasure list
    (key_type `record_id`) was erased: its decision is left out and only counted, so the
    id is neither logged nor written anywhere. Any other unknown record id fails the run,
    as the command line's `--overrides` does.

    Args:
        decisions: Rows of `raw.identity_review_decisions` (all text), or None when no
            decision file was ever loaded.
        record_ids: Ids of the records this run resolves.
        erased_records: `identity.erased_records` of earlier runs, or None.
        salt: `IdentityConfig.id_salt`, which the queue's pair ids are hashed with.

    Returns:
        The overrides to pass to `resolve_people`, and the count of erased decisions.

    Raises:
        InputFileError: A pair_id that does not belong to the row's record ids, two rows
            giving one pair both decisions, or a cannot_link pair joined by must_link rows.
            The message names the landing file, its data row and the field.
        DataQualityError: A record id that is neither a current record nor erased.
    """
    if decisions is None or decisions.empty:
        return ReviewDecisions(load_overrides(None), 0)
    frame = decisions.reindex(columns=REVIEW_DECISION_COLUMNS)
    text_columns = ["pair_id", *OVERRIDE_COLUMNS]
    frame[text_columns] = frame[text_columns].fillna("").astype(str).apply(lambda c: c.str.strip())
    # The loader accepts the decision in any case, as it compares values lower-cased.
    frame["decision"] = frame["decision"].str.lower()
    _check_pair_ids(frame, salt)

    erased_hashes = _erased_record_hashes(erased_records)
    names_erased = pd.Series(False, index=frame.index)
    for column in ("record_id_l", "record_id_r"):
        unknown = ~frame[column].isin(record_ids)
        names_erased |= unknown & frame[column].map(hash_key).isin(erased_hashes)
    if names_erased.any():
        logger.warning(
            "identity reviews: left out %s decision(s) naming an erased record",
            int(names_erased.sum()),
        )
    # NOTE: a record deleted at its source is neither current nor erased, so its decisions
    # fail the run until a reviewer removes them (docs/known-shortcomings.md).
    overrides = load_overrides(frame[~names_erased].reset_index(drop=True), record_ids)
    return ReviewDecisions(overrides, int(names_erased.sum()))


def overrides_within(overrides: pd.DataFrame, record_ids: Set[str]) -> pd.DataFrame:
    """Keep the overrides whose two records are both among `record_ids`."""
    inside = overrides["record_id_l"].isin(record_ids) & overrides["record_id_r"].isin(record_ids)
    return overrides[inside].reset_index(drop=True)


def rows_with_erased_record_id(rows: pd.DataFrame, erased: pd.DataFrame) -> pd.Series:
    """Mark rejected review decision rows whose record ids include an erased record id.

    Args:
        rows: `table_name`, `value` and `record` of rows of `quarantine.rejected_rows`; the
            record of a CSV row is a JSON object of the file's header.
        erased: Erasure list rows with key_type and key_sha256 (`erased_keys`).

    Returns:
        A boolean Series on the index of `rows`, true only for rows of
        `REVIEW_DECISIONS_TABLE`.
    """
    hashes = _erased_record_hashes(erased)
    columns = zip(rows["table_name"], rows["value"], rows["record"], strict=True)
    marked = [
        table == REVIEW_DECISIONS_TABLE
        and any(hash_key(record_id) in hashes for record_id in _record_ids(value, record))
        for table, value, record in columns
    ]
    return pd.Series(marked, index=rows.index, dtype=bool)


def _record_ids(value: object, record: object) -> set[str]:
    """Return the trimmed record ids of a rejected decision row and its rejected value."""
    found = {value.strip()} if isinstance(value, str) else set()
    try:
        parsed = json.loads(record) if isinstance(record, str) else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for field in ("record_id_l", "record_id_r"):
            if isinstance(parsed.get(field), str):
                found.add(parsed[field].strip())
    return found


def _erased_record_hashes(erased_records: pd.DataFrame | None) -> set[str]:
    if erased_records is None or erased_records.empty:
        return set()
    return set(erased_records.loc[erased_records["key_type"] == "record_id", "key_sha256"])


def _check_pair_ids(frame: pd.DataFrame, salt: str) -> None:
    """Raise when a row's pair_id is not the pair id of its two record ids."""
    columns = ["pair_id", "record_id_l", "record_id_r", "_file", "_row_number"]
    for pair_id, left, right, path, row in frame[columns].itertuples(index=False):
        if not pair_id or not left or not right:
            continue
        expected = make_pair_id(left, right, salt)
        if pair_id != expected:
            raise InputFileError(
                str(path),
                f"value {pair_id!r} is not the pair id of record ids ({left}, {right}), "
                f"expected {expected!r}. Copy pair_id, record_id_l and record_id_r from one "
                "row of identity.review_queue",
                row=int(row),
                field="pair_id",
            )
