import math

import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.governance.feedback import summarise_score_feedback


def _feedback() -> pd.DataFrame:
    return pd.DataFrame(
        {
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
