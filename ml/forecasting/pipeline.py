"""Monthly revenue forecasts per pipeline stage, with intervals and a rolling-origin backtest.

Input: one row per month and stage with columns `period_start` (a date, the first day of
the month), `stage` and `revenue`. Stages are `new_business`, `expansion`, `renewal` and
`churn`. Churn rows carry lost revenue in whatever sign the caller uses (positive lost
revenue or negative revenue), as long as one sign is used throughout. Every method is
additive, so the forecast keeps the sign of its input, and a mix of signs is rejected as
a sign-convention error. Net revenue is therefore new_business + expansion + renewal
minus churn when churn is positive and plus churn when it is negative.

A month missing for a stage between the first month seen for that stage and the last
month of the whole input is read as zero revenue, and rows repeated for the same month
and stage are summed.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ml.errors import ConfigurationError, DataQualityError
from ml.forecasting.methods import (
    NAIVE,
    SEASONAL_DAMPED,
    SEASONAL_NAIVE,
    SES,
    MethodForecast,
    forecast_naive,
    forecast_seasonal_damped,
    forecast_seasonal_naive,
    forecast_ses,
)

logger = logging.getLogger(__name__)

STAGES = ("new_business", "expansion", "renewal", "churn")
FORECAST_COLUMNS = [
    "period_start",
    "stage",
    "method",
    "forecast",
    "lower",
    "upper",
    "history_months",
    "fallback_reason",
]
BACKTEST_COLUMNS = [
    "stage",
    "method",
    "mase",
    "origins",
    "fallback_origins",
    "horizon_months",
]


@dataclass(frozen=True)
class ForecastConfig:
    """Settings of the monthly revenue forecast.

    Attributes:
        horizon_months: Months forecast after the last month of the input.
        season_length: Months in one seasonal cycle.
        interval_level: Central coverage of the [lower, upper] interval, in (0, 1).
        seed: Seed for random steps. The current methods are deterministic, so the seed
            only goes into model metadata.
        backtest_origins: Maximum number of rolling origins in `backtest_forecasts`.
    """

    horizon_months: int = 3
    season_length: int = 12
    interval_level: float = 0.8
    seed: int = 20261204
    backtest_origins: int = 6

    def __post_init__(self) -> None:
        if self.horizon_months < 1:
            raise ConfigurationError(f"horizon_months must be >= 1, got {self.horizon_months}")
        if self.season_length < 2:
            raise ConfigurationError(f"season_length must be >= 2, got {self.season_length}")
        if not 0.0 < self.interval_level < 1.0:
            raise ConfigurationError(f"interval_level must be in (0, 1), got {self.interval_level}")
        if self.backtest_origins < 1:
            raise ConfigurationError(f"backtest_origins must be >= 1, got {self.backtest_origins}")


def _validate_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """Check columns, stages, month starts and the churn sign, and return a typed copy."""
    missing = {"period_start", "stage", "revenue"} - set(monthly.columns)
    if missing:
        raise DataQualityError(
            f"monthly revenue input: missing column(s) {sorted(missing)}; "
            "expected period_start, stage, revenue"
        )
    frame = monthly[["period_start", "stage", "revenue"]].copy()
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["revenue"] = pd.to_numeric(frame["revenue"], errors="coerce").astype(float)

    for row, (stage, start, revenue) in enumerate(
        zip(frame["stage"], frame["period_start"], frame["revenue"], strict=True)
    ):
        if stage not in STAGES:
            raise DataQualityError(
                f"monthly revenue input, row {row}, field 'stage': invalid value {stage!r}; "
                f"expected one of {list(STAGES)}"
            )
        if pd.isna(start) or start.day != 1:
            raise DataQualityError(
                f"monthly revenue input, row {row}, field 'period_start': invalid value "
                f"{start!r}; expected the first day of a month"
            )
        if not np.isfinite(revenue):
            raise DataQualityError(
                f"monthly revenue input, row {row}, field 'revenue': invalid value "
                f"{revenue!r}; expected a finite number"
            )

    churn = frame.loc[frame["stage"] == "churn", "revenue"]
    if (churn > 0).any() and (churn < 0).any():
        raise DataQualityError(
            "monthly revenue input, field 'revenue' for stage 'churn': found both positive "
            f"({int((churn > 0).sum())} rows) and negative ({int((churn < 0).sum())} rows) "
            "values; expected one sign convention for lost revenue"
        )
    return frame


def _monthly_series(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """One gap-free monthly series per stage present, each ending at the input's last month."""
    duplicates = int(frame.duplicated(["period_start", "stage"]).sum())
    if duplicates:
        logger.info("summed %s repeated (period_start, stage) rows", duplicates)
    totals = frame.groupby(["stage", "period_start"])["revenue"].sum()
    last_month = frame["period_start"].max()

    series: dict[str, pd.Series] = {}
    for stage in STAGES:
        if stage not in totals.index.get_level_values("stage"):
            continue
        values = totals.loc[stage]
        months = pd.date_range(values.index.min(), last_month, freq="MS")
        series[stage] = values.reindex(months, fill_value=0.0).astype(float)
    return series


def _choose_method(history_months: int, season: int) -> tuple[str, str | None]:
    """Pick the method the history supports and say why when it is a fallback."""
    if history_months >= 2 * season:
        return SEASONAL_DAMPED, None
    if history_months >= season:
        return SES, (
            f"{history_months} months of history, fewer than two seasons "
            f"({2 * season}): seasonal indices not estimated, simple exponential smoothing"
        )
    return NAIVE, (
        f"{history_months} months of history, fewer than one season ({season}): "
        "naive forecast (last value repeated)"
    )


