"""Review decisions from the raw table become overrides; erased records drop out, counted."""

import logging

import pandas as pd
import pytest

from ml.errors import DataQualityError, InputFileError
from ml.identity.privacy import hash_key
from ml.identity.review import make_pair_id
from ml.identity.reviews import overrides_within, review_overrides, rows_with_erased_record_id

RECORDS = {"hubspot:1", "slack:U1", "events:r1", "product:s1", "github:jd"}
SALT = "test-salt"


def _raw(*rows: tuple[str, str, str], file: str = "identity_reviews/d.csv") -> pd.DataFrame:
    """Rows as the loader writes them: text columns plus the file and its data row."""
    return pd.DataFrame(
        {
            "record_id_l": [row[0] for row in rows],
            "record_id_r": [row[1] for row in rows],
            "decision": [row[2] for row in rows],
            "reason": [None] * len(rows),
            "decided_by": ["ana"] * len(rows),
            "_file": [file] * len(rows),
            "_row_number": list(range(1, len(rows) + 1)),
        }
    )


def _erased(*record_ids: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key_type": ["record_id"] * len(record_ids),
            "key_sha256": [hash_key(record_id) for record_id in record_ids],
        }
    )


def test_no_decisions_give_empty_overrides() -> None:
    reviews = review_overrides(None, RECORDS, None, SALT)

    assert reviews.overrides.empty
    assert reviews.erased == 0


def test_decisions_become_ordered_overrides() -> None:
    raw = _raw(("slack:U1", "hubspot:1", "Must_Link"), ("events:r1", "product:s1", "cannot_link"))

    reviews = review_overrides(raw, RECORDS, None, SALT)

    pairs = reviews.overrides[["record_id_l", "record_id_r", "decision"]].values.tolist()
    assert pairs == [
        ["hubspot:1", "slack:U1", "must_link"],
        ["events:r1", "product:s1", "cannot_link"],
    ]
    assert reviews.erased == 0


def test_erased_record_decision_is_counted_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    # slack:U9 was erased by an earlier run, so staging no longer gives its record.
    raw = _raw(("hubspot:1", "slack:U9", "must_link"), ("events:r1", "product:s1", "cannot_link"))

    with caplog.at_level(logging.DEBUG, logger="ml"):
        reviews = review_overrides(raw, RECORDS, _erased("slack:U9"), SALT)

    assert reviews.erased == 1
    assert reviews.overrides["record_id_l"].tolist() == ["events:r1"]
    assert "slack:U9" not in caplog.text
    assert "1 decision(s) naming an erased record" in caplog.text


def test_unknown_record_names_file_row_field() -> None:
    raw = _raw(("hubspot:1", "slack:U1", "must_link"), ("events:r1", "zz:9", "cannot_link"))

    with pytest.raises(
        DataQualityError, match=r"identity_reviews/d\.csv, row 2, field 'record_id_r'.*'zz:9'"
    ):
        review_overrides(raw, RECORDS, _erased("slack:U9"), SALT)


def test_conflict_across_files_names_both() -> None:
    raw = pd.concat(
        [
            _raw(("hubspot:1", "slack:U1", "must_link"), file="identity_reviews/a.csv"),
            _raw(("slack:U1", "hubspot:1", "cannot_link"), file="identity_reviews/b.csv"),
        ],
        ignore_index=True,
    )

    with pytest.raises(InputFileError) as error:
        review_overrides(raw, RECORDS, None, SALT)

    message = str(error.value)
    assert message.startswith("identity_reviews/a.csv, field 'decision': row 1 and ")
    assert "identity_reviews/b.csv, row 1, give pair (hubspot:1, slack:U1)" in message


def test_must_link_chain_across_files_names_rows() -> None:
    raw = pd.concat(
        [
            _raw(
                ("hubspot:1", "slack:U1", "must_link"),
                ("slack:U1", "github:jd", "must_link"),
                file="identity_reviews/a.csv",
            ),
            _raw(("hubspot:1", "github:jd", "cannot_link"), file="identity_reviews/b.csv"),
        ],
        ignore_index=True,
    )

    with pytest.raises(
        InputFileError, match=r"^identity_reviews/b\.csv, row 1, field 'decision'"
    ) as error:
        review_overrides(raw, RECORDS, None, SALT)

    assert "rows 1 of identity_reviews/a.csv, 2 of identity_reviews/a.csv" in str(error.value)


