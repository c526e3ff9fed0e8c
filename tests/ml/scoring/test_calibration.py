import numpy as np
import pytest

from ml.errors import DataQualityError
from ml.scoring.calibration import (
    brier_score,
    calibration_curve,
    ece_noise_floor,
    expected_calibration_error,
)


def test_expected_calibration_error_hand_computed():
    labels = np.array([0, 1, 1, 1])
    probabilities = np.array([0.05, 0.05, 0.85, 0.95])
    # Bin 0: mean p 0.05, rate 0.5, weight 0.5. Bin 8: 0.85 vs 1.0, weight 0.25.
    # Bin 9: 0.95 vs 1.0, weight 0.25. ECE = 0.225 + 0.0375 + 0.0125.
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.275)


def test_expected_calibration_error_perfect_bins_is_zero():
    labels = np.array([0, 1, 0, 1])
    probabilities = np.array([0.5, 0.5, 0.5, 0.5])
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.0)


def test_calibration_curve_puts_one_in_last_bin():
    curve = calibration_curve(np.array([1, 0]), np.array([1.0, 0.0]))
    assert curve["bin"].tolist() == [0, 9]
    assert curve["upper"].tolist() == [0.1, 1.0]
    assert curve["count"].tolist() == [1, 1]


def test_brier_score_hand_computed():
    assert brier_score(np.array([1, 0]), np.array([0.8, 0.4])) == pytest.approx(0.1)


def test_calibration_length_mismatch_raises():
    with pytest.raises(DataQualityError, match="2 labels but 1 probabilities"):
        brier_score(np.array([1, 0]), np.array([0.5]))


def test_calibration_probability_out_of_range_raises():
    with pytest.raises(DataQualityError, match="outside"):
        expected_calibration_error(np.array([1]), np.array([1.5]))


def test_calibration_label_not_binary_raises():
    with pytest.raises(DataQualityError, match="expected 0 or 1"):
        expected_calibration_error(np.array([2]), np.array([0.5]))


def test_ece_noise_floor_shrinks_with_size():
    small = ece_noise_floor(np.full(100, 0.3), seed=1)
    large = ece_noise_floor(np.full(5_000, 0.3), seed=1)
    assert small > large
    assert large < 0.02