def _run_method(method: str, history: np.ndarray, horizon: int, season: int) -> MethodForecast:
    """Dispatch to one forecasting method by name."""
    if method == NAIVE:
        return forecast_naive(history, horizon)
    if method == SEASONAL_NAIVE:
        return forecast_seasonal_naive(history, horizon, season)
    if method == SES:
        return forecast_ses(history, horizon)
    if method == SEASONAL_DAMPED:
        return forecast_seasonal_damped(history, horizon, season)
    raise ValueError(f"unknown forecasting method {method!r}")


def forecast_revenue(monthly: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """Forecast each stage's monthly revenue for the months after the input's last month.

    Each stage uses the seasonal damped-trend model when it has two seasons of history,
    simple exponential smoothing with one to two seasons, and the naive forecast below
    one season; `fallback_reason` says which fallback applied and why (null otherwise).
    Intervals are Gaussian: forecast -/+ z * sigma_h, with z for `interval_level`.

    Args:
        monthly: Columns period_start, stage, revenue, one row per month and stage.
        config: Horizon, season length, interval level and seed.

    Returns:
        Columns period_start, stage, method, forecast, lower, upper, history_months,
        fallback_reason; `horizon_months` rows per stage present in the input, none
        for an empty input.

    Raises:
        DataQualityError: on a missing column, an unknown stage, a period_start that is
            not the first of a month, a non-finite revenue or mixed churn signs.
    """
    frame = _validate_monthly(monthly)
    if frame.empty:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    z = float(norm.ppf(0.5 + config.interval_level / 2.0))

    parts = []
    for stage, series in _monthly_series(frame).items():
        method, reason = _choose_method(series.size, config.season_length)
        result = _run_method(method, series.to_numpy(), config.horizon_months, config.season_length)
        future = pd.date_range(
            series.index[-1] + pd.offsets.MonthBegin(1), periods=config.horizon_months, freq="MS"
        )
        parts.append(
            pd.DataFrame(
                {
                    "period_start": future.date,
                    "stage": stage,
                    "method": method,
                    "forecast": result.forecast,
                    "lower": result.forecast - z * result.sigma,
                    "upper": result.forecast + z * result.sigma,
                    "history_months": series.size,
                    "fallback_reason": reason,
                }
            )
        )
        if reason:
            logger.info("stage %s: %s", stage, reason)
    return pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]


def mase_scale(history: np.ndarray, season: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (lag 1 when too short).

    This is the MASE denominator of Hyndman and Koehler: errors are divided by how well
    the seasonal naive forecast did inside the training window.
    """
    lag = season if history.size > season else 1
    if history.size <= lag:
        return float("nan")
    return float(np.mean(np.abs(history[lag:] - history[:-lag])))


def _backtest_series(
    series: np.ndarray, config: ForecastConfig
) -> dict[str, tuple[list[float], int]]:
    """Scaled errors per method over rolling origins, with how many origins fell back."""
    horizon, season = config.horizon_months, config.season_length
    scores: dict[str, tuple[list[float], int]] = {
        method: ([], 0) for method in (SEASONAL_NAIVE, SES, SEASONAL_DAMPED)
    }
    last_origin = series.size - horizon
    for origin in range(last_origin, max(last_origin - config.backtest_origins, 2), -1):
        train, actual = series[:origin], series[origin : origin + horizon]
        scale = mase_scale(train, season)
        if not np.isfinite(scale) or scale == 0.0:
            continue
        chosen, _ = _choose_method(train.size, season)
        for method, (errors, fallbacks) in scores.items():
            used = method
            if method == SEASONAL_DAMPED and chosen != SEASONAL_DAMPED:
                used = chosen
            elif method == SEASONAL_NAIVE and train.size < season:
                used = NAIVE
            forecast = _run_method(used, train, horizon, season).forecast
            errors.append(float(np.mean(np.abs(actual - forecast))) / scale)
            scores[method] = (errors, fallbacks + int(used != method))
    return scores


def backtest_forecasts(monthly: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """Compare methods per stage by MASE on a rolling origin.

    For each of the last `backtest_origins` origins (and at least three training months),
    every method forecasts `horizon_months` ahead from the months before the origin. The
    error of one origin is the mean absolute error over the horizon divided by
    `mase_scale` of its training window; `mase` is the mean over origins. Origins whose
    training window has a zero scale (a constant series) are skipped. When a method
    cannot run on a short training window it uses the same fallback as
    `forecast_revenue`, counted in `fallback_origins`.

    Args:
        monthly: Columns period_start, stage, revenue, one row per month and stage.
        config: Horizon, season length and number of origins.

    Returns:
        Columns stage, method, mase, origins, fallback_origins, horizon_months; one row
        per stage and method (seasonal_naive, ses, seasonal_damped), mase NaN when no
        origin could be scored.

    Raises:
        DataQualityError: on the same input problems as `forecast_revenue`.
    """
    frame = _validate_monthly(monthly)
    if frame.empty:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)

    rows = []
    for stage, series in _monthly_series(frame).items():
        for method, (errors, fallbacks) in _backtest_series(series.to_numpy(), config).items():
            rows.append(
                {
                    "stage": stage,
                    "method": method,
                    "mase": float(np.mean(errors)) if errors else float("nan"),
                    "origins": len(errors),
                    "fallback_origins": fallbacks,
                    "horizon_months": config.horizon_months,
                }
            )
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
