import numpy as np
import pandas as pd
import pytest

from ml.errors import ConfigurationError, DataQualityError
from ml.forecasting.scenarios import (
    ScenarioConfig,
    apply_scenario,
    estimate_elasticity,
    stage_multipliers,
)


def forecast_frame() -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=3, freq="MS").date
    rows = []
    for stage, value in [("new_business", 100.0), ("renewal", 50.0), ("churn", 20.0)]:
        for month in months:
            rows.append(
                {
                    "period_start": month,
                    "stage": stage,
                    "forecast": value,
                    "lower": value - 10,
                    "upper": value + 10,
                }
            )
    return pd.DataFrame(rows)


def test_stage_multipliers_volume_only():
    config = ScenarioConfig("more", engagement_volume_change=0.21, pipeline_elasticity_volume=0.5)
    multipliers = stage_multipliers(config)
    assert multipliers["new_business"] == pytest.approx(1.1)
    assert multipliers["renewal"] == 1.0
    assert multipliers["churn"] == pytest.approx(1.21**-0.2)


def test_stage_multipliers_no_change_is_one():
    assert set(stage_multipliers(ScenarioConfig("same")).values()) == {1.0}


def test_apply_scenario_ramps_effect():
    config = ScenarioConfig(
        "more", engagement_volume_change=0.21, pipeline_elasticity_volume=0.5, ramp_months=2
    )
    result = apply_scenario(forecast_frame(), config)
    new_business = result[result["stage"] == "new_business"]
    assert new_business["forecast"].tolist() == pytest.approx([105.0, 110.0, 110.0])
    assert new_business["upper"].tolist() == pytest.approx([115.5, 121.0, 121.0])
    assert new_business["change"].tolist() == pytest.approx([5.0, 10.0, 10.0])


def test_apply_scenario_more_engagement_lowers_churn():
    result = apply_scenario(forecast_frame(), ScenarioConfig("more", engagement_quality_change=0.5))
    churn = result[result["stage"] == "churn"]
    renewal = result[result["stage"] == "renewal"]
    assert (churn["forecast"] < 20.0).all()
    assert (renewal["forecast"] == 50.0).all()


def test_apply_scenario_missing_column_raises():
    with pytest.raises(DataQualityError, match="missing column"):
        apply_scenario(forecast_frame().drop(columns=["upper"]), ScenarioConfig("x"))


def test_scenario_config_invalid_change_raises():
    with pytest.raises(ConfigurationError, match="above -1"):
        ScenarioConfig("collapse", engagement_volume_change=-1.0)


def test_estimate_elasticity_recovers_planted_slope():
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(4)
    engagement = pd.Series(np.exp(rng.normal(5.0, 0.5, 24)), index=months)
    outcome = 3.0 * engagement.shift(1) ** 0.4
    result = estimate_elasticity(engagement, outcome, lag_months=1)
    assert result["elasticity"] == pytest.approx(0.4)
    assert result["months"] == 23.0


def test_estimate_elasticity_too_few_months_raises():
    months = pd.date_range("2023-01-01", periods=3, freq="MS")
    series = pd.Series([1.0, 2.0, 3.0], index=months)
    with pytest.raises(DataQualityError, match="expected at least 4"):
        estimate_elasticity(series, series)


def test_scenario_other_stage_unchanged():
    # forecast_revenue forecasts the mart's "other" stage by default.
    frame = forecast_frame()
    frame.loc[frame["stage"] == "renewal", "stage"] = "other"
    result = apply_scenario(frame, ScenarioConfig("up", engagement_volume_change=0.2))
    other = result[result["stage"] == "other"]
    assert len(other) == 3
    assert other["forecast"].tolist() == [50.0, 50.0, 50.0]
    assert other["multiplier"].tolist() == [1.0, 1.0, 1.0]


def test_scenario_unknown_stage_raises():
    frame = forecast_frame()
    frame.loc[4, "stage"] = "upsell"
    with pytest.raises(DataQualityError, match=r"row 4, field 'stage'.*'upsell'"):
        apply_scenario(frame, ScenarioConfig("up", engagement_volume_change=0.2))


@pytest.mark.parametrize("field", ["engagement_volume_change", "churn_elasticity_quality"])
def test_scenario_config_nan_raises(field):
    with pytest.raises(ConfigurationError, match=field):
        ScenarioConfig("unknown", **{field: float("nan")})
