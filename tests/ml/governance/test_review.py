"""The model review on planted decay and drift, and on the registration's own rows."""

import duckdb
import pandas as pd
import pytest

from ml.governance.feedback import ScoreFeedback
from ml.governance.registry import load_champion, register_model
from ml.governance.review import (
    FLAG_AUC,
    FLAG_DRIFT,
    FLAG_FEEDBACK,
    FLAG_FEW_ROWS,
    ReviewConfig,
    review_model,
)
from tests.ml.governance.conftest import CUTOFFS, make_snapshots, registration_of

NO_FEEDBACK = ScoreFeedback(score_wrong=0, score_right=0, unresolved=0)
REVIEWED_AT = pd.Timestamp("2025-10-01", tz="UTC")
LATER = list(pd.date_range(CUTOFFS[-1] + pd.Timedelta(days=30), periods=2, freq="30D"))


@pytest.fixture
def champion(trained):
    result, evaluation = trained
    with duckdb.connect(":memory:") as con:
        register_model(con, registration_of(result, evaluation), result.model)
        yield load_champion(con, "test_model")


def test_review_of_registered_rows_flags_nothing(champion, trained):
    _, evaluation = trained

    review = review_model(champion, evaluation, NO_FEEDBACK, ReviewConfig(), REVIEWED_AT)

    assert review.flags == []
    assert review.row["is_flagged"] is False
    assert review.row["auc"] == pytest.approx(review.row["registered_auc"])
    assert review.row["auc_drop"] == pytest.approx(0.0, abs=1e-12)
    assert review.row["max_psi"] == pytest.approx(0.0, abs=1e-12)


def test_review_of_fresh_same_process_rows_flags_nothing(champion):
    fresh = make_snapshots(7, LATER)

    review = review_model(champion, fresh, NO_FEEDBACK, ReviewConfig(), REVIEWED_AT)

    assert review.flags == []
    assert review.row["review_start"] == LATER[0].date()
    assert review.row["review_end"] == LATER[-1].date()


def test_review_flags_auc_decay_when_labels_lose_signal(champion):
    decayed = make_snapshots(7, LATER, informative=False)

    review = review_model(champion, decayed, NO_FEEDBACK, ReviewConfig(), REVIEWED_AT)

    assert FLAG_AUC in review.flags
    assert review.row["auc_drop"] > 0.05
    assert FLAG_DRIFT not in review.flags


def test_review_flags_drift_on_shifted_feature(champion):
    shifted = make_snapshots(7, LATER, shift=1.5)

    review = review_model(champion, shifted, NO_FEEDBACK, ReviewConfig(), REVIEWED_AT)

    assert FLAG_DRIFT in review.flags
    assert review.row["drifted_features"] == "signal"
    assert review.row["max_psi_feature"] == "signal"
    assert review.psi["noise"] < 0.1


def test_review_tolerance_is_configuration(champion):
    decayed = make_snapshots(7, LATER, informative=False)
    lenient = ReviewConfig(auc_tolerance=1.0, brier_tolerance=1.0, ece_tolerance=1.0)

    review = review_model(champion, decayed, NO_FEEDBACK, lenient, REVIEWED_AT)

    assert FLAG_AUC not in review.flags


def test_review_too_few_rows_judges_drift_only(champion):
    few = make_snapshots(7, LATER, rows_per_cutoff=20, informative=False)

    review = review_model(champion, few, NO_FEEDBACK, ReviewConfig(), REVIEWED_AT)

    assert FLAG_FEW_ROWS in review.flags
    assert FLAG_AUC not in review.flags


def test_review_flags_mostly_wrong_score_feedback(champion, trained):
    _, evaluation = trained
    complaints = ScoreFeedback(score_wrong=6, score_right=2, unresolved=1)
    few_complaints = ScoreFeedback(score_wrong=3, score_right=0, unresolved=0)

    flagged = review_model(champion, evaluation, complaints, ReviewConfig(), REVIEWED_AT)
    quiet = review_model(champion, evaluation, few_complaints, ReviewConfig(), REVIEWED_AT)

    assert flagged.flags == [FLAG_FEEDBACK]
    assert flagged.row["feedback_wrong_share"] == pytest.approx(0.75)
    assert quiet.flags == []
