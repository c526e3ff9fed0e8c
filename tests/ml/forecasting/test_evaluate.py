import numpy as np
import pytest

from ml.forecasting.evaluate import mase_scale, score_origins, select_method

SEASON = 4


def test_score_origins_counts_origins_and_fallbacks():
    series = np.arange(1.0, 13.0)
    scores = score_origins(series, horizon=2, season=SEASON, origins=3)
    assert len(scores["ses"].errors) == 3
    # Training windows of 10, 9 and 8 values: 8 is two seasons, 9 and 10 too.
    assert scores["seasonal_damped"].fallback_origins == 0
    assert scores["seasonal_naive"].fallback_origins == 0


def test_score_origins_short_windows_fall_back():
    series = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 5.0])
    scores = score_origins(series, horizon=1, season=SEASON, origins=3)
    assert scores["seasonal_damped"].fallback_origins == 3


def test_select_method_prefers_seasonal_on_pattern():
    rng = np.random.default_rng(0)
    series = np.tile([10.0, 30.0, 20.0, 40.0], 6) + rng.normal(0.0, 0.5, 24)
    method, mase = select_method(series, horizon=2, season=SEASON, origins=6)
    assert method in {"seasonal_naive", "seasonal_damped"}
    # The scale is the seasonal naive in-sample error, so noise alone gives about 1.
    assert mase < 1.0


def test_select_method_prefers_ses_on_noisy_level():
    rng = np.random.default_rng(1)
    series = 100.0 + rng.normal(0.0, 10.0, 36)
    method, mase = select_method(series, horizon=2, season=SEASON, origins=12)
    assert method == "ses"
    assert np.isfinite(mase)


def test_select_method_short_history_uses_length_rule():
    method, mase = select_method(np.arange(1.0, 7.0), horizon=2, season=SEASON, origins=6)
    assert method == "ses"
    assert np.isnan(mase)


def test_score_origins_selected_uses_only_past():
    rng = np.random.default_rng(2)
    series = 50.0 + rng.normal(0.0, 5.0, 30)
    scores = score_origins(series, horizon=2, season=SEASON, origins=4, selection_origins=6)
    assert len(scores["selected"].errors) == 4
    assert scores["selected"].fallback_origins == 0


def test_mase_scale_constant_series_is_zero():
    assert mase_scale(np.full(8, 3.0), SEASON) == pytest.approx(0.0)


def test_score_origins_coverage_of_wide_and_exact_intervals():
    rng = np.random.default_rng(3)
    noisy = 50.0 + rng.normal(0.0, 5.0, 40)
    scores = score_origins(noisy, horizon=2, season=SEASON, origins=10, interval_level=0.999)
    assert len(scores["ses"].covered) == 20
    assert np.mean(scores["ses"].covered) >= 0.9
    narrow = score_origins(noisy, horizon=2, season=SEASON, origins=10, interval_level=0.01)
    assert np.mean(narrow["ses"].covered) <= 0.2
