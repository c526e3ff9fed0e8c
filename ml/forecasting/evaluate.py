"""Rolling-origin evaluation of forecasting methods on one series, and method selection.

MASE follows Hyndman and Koehler: the mean absolute error over the horizon divided by the
in-sample mean absolute error of the seasonal naive forecast on the training window.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from ml.forecasting.methods import (
    NAIVE,
    SEASONAL_DAMPED,
    SEASONAL_NAIVE,
    SES,
    choose_method_for_history,
    run_method,
)

logger = logging.getLogger(__name__)

CANDIDATE_METHODS = (SEASONAL_NAIVE, SES, SEASONAL_DAMPED)
SELECTED = "selected"


@dataclass
class OriginScores:
    """Scaled errors and interval hits of one method over the scored origins."""

    errors: list[float] = field(default_factory=list)
    fallback_origins: int = 0
    covered: list[bool] = field(default_factory=list)


def mase_scale(history: np.ndarray, season: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (lag 1 when too short)."""
    lag = season if history.size > season else 1
    if history.size <= lag:
        return float("nan")
    return float(np.mean(np.abs(history[lag:] - history[:-lag])))


def _method_used(method: str, history_size: int, season: int) -> str:
    """The method that actually runs when `method` is requested on a history this long."""
    chosen, _ = choose_method_for_history(history_size, season)
    if method == SEASONAL_DAMPED and chosen != SEASONAL_DAMPED:
        return chosen
    if method == SEASONAL_NAIVE and history_size < season:
        return NAIVE
    return method


def score_origins(
    series: np.ndarray,
    horizon: int,
    season: int,
    origins: int,
    methods: tuple[str, ...] = CANDIDATE_METHODS,
    selection_origins: int = 0,
    interval_level: float = 0.8,
) -> dict[str, OriginScores]:
    """Score methods over the last `origins` rolling origins of one series.

    Each origin trains on the values before it and forecasts `horizon` steps. Origins need
    at least three training values and a non-zero MASE scale. A method that cannot run on
    a short training window uses the fallback of `choose_method_for_history`, counted in
    `fallback_origins`. With `selection_origins` > 0, the pseudo-method "selected" is
    scored too: at each origin it runs `select_method` on the training window only.
    `covered` records, for every forecast step, whether the actual value fell inside the
    method's Gaussian interval at `interval_level`.
    """
    z = float(norm.ppf(0.5 + interval_level / 2.0))
    scores = {method: OriginScores() for method in methods}
    if selection_origins:
        scores[SELECTED] = OriginScores()
    last_origin = series.size - horizon
    for origin in range(last_origin, max(last_origin - origins, 2), -1):
        train, actual = series[:origin], series[origin : origin + horizon]
        scale = mase_scale(train, season)
        if not np.isfinite(scale) or scale == 0.0:
            continue
        for method, score in scores.items():
            if method == SELECTED:
                used, _ = select_method(train, horizon, season, selection_origins)
            else:
                used = _method_used(method, train.size, season)
            result = run_method(used, train, horizon, season)
            score.errors.append(float(np.mean(np.abs(actual - result.forecast))) / scale)
            score.covered.extend((np.abs(actual - result.forecast) <= z * result.sigma).tolist())
            score.fallback_origins += int(method != SELECTED and used != method)
    return scores


def select_method(
    history: np.ndarray, horizon: int, season: int, origins: int, min_origins: int = 3
) -> tuple[str, float]:
    """Pick the candidate with the lowest rolling-origin MASE on this history.

    Only methods that run without fallback on the full history and at every scored
    origin compete. The length rule of `choose_method_for_history` decides instead when
    fewer than `min_origins` origins are scored or when the rule's own method cannot be
    scored without fallback, so an untested method is never replaced on thin evidence.

    Returns:
        The method and its mean MASE over the origins (NaN when the length rule decided).
    """
    rule_method, _ = choose_method_for_history(history.size, season)
    runnable = tuple(
        method
        for method in CANDIDATE_METHODS
        if _method_used(method, history.size, season) == method
    )
    if len(runnable) < 2:
        return rule_method, float("nan")
    scores = score_origins(history, horizon, season, origins, runnable)
    scored = {
        method: float(np.mean(score.errors))
        for method, score in scores.items()
        if len(score.errors) >= min_origins and score.fallback_origins == 0
    }
    if rule_method not in scored:
        return rule_method, float("nan")
    best = min(scored, key=lambda method: scored[method])
    return best, scored[best]
