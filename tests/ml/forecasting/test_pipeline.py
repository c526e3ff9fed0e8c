import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.errors import ConfigurationError, DataQualityError
from ml.forecasting.evaluate import mase_scale
from ml.forecasting.pipeline import (
    ForecastConfig,
    backtest_forecasts,
    forecast_revenue,
)

PATTERN = [10.0, 20.0, 30.0, 40.0]
CONFIG = ForecastConfig(horizon_months=2, season_length=4, interval_level=0.8, seed=1)


def monthly_frame(stage: str, values: list[float], start: str = "2024-01-01") -> pd.DataFrame:
    months = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"period_start": months.date, "stage": stage, "revenue": values})


def test_forecast_revenue_columns_and_months():
    result = forecast_revenue(monthly_frame("renewal", PATTERN * 3), CONFIG)
    assert list(result.columns) == [
        "period_start",
        "stage",
        "method",
        "forecast",
        "lower",
        "upper",
        "history_months",
        "fallback_reason",
    ]
    assert [str(day) for day in result["period_start"]] == ["2025-01-01", "2025-02-01"]


def test_forecast_revenue_two_seasons_uses_seasonal_model():
    result = forecast_revenue(monthly_frame("renewal", PATTERN * 3), CONFIG)
    assert set(result["method"]) == {"seasonal_damped"}
    assert result["fallback_reason"].isna().all()
    assert result["forecast"].tolist() == pytest.approx([10.0, 20.0], abs=1e-6)


def test_forecast_revenue_short_history_naive():
    result = forecast_revenue(monthly_frame("new_business", [5.0, 7.0, 6.0]), CONFIG)
    assert set(result["method"]) == {"naive"}
    assert result["forecast"].tolist() == [6.0, 6.0]
    assert result["fallback_reason"].str.contains("fewer than one season").all()
    assert (result["history_months"] == 3).all()


def test_forecast_revenue_one_to_two_seasons_uses_ses():
    result = forecast_revenue(monthly_frame("expansion", [5.0] * 6), CONFIG)
    assert set(result["method"]) == {"ses"}
    assert result["fallback_reason"].str.contains("fewer than two seasons").all()


def test_forecast_revenue_interval_contains_forecast():
    rng = np.random.default_rng(5)
    values = (np.tile(PATTERN, 3) + rng.normal(0.0, 3.0, 12)).tolist()
    result = forecast_revenue(monthly_frame("renewal", values), CONFIG)
    assert (result["lower"] < result["forecast"]).all()
    assert (result["forecast"] < result["upper"]).all()


def test_forecast_revenue_keeps_negative_churn_sign():
    result = forecast_revenue(monthly_frame("churn", [-4.0, -4.0, -4.0]), CONFIG)
    assert result["forecast"].tolist() == [-4.0, -4.0]


def test_forecast_lower_bound_at_zero():
    # A noisy stage near zero: the symmetric interval would reach below zero.
    values = [0.0, 9.0, 0.0, 8.0, 1.0, 0.0, 10.0, 0.0]
    result = forecast_revenue(monthly_frame("new_business", values), CONFIG)
    assert (result["lower"] >= 0.0).all()
    assert (result["lower"] == 0.0).any()
    assert (result["upper"] > result["forecast"]).all()


def test_forecast_negative_churn_upper_bound():
    values = [0.0, -9.0, 0.0, -8.0, -1.0, 0.0, -10.0, 0.0]
    result = forecast_revenue(monthly_frame("churn", values), CONFIG)
    assert (result["upper"] <= 0.0).all()
    assert (result["upper"] == 0.0).any()
    assert (result["lower"] < result["forecast"]).all()


def test_forecast_declining_stage_stays_at_or_above_zero():
    # A stage that never went negative, falling steadily towards zero: the damped trend
    # runs below zero, and cutting only the lower bound left lower > forecast and upper.
    config = ForecastConfig(horizon_months=6, season_length=12)
    values = np.linspace(300.0, 5.0, 30).tolist()
    result = forecast_revenue(monthly_frame("new_business", values), config)
    assert (result["forecast"] >= 0.0).all()
    assert (result["lower"] <= result["forecast"]).all()
    assert (result["forecast"] <= result["upper"]).all()


def test_forecast_rising_churn_stays_nonpositive():
    config = ForecastConfig(horizon_months=6, season_length=12)
    values = np.linspace(-300.0, -5.0, 30).tolist()
    result = forecast_revenue(monthly_frame("churn", values), config)
    assert (result["forecast"] <= 0.0).all()
    assert (result["lower"] <= result["forecast"]).all()
    assert (result["forecast"] <= result["upper"]).all()


def test_forecast_revenue_missing_month_is_zero():
    frame = monthly_frame("new_business", [5.0, 7.0, 6.0])
    frame = frame.drop(index=2)
    frame = pd.concat([frame, monthly_frame("renewal", [1.0, 1.0, 1.0])], ignore_index=True)
    result = forecast_revenue(frame, CONFIG)
    new_business = result[result["stage"] == "new_business"]
    assert new_business["forecast"].tolist() == [0.0, 0.0]
    assert (new_business["history_months"] == 3).all()


