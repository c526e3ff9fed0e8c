"""Point forecasts and Gaussian interval widths for one evenly spaced series.

Every method takes the history as a 1-D float array and returns a `MethodForecast` with
the point forecasts for steps 1..h and the standard deviation of the forecast error at
each step. The methods are deterministic: no step draws random numbers.

Methods:
    - `naive`: the last value repeated.
    - `seasonal_naive`: the value one season earlier.
    - `ses`: simple exponential smoothing (ETS(A,N,N)), smoothing weight fitted by
      minimising the in-sample squared one-step errors.
    - `seasonal_damped`: additive seasonal indices from a classical decomposition, then
      a damped-trend Holt model (ETS(A,Ad,N)) on the seasonally adjusted series, and the
      indices added back. It needs two full seasons; the damping keeps a trend fitted on
      a short history from running away over the horizon.
"""

import logging
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

logger = logging.getLogger(__name__)

NAIVE = "naive"
SEASONAL_NAIVE = "seasonal_naive"
SES = "ses"
SEASONAL_DAMPED = "seasonal_damped"


@dataclass(frozen=True)
class MethodForecast:
    """Point forecasts and error standard deviations for steps 1..h."""

    method: str
    forecast: np.ndarray
    sigma: np.ndarray


def _one_step_sigma(errors: np.ndarray) -> float:
    """Root mean squared one-step error, 0.0 when there are no errors to measure."""
    finite = errors[np.isfinite(errors)]
    if finite.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(finite**2)))


def forecast_naive(history: np.ndarray, horizon: int) -> MethodForecast:
    """Repeat the last value; the error variance grows linearly with the step (random walk)."""
    sigma = _one_step_sigma(np.diff(history))
    steps = np.arange(1, horizon + 1)
    return MethodForecast(NAIVE, np.full(horizon, history[-1]), sigma * np.sqrt(steps))


def forecast_seasonal_naive(history: np.ndarray, horizon: int, season: int) -> MethodForecast:
    """Repeat the value from one season before each forecast step.

    Raises:
        ValueError: when the history is shorter than one season.
    """
    if history.size < season:
        raise ValueError(
            f"seasonal naive needs at least {season} values (one season), got {history.size}"
        )
    last_season = history[-season:]
    forecast = np.array([last_season[step % season] for step in range(horizon)])
    sigma = _one_step_sigma(history[season:] - history[:-season])
    seasons_ahead = np.arange(horizon) // season + 1
    return MethodForecast(SEASONAL_NAIVE, forecast, sigma * np.sqrt(seasons_ahead))


def _ses_errors(alpha: float, history: np.ndarray) -> tuple[np.ndarray, float]:
    """One-step errors of simple exponential smoothing and the final level."""
    level = history[0]
    errors = np.empty(history.size - 1)
    for t in range(1, history.size):
        errors[t - 1] = history[t] - level
        level = level + alpha * errors[t - 1]
    return errors, level


def forecast_ses(history: np.ndarray, horizon: int) -> MethodForecast:
    """Simple exponential smoothing with the smoothing weight fitted on one-step errors.

    The first value is the initial level. Error variance at step h is
    sigma^2 * (1 + (h - 1) * alpha^2), which follows from the error-correction form
    of the model.
    """
    if history.size < 3:
        return forecast_naive(history, horizon)

    def sse(params: np.ndarray) -> float:
        errors, _ = _ses_errors(float(params[0]), history)
        return float(np.sum(errors**2))

    fitted = minimize(sse, x0=np.array([0.3]), bounds=[(0.01, 0.99)], method="L-BFGS-B")
    alpha = float(fitted.x[0])
    errors, level = _ses_errors(alpha, history)
    sigma = _one_step_sigma(errors)
    steps = np.arange(1, horizon + 1)
    return MethodForecast(
        SES, np.full(horizon, level), sigma * np.sqrt(1.0 + (steps - 1) * alpha**2)
    )


