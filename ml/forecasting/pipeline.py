"""Monthly revenue forecasts per pipeline stage, with intervals and a rolling-origin backtest.

Input: one row per month and stage with columns `period_start` (a date, the first day of
the month), `stage` and `revenue`. Stages are `new_business`, `expansion`, `renewal` and
`churn`, plus `other` by default (`ForecastConfig.accepted_stages`), which the warehouse's
revenue mart uses for invoices with an unmapped billing reason.

Churn rows carry lost revenue in whatever sign the caller uses (positive lost revenue or
negative revenue), as long as one sign is used throughout. Every method is additive, so
the forecast keeps the sign of its input, and a mix of signs is rejected as a
sign-convention error. Net revenue is therefore new_business + expansion + renewal minus
churn when churn is positive and plus churn when it is negative.

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
from ml.forecasting.evaluate import score_origins, select_method
from ml.forecasting.methods import choose_method_for_history, run_method
from ml.parsing import parse_times

logger = logging.getLogger(__name__)

STAGES = ("new_business", "expansion", "renewal", "churn")
# The warehouse's revenue mart labels invoices with an unmapped billing reason "other".
DEFAULT_ACCEPTED_STAGES = (*STAGES, "other")
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
    "interval_coverage",
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
        accepted_stages: Stage labels accepted in the input; any other label raises.
            Stages are forecast in this order.
        backtest_origins: Maximum number of rolling origins in `backtest_forecasts` and
            in the method selection.
        select_method: Pick each stage's method by rolling-origin MASE on its own history
            (see `ml.forecasting.evaluate.select_method`) instead of by history length only.
    """

    horizon_months: int = 3
    season_length: int = 12
    interval_level: float = 0.8
    seed: int = 20261204
    backtest_origins: int = 6
    select_method: bool = True
    accepted_stages: tuple[str, ...] = DEFAULT_ACCEPTED_STAGES

    def __post_init__(self) -> None:
        for name in ("horizon_months", "season_length", "backtest_origins"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ConfigurationError(f"{name} must be a whole number, got {value!r}")
        if self.horizon_months < 1:
            raise ConfigurationError(f"horizon_months must be >= 1, got {self.horizon_months}")
        if self.season_length < 2:
            raise ConfigurationError(f"season_length must be >= 2, got {self.season_length}")
        if not 0.0 < self.interval_level < 1.0:
            raise ConfigurationError(f"interval_level must be in (0, 1), got {self.interval_level}")
        if self.backtest_origins < 1:
            raise ConfigurationError(f"backtest_origins must be >= 1, got {self.backtest_origins}")


def _validate_monthly(monthly: pd.DataFrame, accepted_stages: tuple[str, ...]) -> pd.DataFrame:
    """Check columns, stages, month starts and the churn sign, and return a typed copy."""
    missing = {"period_start", "stage", "revenue"} - set(monthly.columns)
    if missing:
        raise DataQualityError(
            f"monthly revenue input: missing column(s) {sorted(missing)}; "
            "expected period_start, stage, revenue"
        )
    frame = monthly[["period_start", "stage", "revenue"]].copy()
    frame["period_start"] = parse_times(
        frame["period_start"],
        "monthly revenue input",
        "period_start",
        "a date, the first day of a month",
    )
    frame["revenue"] = pd.to_numeric(frame["revenue"], errors="coerce").astype(float)

    for row, (stage, start, revenue, given) in enumerate(
        zip(
            frame["stage"], frame["period_start"], frame["revenue"], monthly["revenue"], strict=True
        )
    ):
        if stage not in accepted_stages:
            raise DataQualityError(
                f"monthly revenue input, row {row}, field 'stage': invalid value {stage!r}; "
                f"expected one of {list(accepted_stages)}"
            )
        if pd.isna(start) or start.day != 1:
            raise DataQualityError(
                f"monthly revenue input, row {row}, field 'period_start': invalid value "
                f"{start!r}; expected the first day of a month"
            )
        if not np.isfinite(revenue):
            raise DataQualityError(
                f"monthly revenue input, row {row}, field 'revenue': invalid value "
                f"{given!r}; expected a finite number"
            )

    churn = frame.loc[frame["stage"] == "churn", "revenue"]
    if (churn > 0).any() and (churn < 0).any():
        raise DataQualityError(
            "monthly revenue input, field 'revenue' for stage 'churn': found both positive "
            f"({int((churn > 0).sum())} rows) and negative ({int((churn < 0).sum())} rows) "
            "values; expected one sign convention for lost revenue"
        )
    return frame


def _monthly_series(frame: pd.DataFrame, stages: tuple[str, ...]) -> dict[str, pd.Series]:
    """Build one gap-free monthly series per stage present, each ending at the last month."""
    duplicates = int(frame.duplicated(["period_start", "stage"]).sum())
    if duplicates:
        logger.info("summed %s repeated (period_start, stage) rows", duplicates)
    totals = frame.groupby(["stage", "period_start"])["revenue"].sum()
    last_month = frame["period_start"].max()

    series: dict[str, pd.Series] = {}
    for stage in stages:
        if stage not in totals.index.get_level_values("stage"):
            continue
        values = totals.loc[stage]
        months = pd.date_range(values.index.min(), last_month, freq="MS")
        series[stage] = values.reindex(months, fill_value=0.0).astype(float)
    return series


def _empty_forecast() -> pd.DataFrame:
    """Return a forecast frame with no rows but the column types of a full one."""
    return pd.DataFrame(
        {
            "period_start": pd.Series(dtype="datetime64[s]"),
            "stage": pd.Series(dtype="string"),
            "method": pd.Series(dtype="string"),
            "forecast": pd.Series(dtype=float),
            "lower": pd.Series(dtype=float),
            "upper": pd.Series(dtype=float),
            "history_months": pd.Series(dtype="int64"),
            "fallback_reason": pd.Series(dtype="string"),
        }
    )


def forecast_revenue(monthly: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """Forecast each stage's monthly revenue for the months after the input's last month.

    A stage with two seasons of history uses the seasonal damped-trend model, or with
    `select_method` the candidate (seasonal naive, SES, seasonal damped) with the lowest
    rolling-origin MASE on that stage's history. With one to two seasons it uses simple
    exponential smoothing, and below one season the naive forecast. `fallback_reason`
    names the fallback and its reason, and is null otherwise.
    Intervals are Gaussian: forecast -/+ z * sigma_h, with z for `interval_level`.

    Args:
        monthly: Columns period_start, stage, revenue, one row per month and stage.
        config: Horizon, season length, interval level and seed.

    Returns:
        Columns period_start, stage, method, forecast, lower, upper, history_months,
        fallback_reason; `horizon_months` rows per stage present in the input, none
        for an empty input.

    Raises:
        DataQualityError: on a missing column, a stage outside `accepted_stages`, a
            period_start that is not the first of a month, a non-finite revenue or mixed
            churn signs.
    """
    frame = _validate_monthly(monthly, config.accepted_stages)
    if frame.empty:
        return _empty_forecast()
    # NOTE: intervals ignore parameter and seasonal-index uncertainty, so seasonal damped
    # 80% intervals covered only 73% of actual values in the simulator backtest.
    z = float(norm.ppf(0.5 + config.interval_level / 2.0))

    parts = []
    for stage, series in _monthly_series(frame, config.accepted_stages).items():
        history = series.to_numpy()
        method, reason = choose_method_for_history(series.size, config.season_length)
        if config.select_method and reason is None:
            method, _ = select_method(
                history, config.horizon_months, config.season_length, config.backtest_origins
            )
        result = run_method(method, history, config.horizon_months, config.season_length)
        future = pd.date_range(
            series.index[-1] + pd.offsets.MonthBegin(1), periods=config.horizon_months, freq="MS"
        )
        point, lower, upper = _bounded_interval(history, result.forecast, z * result.sigma)
        parts.append(
            pd.DataFrame(
                {
                    "period_start": future.date,
                    "stage": stage,
                    "method": method,
                    "forecast": point,
                    "lower": lower,
                    "upper": upper,
                    "history_months": series.size,
                    "fallback_reason": reason,
                }
            )
        )
        if reason:
            logger.info("stage %s: %s", stage, reason)
    result = pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]
    # A string dtype keeps the column VARCHAR in DuckDB even when every value is null.
    result["fallback_reason"] = result["fallback_reason"].astype("string")
    return result


def _bounded_interval(
    history: np.ndarray, forecast: np.ndarray, half_width: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the forecast and its interval, cut at zero on the side history never crossed.

    Revenue of a stage with no negative month cannot fall below zero, and churn booked as
    negative amounts cannot rise above it. Cutting there drops only values the stage cannot
    take, so the interval covers every possible outcome it covered before. A trend can carry
    the point forecast itself across zero (a stage falling towards zero), so the forecast
    and both bounds are cut, which keeps lower <= forecast <= upper.
    """
    lower = forecast - half_width
    upper = forecast + half_width
    if history.size and history.min() >= 0:
        forecast, lower, upper = (np.maximum(values, 0.0) for values in (forecast, lower, upper))
    if history.size and history.max() <= 0:
        forecast, lower, upper = (np.minimum(values, 0.0) for values in (forecast, lower, upper))
    return forecast, lower, upper


def backtest_forecasts(monthly: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """Compare methods per stage by MASE on a rolling origin.

    For each of the last `backtest_origins` origins (and at least three training months),
    every method forecasts `horizon_months` ahead from the months before the origin. The
    error of one origin is the mean absolute error over the horizon divided by
    `mase_scale` of its training window, and `mase` is the mean over origins. Origins whose
    training window has a zero scale (a constant series) are skipped. When a method
    cannot run on a short training window it uses the same fallback as
    `forecast_revenue`, counted in `fallback_origins`. With `select_method`, the row
    "selected" scores the selection itself: at each origin it selects on the months
    before that origin only, so its MASE is an honest estimate of what
    `forecast_revenue` does.

    Args:
        monthly: Columns period_start, stage, revenue, one row per month and stage.
        config: Horizon, season length and number of origins.

    Returns:
        Columns stage, method, mase, origins, fallback_origins, horizon_months and
        interval_coverage, one row per stage and method (seasonal_naive, ses,
        seasonal_damped, and selected when `select_method` is on). interval_coverage is
        the share of forecast steps whose actual value fell inside the `interval_level`
        interval, to compare with that level. mase and interval_coverage are NaN when
        no origin could be scored.

    Raises:
        DataQualityError: on the same input problems as `forecast_revenue`.
    """
    frame = _validate_monthly(monthly, config.accepted_stages)
    if frame.empty:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)

    rows = []
    for stage, series in _monthly_series(frame, config.accepted_stages).items():
        scores = score_origins(
            series.to_numpy(),
            config.horizon_months,
            config.season_length,
            config.backtest_origins,
            selection_origins=config.backtest_origins if config.select_method else 0,
            interval_level=config.interval_level,
        )
        for method, score in scores.items():
            rows.append(
                {
                    "stage": stage,
                    "method": method,
                    "mase": float(np.mean(score.errors)) if score.errors else float("nan"),
                    "origins": len(score.errors),
                    "fallback_origins": score.fallback_origins,
                    "horizon_months": config.horizon_months,
                    "interval_coverage": float(np.mean(score.covered))
                    if score.covered
                    else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
