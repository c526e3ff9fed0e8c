import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.identity.evaluate import bcubed_scores, pairwise_scores

# Truth: {a, b, c} and {d, e}. Prediction: {a, b}, {c, d, e}.
TRUTH = pd.DataFrame({"record_id": list("abcde"), "cluster_id": list("11122")})
PREDICTED = pd.DataFrame({"record_id": list("abcde"), "cluster_id": list("xxyyy")})


def test_pairwise_scores_by_hand() -> None:
    # Predicted pairs ab, cd, ce, de (4); true pairs ab, ac, bc, de (4); shared ab, de (2).
    scores = pairwise_scores(PREDICTED, TRUTH)
    assert scores["predicted_pairs"] == 4
    assert scores["true_pairs"] == 4
    assert scores["true_positive_pairs"] == 2
    assert scores["precision"] == pytest.approx(0.5)
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(0.5)


def test_bcubed_scores_by_hand() -> None:
    # Precision per record: a 2/2, b 2/2, c 1/3, d 2/3, e 2/3 -> 11/15.
    # Recall per record:    a 2/3, b 2/3, c 1/3, d 2/2, e 2/2 -> 11/15.
    scores = bcubed_scores(PREDICTED, TRUTH)
    assert scores["precision"] == pytest.approx(11 / 15)
    assert scores["recall"] == pytest.approx(11 / 15)
    assert scores["f1"] == pytest.approx(11 / 15)


def test_scores_perfect_when_equal() -> None:
    assert pairwise_scores(TRUTH, TRUTH)["f1"] == 1.0
    assert bcubed_scores(TRUTH, TRUTH)["f1"] == pytest.approx(1.0)


def test_scores_reject_unmatched_records() -> None:
    with pytest.raises(DataQualityError, match="only one of predicted and truth"):
        pairwise_scores(PREDICTED.iloc[:4], TRUTH)