def test_pair_id_must_match_record_ids() -> None:
    raw = _raw(("hubspot:1", "slack:U1", "must_link"), ("events:r1", "product:s1", "cannot_link"))
    raw["pair_id"] = [make_pair_id("slack:U1", "hubspot:1", SALT), make_pair_id("a:1", "b:1", SALT)]

    with pytest.raises(InputFileError, match=r"d\.csv, row 2, field 'pair_id'"):
        review_overrides(raw, RECORDS, None, SALT)


def test_matching_pair_id_is_accepted() -> None:
    raw = _raw(("hubspot:1", "slack:U1", "must_link"))
    raw["pair_id"] = [make_pair_id("slack:U1", "hubspot:1", SALT)]

    reviews = review_overrides(raw, RECORDS, None, SALT)

    assert len(reviews.overrides) == 1


def test_overrides_within_drops_pairs_outside() -> None:
    overrides = review_overrides(
        _raw(("hubspot:1", "slack:U1", "must_link"), ("events:r1", "product:s1", "cannot_link")),
        RECORDS,
        None,
        SALT,
    ).overrides

    kept = overrides_within(overrides, RECORDS - {"product:s1"})

    assert kept["record_id_l"].tolist() == ["hubspot:1"]


def test_rejected_decision_naming_erased_record_is_marked() -> None:
    rows = pd.DataFrame(
        {
            "table_name": ["identity_review_decisions", "identity_review_decisions", "hubspot_x"],
            "value": ["maybe", "maybe", None],
            "record": [
                '{"record_id_l": "hubspot:1", "record_id_r": " slack:U9 ", "decision": "maybe"}',
                '{"record_id_l": "hubspot:1", "record_id_r": "slack:U1", "decision": "maybe"}',
                '{"record_id_l": "slack:U9"}',
            ],
        }
    )

    marked = rows_with_erased_record_id(rows, _erased("slack:U9"))

    # The third row names the id too, but is not a review decision.
    assert marked.tolist() == [True, False, False]


def test_deleted_record_decision_is_stale(caplog: pytest.LogCaptureFixture) -> None:
    # hubspot:2 was resolved by an earlier run, and its source has deleted it since.
    raw = _raw(("hubspot:1", "slack:U1", "must_link"), ("events:r1", "hubspot:2", "cannot_link"))

    with caplog.at_level(logging.WARNING, logger="ml"):
        reviews = review_overrides(raw, RECORDS, None, SALT, earlier_record_ids={"hubspot:2"})

    assert reviews.overrides["record_id_l"].tolist() == ["hubspot:1"]
    assert reviews.stale == 1
    assert reviews.statuses["status"].tolist() == ["applied", "stale"]
    stale = reviews.statuses.iloc[1]
    assert stale["_file"] == "identity_reviews/d.csv"
    assert stale["_row_number"] == 2
    assert stale["status_reason"].startswith("record_id_r 'hubspot:2' is not among the identity")
    assert "earlier run resolved it" in stale["status_reason"]
    assert "skipped 1 stale decision(s)" in caplog.text
    assert "first identity_reviews/d.csv, row 2: record_id_r 'hubspot:2'" in caplog.text


def test_queued_pair_id_marks_decision_stale() -> None:
    # No earlier run listed hubspot:2, but the pair id proves a queue held the pair.
    raw = _raw(("events:r1", "hubspot:2", "cannot_link"))
    raw["pair_id"] = [make_pair_id("events:r1", "hubspot:2", SALT)]

    reviews = review_overrides(raw, RECORDS, None, SALT)

    assert reviews.overrides.empty
    assert reviews.statuses["status"].tolist() == ["stale"]
    assert "pair_id shows that an earlier run queued the pair" in reviews.statuses.iloc[0, -1]


def test_typo_record_id_still_fails() -> None:
    # hubspot:2 existed before, but the typo zz:9 never did: the row must not pass as stale.
    raw = _raw(("hubspot:2", "zz:9", "must_link"))

    with pytest.raises(DataQualityError, match=r"d\.csv, row 1, field 'record_id_r'.*'zz:9'"):
        review_overrides(raw, RECORDS, None, SALT, earlier_record_ids={"hubspot:2"})


def test_erased_record_decision_gets_no_status() -> None:
    raw = _raw(("hubspot:1", "slack:U9", "must_link"), ("events:r1", "hubspot:2", "cannot_link"))

    reviews = review_overrides(
        raw, RECORDS, _erased("slack:U9", "hubspot:2"), SALT, earlier_record_ids={"hubspot:2"}
    )

    assert reviews.erased == 2
    assert reviews.statuses.empty
    assert reviews.stale == 0
