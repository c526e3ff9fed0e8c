"""Kaplan-Meier survival curves and their quantiles with confidence intervals.

Durations are whole days from the start of a journey to an event (sales-qualified, closed-won)
or to the end of observation (censored). The curve's quantile q is the time by which a share q
of journeys had the event; its interval inverts the pointwise Greenwood band of the curve on the
log(-log) scale (Brookmeyer and Crowley, Biometrics 38, 1982).
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from ml.errors import DataQualityError


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan-Meier curve: survival just after each distinct event time.

    Attributes:
        times: distinct times with at least one event, ascending.
        survival: estimated share of journeys still without the event just after each time.
        greenwood_sum: running sum of d / (n (n - d)) over event times, the Greenwood term.
        subjects: journeys in the sample.
        events: journeys whose event was observed.
        last_time: largest duration in the sample, observed or censored.
    """

    times: np.ndarray
    survival: np.ndarray
    greenwood_sum: np.ndarray
    subjects: int
    events: int
    last_time: float


@dataclass(frozen=True)
class QuantileEstimate:
    """A time quantile with its interval; None where the curve never reaches the level."""

    point: float | None
    low: float | None
    high: float | None


def fit_kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> SurvivalCurve:
    """Fit a Kaplan-Meier curve.

    Args:
        durations: time to the event or to censoring, one per journey, non-negative.
        observed: True where the event happened, False where the journey was censored.

    Returns:
        The curve. An empty sample gives an empty curve that never drops.

    Raises:
        DataQualityError: a duration is negative or missing, or the arrays differ in length.
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape:
        raise DataQualityError(
            f"durations ({durations.shape}) and observed flags ({observed.shape}) differ in "
            "length: pass one flag per duration"
        )
    bad = np.flatnonzero(~np.isfinite(durations) | (durations < 0))
    if bad.size:
        raise DataQualityError(
            f"{bad.size} durations are negative or missing, first at position {bad[0]} "
            f"(value {durations[bad[0]]}): expected days >= 0"
        )

    times, deaths = np.unique(durations[observed], return_counts=True)
    ordered = np.sort(durations)
    at_risk = (ordered.size - np.searchsorted(ordered, times, side="left")).astype(float)
    deaths = deaths.astype(float)
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), np.inf)
    return SurvivalCurve(
        times=times,
        survival=survival,
        greenwood_sum=np.cumsum(terms),
        subjects=int(durations.size),
        events=int(observed.sum()),
        last_time=float(durations.max()) if durations.size else 0.0,
    )


def survival_band(curve: SurvivalCurve, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Return the pointwise lower and upper survival limits at each event time (log-log scale)."""
    z = norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_survival = np.log(curve.survival)
        spread = z * np.sqrt(curve.greenwood_sum) / np.abs(log_survival)
        lower = curve.survival ** np.exp(spread)
        upper = curve.survival ** np.exp(-spread)
    # Where the curve is 1 or 0 the log-log band is undefined; it collapses onto the curve.
    lower = np.where(np.isfinite(lower), lower, curve.survival)
    upper = np.where(np.isfinite(upper), upper, curve.survival)
    return lower, upper


def _first_time_at_or_below(times: np.ndarray, values: np.ndarray, level: float) -> float | None:
    hits = np.flatnonzero(values <= level + 1e-12)
    return float(times[hits[0]]) if hits.size else None


def survival_quantile(
    curve: SurvivalCurve, share: float, confidence: float = 0.95
) -> QuantileEstimate:
    """Return the time by which `share` of all journeys had the event, with its interval.

    Args:
        curve: a fitted curve.
        share: the cumulative share in (0, 1): 0.5 for the median, 0.8 for the 80th percentile.
        confidence: coverage of the interval.

    Returns:
        Point and interval in the curve's time unit; None where the curve (or a band limit)
        never falls to 1 - share within the observed time.
    """
    level = 1.0 - share
    lower, upper = survival_band(curve, confidence)
    return QuantileEstimate(
        point=_first_time_at_or_below(curve.times, curve.survival, level),
        low=_first_time_at_or_below(curve.times, lower, level),
        high=_first_time_at_or_below(curve.times, upper, level),
    )


def converted_share(curve: SurvivalCurve) -> float:
    """Return the estimated share of journeys with the event by the end of observation."""
    return float(1.0 - curve.survival[-1]) if curve.times.size else 0.0


def converter_quantile(curve: SurvivalCurve, share: float) -> float | None:
    """Return the time by which `share` of the journeys converting within observation converted.

    This is the quantile of the curve's distribution function divided by its value at the last
    observed time, so it exists even when fewer than half of all journeys ever convert.
    """
    total = converted_share(curve)
    if total <= 0:
        return None
    return _first_time_at_or_below(curve.times, curve.survival, 1.0 - share * total)
