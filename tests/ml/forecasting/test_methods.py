import numpy as np
import pytest

from ml.forecasting.methods import (
    forecast_naive,
    forecast_seasonal_damped,
    forecast_seasonal_naive,
    forecast_ses,
    seasonal_indices,
)

SEASON = 4
PATTERN = np.array([10.0, 20.0, 30.0, 40.0])


def test_forecast_naive_repeats_last_value():
    result = forecast_naive(np.array([1.0, 3.0, 2.0]), horizon=2)
    assert result.forecast.tolist() == [2.0, 2.0]


def test_forecast_naive_sigma_square_root_growth():
    result = forecast_naive(np.array([1.0, 3.0, 2.0]), horizon=4)
    # One-step differences are 2 and -1: RMS = sqrt(2.5).
    assert result.sigma[0] == pytest.approx(np.sqrt(2.5))
    assert result.sigma[3] == pytest.approx(np.sqrt(2.5) * 2.0)


def test_forecast_seasonal_naive_repeats_last_season():
    history = np.r_[PATTERN, PATTERN + 1.0]
    result = forecast_seasonal_naive(history, horizon=6, season=SEASON)
    assert result.forecast.tolist() == [11.0, 21.0, 31.0, 41.0, 11.0, 21.0]


def test_forecast_seasonal_naive_short_history_raises():
    with pytest.raises(ValueError, match="at least 4 values"):
        forecast_seasonal_naive(np.array([1.0, 2.0]), horizon=1, season=SEASON)


def test_forecast_ses_constant_series_forecasts_constant():
    result = forecast_ses(np.full(10, 5.0), horizon=3)
    assert result.forecast == pytest.approx([5.0, 5.0, 5.0])
    assert result.sigma == pytest.approx([0.0, 0.0, 0.0])


def test_forecast_ses_level_shift_moves_toward_new_level():
    result = forecast_ses(np.r_[np.zeros(10), np.full(10, 100.0)], horizon=1)
    assert result.forecast[0] > 90.0


def test_seasonal_indices_recover_pattern_and_sum_to_zero():
    history = np.tile(PATTERN, 3) + np.arange(12) * 2.0
    indices = seasonal_indices(history, SEASON)
    assert indices.sum() == pytest.approx(0.0)
    # A centred moving average removes a linear trend exactly, so the pattern remains.
    assert indices == pytest.approx([-15.0, -5.0, 5.0, 15.0])


def test_seasonal_indices_short_history_raises():
    with pytest.raises(ValueError, match="two seasons"):
        seasonal_indices(np.arange(7.0), SEASON)


def test_forecast_seasonal_damped_pure_pattern_continues_it():
    history = np.tile(PATTERN, 4)
    result = forecast_seasonal_damped(history, horizon=4, season=SEASON)
    assert result.forecast == pytest.approx(PATTERN, abs=1e-6)


def test_forecast_seasonal_damped_sigma_non_decreasing():
    rng = np.random.default_rng(3)
    history = np.tile(PATTERN, 4) + rng.normal(0.0, 2.0, 16)
    result = forecast_seasonal_damped(history, horizon=5, season=SEASON)
    assert np.all(np.diff(result.sigma) >= 0.0)
    assert result.sigma[0] > 0.0
