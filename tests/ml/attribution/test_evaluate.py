import pandas as pd
import pytest

from ml.attribution.evaluate import nmae, spearman, top_k_agreement


def test_nmae_counts_missing_channels():
    truth = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
    estimate = pd.Series({"a": 0.6, "b": 0.4})
    assert nmae(estimate, truth) == pytest.approx(0.4)


def test_spearman_and_top_k():
    truth = pd.Series({"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05})
    estimate = pd.Series({"a": 0.4, "b": 0.1, "c": 0.3, "d": 0.2})
    assert spearman(truth, truth) == pytest.approx(1.0)
    assert spearman(estimate, truth) == pytest.approx(0.4)
    assert top_k_agreement(estimate, truth, k=2) == pytest.approx(0.5)