def seasonal_indices(history: np.ndarray, season: int) -> np.ndarray:
    """Additive seasonal indices from a classical decomposition, summing to zero.

    The trend is a centred moving average over one season (a 2 x m average for even m).
    Index k is the mean of (value - trend) over positions k, k + m, ...; position 0 is
    the first value of `history`.

    Raises:
        ValueError: when the history is shorter than two seasons.
    """
    if history.size < 2 * season:
        raise ValueError(
            f"seasonal indices need at least {2 * season} values (two seasons), got {history.size}"
        )
    if season % 2 == 0:
        weights = np.r_[0.5, np.ones(season - 1), 0.5] / season
    else:
        weights = np.ones(season) / season
    trend = np.convolve(history, weights, mode="valid")
    offset = (weights.size - 1) // 2
    detrended = history[offset : offset + trend.size] - trend
    positions = (np.arange(trend.size) + offset) % season
    indices = np.array([detrended[positions == k].mean() for k in range(season)])
    return indices - indices.mean()


def _damped_errors(params: np.ndarray, series: np.ndarray) -> tuple[np.ndarray, float, float]:
    """One-step errors of ETS(A,Ad,N) in state-space form, and the final level and trend."""
    alpha, beta, phi = (float(value) for value in params)
    level = series[0]
    trend = series[1] - series[0]
    errors = np.empty(series.size - 1)
    for t in range(1, series.size):
        error = series[t] - (level + phi * trend)
        errors[t - 1] = error
        level = level + phi * trend + alpha * error
        trend = phi * trend + beta * error
    return errors, level, trend


def forecast_seasonal_damped(history: np.ndarray, horizon: int, season: int) -> MethodForecast:
    """Damped-trend Holt on the seasonally adjusted series, seasonal indices added back.

    Parameters alpha in [0.01, 0.99], beta in [0.0, alpha] and phi in [0.8, 0.98] are
    fitted by minimising in-sample squared one-step errors. Error variance at step h
    is sigma^2 * (1 + sum_{j<h} (alpha + beta * (phi + ... + phi^j))^2), which follows
    from the state-space form of ETS(A,Ad,N). The uncertainty of the seasonal indices
    themselves is left out, so the intervals are too narrow when the seasonality is
    unstable.

    Raises:
        ValueError: when the history is shorter than two seasons.
    """
    indices = seasonal_indices(history, season)
    positions = np.arange(history.size) % season
    adjusted = history - indices[positions]

    def sse(params: np.ndarray) -> float:
        penalty = 1e12 * max(0.0, float(params[1] - params[0]))
        errors, _, _ = _damped_errors(params, adjusted)
        return float(np.sum(errors**2)) + penalty

    fitted = minimize(
        sse,
        x0=np.array([0.3, 0.05, 0.9]),
        bounds=[(0.01, 0.99), (0.0, 0.99), (0.8, 0.98)],
        method="L-BFGS-B",
    )
    alpha, beta, phi = (float(value) for value in fitted.x)
    beta = min(beta, alpha)
    errors, level, trend = _damped_errors(np.array([alpha, beta, phi]), adjusted)

    steps = np.arange(1, horizon + 1)
    damping_sums = np.cumsum(phi**steps)
    future_positions = (history.size + steps - 1) % season
    forecast = level + damping_sums * trend + indices[future_positions]

    sigma = _one_step_sigma(errors)
    coefficients = alpha + beta * damping_sums[:-1]
    variance_factor = 1.0 + np.r_[0.0, np.cumsum(coefficients**2)]
    return MethodForecast(SEASONAL_DAMPED, forecast, sigma * np.sqrt(variance_factor))


def choose_method_for_history(history_months: int, season: int) -> tuple[str, str | None]:
    """Pick the method a history of this length supports, with the reason when it is a fallback.

    Two seasons or more: seasonal_damped. One to two seasons: ses. Less: naive.
    """
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


def run_method(method: str, history: np.ndarray, horizon: int, season: int) -> MethodForecast:
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
