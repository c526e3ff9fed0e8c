import pandas as pd
import pytest

from ml.attribution.evaluate import nmae, spearman, top_k_agreement, truth_noise


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


def test_truth_noise_by_hand():
    draws = pd.DataFrame({0: [3, 1, -1], 1: [1, 3, 0]}, index=["a", "b", "c"])

    expected, noise = truth_noise(draws)

    # Mean counts 2, 2, -0.5 clip to shares 0.5, 0.5, 0; each draw's shares are
    # (0.75, 0.25, 0) and (0.25, 0.75, 0), each 1.0 away from the other draw's.
    assert expected.to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0})
    assert noise == pytest.approx(1.0)


def test_truth_noise_equal_draws_and_one_draw():
    draws = pd.DataFrame({0: [2, 1], 1: [4, 2]}, index=["a", "b"])

    assert truth_noise(draws)[1] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="at least 2 draws"):
        truth_noise(draws[[0]])
