"""Reviewer decisions from the landing folder, turned into overrides for a warehouse run.

Reviewers decide queued pairs in CSV files in `landing/identity_reviews/`, and the loader
keeps their rows in `raw.identity_review_decisions` (see docs/identity-resolution.md). Every
identity run applies all of them, so a decision stays in effect on later runs. A decision
whose record a source has since deleted is kept out of the run as stale, with its reason in
`identity.review_decisions`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Set
from dataclasses import dataclass

import pandas as pd

from ml.errors import DataQualityError, InputFileError
from ml.identity.overrides import OVERRIDE_COLUMNS, load_overrides
from ml.identity.privacy import hash_key
from ml.identity.review import make_pair_id

logger = logging.getLogger(__name__)

REVIEW_DECISION_COLUMNS = ["pair_id", *OVERRIDE_COLUMNS, "_file", "_row_number"]
REVIEW_DECISIONS_TABLE = "identity_review_decisions"
# Columns of `identity.review_decisions`: the decision row as loaded, then what the run did.
DECISION_STATUS_COLUMNS = [
    "_file",
    "_row_number",
    "pair_id",
    *OVERRIDE_COLUMNS,
    "status",
    "status_reason",
]
APPLIED = "applied"
STALE = "stale"


@dataclass(frozen=True)
class ReviewDecisions:
    """Checked overrides, the status of each decision row, and the count of erased ones.

    Attributes:
        overrides: `OVERRIDE_COLUMNS`, one row per pair, record_id_l < record_id_r.
        erased: Decisions that name a record erased by an earlier run.
        statuses: `DECISION_STATUS_COLUMNS`, one row per decision row that names no erased
            record, with status `applied` or `stale` (see `review_overrides`).
    """

    overrides: pd.DataFrame
    erased: int
    statuses: pd.DataFrame

    @property
    def stale(self) -> int:
        """Number of decision rows left out because their record is gone from its source."""
        return int((self.statuses["status"] == STALE).sum())


def review_overrides(
    decisions: pd.DataFrame | None,
    record_ids: Set[str],
    erased_records: pd.DataFrame | None,
    salt: str,
    earlier_record_ids: Set[str] = frozenset(),
) -> ReviewDecisions:
    """Check the loaded decisions, drop those naming an erased record, skip stale ones.

    A record id that is not among `record_ids` but whose SHA-256 is on the erasure list
    (key_type `record_id`) was erased: its decision is left out and only counted, so the
    id is neither logged nor written anywhere.

    Any other record id that is not among `record_ids` makes its decision stale when the
    record existed before. That is the case when an earlier identity run resolved it
    (`earlier_record_ids`), or when the row's pair_id matches its record ids, which only a
    pair copied from a review queue does. A source then deleted or changed the record, so
    the decision is skipped with a warning and a `stale` status instead of failing the run.
    A record id that meets neither condition was never a record (a typo, say) and fails the
    run, as the command line's `--overrides` does.

    Args:
        decisions: Rows of `raw.identity_review_decisions` (all text), or None when no
            decision file was ever loaded.
        record_ids: Ids of the records this run resolves.
        erased_records: `identity.erased_records` of earlier runs, or None.
        salt: `IdentityConfig.id_salt`, which the queue's pair ids are hashed with.
        earlier_record_ids: Record ids that earlier runs resolved or listed in
            `identity.review_decisions`.

    Returns:
        The overrides to pass to `resolve_people`, the count of erased decisions and the
        status of every other decision row.

    Raises:
        InputFileError: A pair_id that does not belong to the row's record ids, two rows
            giving one pair both decisions, or a cannot_link pair joined by must_link rows.
            The message names the landing file, its data row and the field.
        DataQualityError: A record id that is neither a current record, nor erased, nor
            resolved by an earlier run.
    """
    if decisions is None or decisions.empty:
        return ReviewDecisions(load_overrides(None), 0, _typed_statuses(pd.DataFrame()))
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
    not_erased = frame[~names_erased]
    stale_reasons = _stale_reasons(not_erased, record_ids, earlier_record_ids)
    stale = stale_reasons.notna()
    overrides = load_overrides(not_erased[~stale].reset_index(drop=True), record_ids)

    statuses = not_erased.assign(
        status=stale.map({True: STALE, False: APPLIED}), status_reason=stale_reasons
    )
    statuses = _typed_statuses(statuses)
    if stale.any():
        first = statuses[statuses["status"] == STALE].iloc[0]
        logger.warning(
            "identity reviews: skipped %s stale decision(s) naming a record that is no longer "
            "among the identity records; first %s, row %s: %s",
            int(stale.sum()),
            first["_file"],
            first["_row_number"],
            first["status_reason"],
        )
    return ReviewDecisions(overrides, int(names_erased.sum()), statuses)


def _stale_reasons(
    frame: pd.DataFrame, record_ids: Set[str], earlier_record_ids: Set[str]
) -> pd.Series:
    """Return why each decision row is stale, or None for a row to apply.

    Raises:
        DataQualityError: A record id that is not current and existed in no earlier run.
    """
    reasons: list[str | None] = []
    columns = ["pair_id", "record_id_l", "record_id_r", "_file", "_row_number"]
    for pair_id, left, right, path, row in frame[columns].itertuples(index=False):
        reason = None
        for field, record_id in (("record_id_l", left), ("record_id_r", right)):
            # A blank id is left to `load_overrides`, which rejects it with its own message.
            if not record_id or record_id in record_ids:
                continue
            if record_id in earlier_record_ids:
                found = (
                    f"{field} {record_id!r} is not among the identity records, but an earlier "
                    "run resolved it: its source deleted or changed the record"
                )
            elif pair_id:
                found = (
                    f"{field} {record_id!r} is not among the identity records, but the row's "
                    "pair_id shows that an earlier run queued the pair: its source deleted or "
                    "changed the record"
                )
            else:
                # NOTE: a record deleted before the last run, named without a pair_id by a
                # decision no run has listed yet, also ends here, like a typo.
                raise DataQualityError(
                    f"{path}, row {row}, field {field!r}: record id {record_id!r} is not found "
                    "in the input records, and no earlier identity run resolved it, so it is "
                    "not a record that a source deleted. Correct the id (copy it from "
                    "identity.review_queue) or remove the row from its file; deleting the "
                    "whole file is not enough, because the rows of a deleted file stay loaded"
                )
            reason = reason or found
        reasons.append(reason)
    return pd.Series(reasons, index=frame.index, dtype=object)


def _typed_statuses(frame: pd.DataFrame) -> pd.DataFrame:
    """Put decision statuses in `DECISION_STATUS_COLUMNS` order with text and integer types."""
    typed = frame.reindex(columns=DECISION_STATUS_COLUMNS)
    types = {column: "string" for column in DECISION_STATUS_COLUMNS}
    types["_row_number"] = "Int64"
    typed = typed.astype(types)
    return typed.sort_values(["_file", "_row_number"]).reset_index(drop=True)


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
