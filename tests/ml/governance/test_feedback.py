import math

import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.governance.feedback import summarise_score_feedback


def _feedback() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feedback_id": ["f1", "f2", "f3", "f4", "f5"],
            "submitter_id": ["ae", "ae", "csm", "ae", "csm"],
            "feedback_type": [
                "score_wrong",
                "score_wrong",
                "score_right",
                "score_wrong",
                "deal_not_influenced",
            ],
            "person_id": ["p1", "p2", "p3", None, None],
            "submitted_at": pd.to_datetime(
                ["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-01", "2025-03-01"], utc=True
            ),
        }
    )


def test_score_feedback_counts_resolved_rows_by_type():
    summary = summarise_score_feedback(_feedback())

    assert (summary.score_wrong, summary.score_right, summary.unresolved) == (2, 1, 1)
    assert summary.wrong_share == pytest.approx(2 / 3)


def test_score_feedback_before_a_time():
    summary = summarise_score_feedback(_feedback(), pd.Timestamp("2025-01-15", tz="UTC"))

    assert (summary.score_wrong, summary.score_right, summary.unresolved) == (1, 0, 0)


def test_no_score_feedback_has_undefined_share():
    summary = summarise_score_feedback(_feedback().iloc[4:])

    assert math.isnan(summary.wrong_share)


def test_missing_column_raises():
    with pytest.raises(DataQualityError, match="person_id"):
        summarise_score_feedback(pd.DataFrame({"feedback_type": [], "submitted_at": []}))


def test_score_feedback_counts_submitter_once():
    # The same rep files "wrong" about p1 five times: one statement, not five.
    repeated = pd.concat([_feedback().iloc[:1]] * 5, ignore_index=True)
    repeated["feedback_id"] = [f"r{index}" for index in range(5)]
    feedback = pd.concat([repeated, _feedback().iloc[2:3]], ignore_index=True)

    summary = summarise_score_feedback(feedback)

    assert summary.score_wrong == 1
    assert summary.score_right == 1


def test_score_feedback_keeps_latest_statement():
    changed = (
        _feedback()
        .iloc[:1]
        .assign(
            feedback_id="f9",
            feedback_type="score_right",
            submitted_at=pd.Timestamp("2025-04-01", tz="UTC"),
        )
    )
    other_rep = _feedback().iloc[:1].assign(feedback_id="f10", submitter_id="csm")
    feedback = pd.concat([_feedback().iloc[:1], changed, other_rep], ignore_index=True)

    summary = summarise_score_feedback(feedback)

    # The first rep's latest statement is "right". The second rep's "wrong" about p1 counts.
    assert summary.score_right == 1
    assert summary.score_wrong == 1