def test_forecast_revenue_sums_repeated_rows():
    frame = pd.concat([monthly_frame("renewal", [1.0, 2.0]), monthly_frame("renewal", [1.0, 2.0])])
    result = forecast_revenue(frame, CONFIG)
    assert result["forecast"].tolist() == [4.0, 4.0]


def test_forecast_revenue_empty_input_returns_no_rows():
    empty = pd.DataFrame({"period_start": [], "stage": [], "revenue": []})
    assert forecast_revenue(empty, CONFIG).empty


def test_forecast_revenue_unknown_stage_raises():
    with pytest.raises(DataQualityError, match=r"field 'stage'.*'upsell'"):
        forecast_revenue(monthly_frame("upsell", [1.0]), CONFIG)


def test_forecast_revenue_mid_month_date_raises():
    frame = pd.DataFrame({"period_start": ["2024-01-15"], "stage": ["renewal"], "revenue": [1]})
    with pytest.raises(DataQualityError, match="first day of a month"):
        forecast_revenue(frame, CONFIG)


def test_forecast_revenue_unparseable_date_names_row_and_value():
    frame = monthly_frame("renewal", [1.0, 2.0, 3.0]).astype({"period_start": object})
    frame.loc[1, "period_start"] = "March 2024-ish"
    with pytest.raises(DataQualityError, match=r"row 1, field 'period_start'.*'March 2024-ish'"):
        forecast_revenue(frame, CONFIG)


def test_forecast_revenue_text_revenue_names_row_and_value():
    frame = monthly_frame("renewal", [1.0, 2.0, 3.0]).astype({"revenue": object})
    frame.loc[2, "revenue"] = "12,50"
    with pytest.raises(DataQualityError, match=r"row 2, field 'revenue'.*'12,50'"):
        backtest_forecasts(frame, CONFIG)


def test_forecast_revenue_mixed_churn_signs_raises():
    with pytest.raises(DataQualityError, match="one sign convention"):
        forecast_revenue(monthly_frame("churn", [3.0, -2.0]), CONFIG)


def test_forecast_revenue_missing_column_raises():
    with pytest.raises(DataQualityError, match="missing column"):
        forecast_revenue(pd.DataFrame({"stage": ["renewal"]}), CONFIG)


def test_forecast_config_invalid_level_raises():
    with pytest.raises(ConfigurationError, match="interval_level"):
        ForecastConfig(interval_level=1.5)


@pytest.mark.parametrize("horizon", ["3", 2.5, True])
def test_forecast_config_rejects_a_fractional_horizon(horizon):
    with pytest.raises(ConfigurationError, match="horizon_months must be a whole number"):
        ForecastConfig(horizon_months=horizon)


def test_mase_scale_uses_seasonal_lag():
    history = np.array([1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 3.0, 4.0])
    # Lag-4 differences: 2, 0, 0, 0.
    assert mase_scale(history, 4) == pytest.approx(0.5)


def test_mase_scale_short_history_uses_lag_one():
    assert mase_scale(np.array([1.0, 3.0, 2.0]), 4) == pytest.approx(1.5)


def test_backtest_forecasts_seasonal_naive_exact_on_repeating_pattern():
    rng = np.random.default_rng(2)
    values = (np.tile(PATTERN, 5) + np.r_[rng.normal(0.0, 1.0, 4), np.zeros(16)]).tolist()
    result = backtest_forecasts(monthly_frame("renewal", values), CONFIG)
    by_method = result.set_index("method")
    assert by_method.loc["seasonal_naive", "mase"] == pytest.approx(0.0, abs=1e-9)
    assert by_method.loc["seasonal_naive", "origins"] == 6
    assert by_method.loc["ses", "mase"] > 1.0


def test_backtest_forecasts_short_history_counts_fallbacks():
    result = backtest_forecasts(monthly_frame("renewal", [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]), CONFIG)
    by_method = result.set_index("method")
    assert (
        by_method.loc["seasonal_damped", "fallback_origins"]
        == by_method.loc["seasonal_damped", "origins"]
    )
    assert by_method.loc["ses", "fallback_origins"] == 0


def test_forecast_revenue_accepts_other_stage():
    result = forecast_revenue(monthly_frame("other", [2.0, 2.0]), CONFIG)
    assert set(result["stage"]) == {"other"}


def test_forecast_revenue_stage_outside_accepted_raises():
    config = ForecastConfig(horizon_months=2, season_length=4, accepted_stages=("renewal",))
    with pytest.raises(DataQualityError, match="'churn'"):
        forecast_revenue(monthly_frame("churn", [1.0]), config)


def test_forecast_revenue_writes_varchar_reason():
    result = forecast_revenue(monthly_frame("renewal", PATTERN * 3), CONFIG)
    con = duckdb.connect(":memory:")
    con.register("forecast", result)
    types = dict(con.execute("select column_name, column_type from (describe forecast)").fetchall())
    assert types["fallback_reason"] == "VARCHAR"
    assert types["period_start"] == "DATE"


def test_backtest_forecasts_reports_interval_coverage():
    rng = np.random.default_rng(8)
    values = (100.0 + rng.normal(0.0, 10.0, 20)).tolist()
    result = backtest_forecasts(monthly_frame("renewal", values), CONFIG)
    assert result["interval_coverage"].between(0.0, 1.0).all()
