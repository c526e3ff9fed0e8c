"""What-if scenarios: a change in engagement volume or quality applied to a revenue forecast.

Assumptions, all in `ScenarioConfig`:
    - Constant elasticities: a relative change v in engagement volume multiplies
      new_business and expansion by (1 + v) ** pipeline_elasticity_volume, and a relative
      change q in engagement quality (for example the mean behaviour score per active
      member) by (1 + q) ** pipeline_elasticity_quality.
    - Retention: churn is multiplied by (1 + v) ** (-churn_elasticity_volume) and
      (1 + q) ** (-churn_elasticity_quality), so more or better engagement lowers churn.
    - Renewals are left unchanged: revenue kept by lower churn shows up as less churn,
      not as extra renewals, so it is counted once. The `other` stage is unchanged too.
    - The effect ramps in linearly over `ramp_months` forecast months, reaching its full
      size in month `ramp_months`.
    - Interval bounds are scaled by the same factor as the forecast, so they carry the
      forecast's uncertainty but none about the elasticities.

The default elasticities are placeholders to be replaced by measured ones, for example
from `estimate_elasticity` on the warehouse's monthly engagement and pipeline, or from
an experiment analysed with `ml.scoring.experiments`.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ml.errors import ConfigurationError, DataQualityError

logger = logging.getLogger(__name__)

PIPELINE_STAGES = ("new_business", "expansion")


@dataclass(frozen=True)
class ScenarioConfig:
    """One scenario and its assumptions (see the module docstring)."""

    name: str
    engagement_volume_change: float = 0.0
    engagement_quality_change: float = 0.0
    pipeline_elasticity_volume: float = 0.3
    pipeline_elasticity_quality: float = 0.5
    churn_elasticity_volume: float = 0.2
    churn_elasticity_quality: float = 0.3
    ramp_months: int = 3

    def __post_init__(self) -> None:
        for field, value in (
            ("engagement_volume_change", self.engagement_volume_change),
            ("engagement_quality_change", self.engagement_quality_change),
            ("pipeline_elasticity_volume", self.pipeline_elasticity_volume),
            ("pipeline_elasticity_quality", self.pipeline_elasticity_quality),
            ("churn_elasticity_volume", self.churn_elasticity_volume),
            ("churn_elasticity_quality", self.churn_elasticity_quality),
        ):
            if not np.isfinite(value):
                raise ConfigurationError(
                    f"scenario {self.name!r}: {field} {value}; expected a finite number"
                )
        if self.engagement_volume_change <= -1 or self.engagement_quality_change <= -1:
            raise ConfigurationError(
                f"scenario {self.name!r}: changes {self.engagement_volume_change} and "
                f"{self.engagement_quality_change}; expected relative changes above -1"
            )
        if self.ramp_months < 1:
            raise ConfigurationError(
                f"scenario {self.name!r}: ramp_months {self.ramp_months}; expected >= 1"
            )


def stage_multipliers(config: ScenarioConfig) -> dict[str, float]:
    """Full-effect multiplier of each stage's revenue under the scenario."""
    volume = 1.0 + config.engagement_volume_change
    quality = 1.0 + config.engagement_quality_change
    pipeline = (
        volume**config.pipeline_elasticity_volume * quality**config.pipeline_elasticity_quality
    )
    churn = volume ** (-config.churn_elasticity_volume) * quality ** (
        -config.churn_elasticity_quality
    )
    # "other" (invoices with an unmapped billing reason) is left unchanged like renewals,
    # because no assumption links it to engagement.
    return {
        "new_business": pipeline,
        "expansion": pipeline,
        "renewal": 1.0,
        "churn": churn,
        "other": 1.0,
    }


def apply_scenario(forecast: pd.DataFrame, config: ScenarioConfig) -> pd.DataFrame:
    """Scale a `forecast_revenue` output by the scenario's ramped stage multipliers.

    Args:
        forecast: Columns period_start, stage, forecast, lower, upper.
        config: The scenario.

    Returns:
        Columns scenario, period_start, stage, baseline_forecast, forecast, lower, upper,
        change (forecast minus baseline_forecast), multiplier.

    Raises:
        DataQualityError: on a missing column or a stage without a multiplier.
    """
    missing = {"period_start", "stage", "forecast", "lower", "upper"} - set(forecast.columns)
    if missing:
        raise DataQualityError(
            f"scenario input forecast: missing column(s) {sorted(missing)}; expected the "
            "output of forecast_revenue"
        )
    full = stage_multipliers(config)
    for row, stage in enumerate(forecast["stage"].tolist()):
        if stage not in full:
            raise DataQualityError(
                f"scenario input forecast, row {row}, field 'stage': invalid value {stage!r}; "
                f"expected one of {list(full)}"
            )
    frame = forecast.sort_values(["stage", "period_start"]).reset_index(drop=True)
    month_index = frame.groupby("stage").cumcount() + 1
    ramp = np.minimum(month_index / config.ramp_months, 1.0)
    multiplier = 1.0 + (frame["stage"].map(full).astype(float) - 1.0) * ramp

    result = pd.DataFrame(
        {
            "scenario": config.name,
            "period_start": frame["period_start"],
            "stage": frame["stage"],
            "baseline_forecast": frame["forecast"],
            "forecast": frame["forecast"] * multiplier,
            "lower": frame["lower"] * multiplier,
            "upper": frame["upper"] * multiplier,
            "multiplier": multiplier,
        }
    )
    result["change"] = result["forecast"] - result["baseline_forecast"]
    logger.info("scenario %s: stage multipliers %s", config.name, full)
    return result


def estimate_elasticity(
    engagement: pd.Series, outcome: pd.Series, lag_months: int = 1, confidence: float = 0.9
) -> dict[str, float]:
    """Estimate a constant elasticity by regressing log outcome on lagged log engagement.

    log(outcome_t) = c + e * log(engagement_{t - lag}), ordinary least squares over months
    where both are positive. The estimate is an association over time: anything that
    moves both series (seasonality, a launch) biases it, so prefer an experiment when one
    exists.

    Args:
        engagement: Monthly engagement volume or quality, indexed by month.
        outcome: Monthly pipeline or churn, same index.
        lag_months: Months between engagement and its effect.
        confidence: Level of the returned interval.

    Returns:
        elasticity, lower, upper, months (observations used).

    Raises:
        DataQualityError: when fewer than 4 months have positive values in both series.
    """
    lagged = engagement.shift(lag_months)
    paired = pd.DataFrame({"x": lagged, "y": outcome}).dropna()
    paired = paired[(paired["x"] > 0) & (paired["y"] > 0)]
    if len(paired) < 4:
        raise DataQualityError(
            f"elasticity: {len(paired)} month(s) with positive engagement (lag {lag_months}) "
            "and outcome; expected at least 4"
        )
    fit = stats.linregress(np.log(paired["x"]), np.log(paired["y"]))
    t = stats.t.ppf(0.5 + confidence / 2, len(paired) - 2)
    return {
        "elasticity": float(fit.slope),
        "lower": float(fit.slope - t * fit.stderr),
        "upper": float(fit.slope + t * fit.stderr),
        "months": float(len(paired)),
    }
