"""Timing attribution: when does an account open an opportunity, given its own touches?

The other models compare journeys with each other. An unrecorded cause of both touching and
buying (intent, budget) then biases every one of them: the accounts that buy also chat more.
This model compares each account with itself. It tests whether opportunities open in the
weeks when the account's recent touches of a channel were high, rather than in other weeks
of the same six-week block. Whatever is constant for an account over a block cancels out.

1. **Exposure.** For each account, channel and week, `D` sums the channel's touches of
   earlier weeks, each week's count multiplied by `decay` per week of age. The exposure is
   `1 - exp(-D / saturation)`. Each channel's decay (its conversion window) is picked from a
   grid by likelihood, one channel at a time (`select_shapes`), or fixed per channel.
2. **Weekly hazard.** The log hazard of an opportunity opening in a week is an account term
   plus `sum_c beta_c x exposure_c` plus a calendar-month term. Conditioning removes the
   account term: a time-stratified case-crossover design, fitted as a conditional logistic
   regression by Newton steps. Each opportunity is compared with the other weeks of its
   block (`block_weeks` long, counted from the window's first week). Fixed blocks, not
   windows centred on the event, avoid the overlap bias of centred windows. The weeks of a
   block before its opportunity are weeks in which the account did not open one. They are a
   selected sample when the weekly chance is high, and short blocks keep that bias small.
   (An offset for it, with the chance taken from a first fit, made the simulator's accuracy
   worse and was dropped.)
3. **Credit.** Removing channel c from a credited opportunity's week lowers its hazard by
   the factor `exp(-beta_c x exposure_c)`. The share of that opportunity c caused is
   `1 - exp(-beta_c x exposure_c)`, with `beta_c` moved `shrinkage` standard errors towards 0
   (negative coefficients count as 0). Some of those
   opportunities would have opened later in the window anyway. The net credit multiplies by
   the chance of no later opportunity without c. That chance uses the account's hazard
   after the event, scaled by the account's level and averaged over the level's gamma
   posterior (the prior fitted on every journey). When
   the deal's close time is known, only weeks early enough for a deal with the same sales
   cycle to close inside the window count: a later deal that would close after the window
   is not a won deal of the window either. When the opportunity is an experiment's outcome,
   only weeks that start before the unit's outcome window ends count
   (`ml.attribution.timing_experiments`).

It needs each credited conversion's opportunity creation time, and journeys without any
conversion. It credits channels; `ml.attribution.timing_touches` splits each deal's channel
credit over the touches behind it. It needs many opportunities: with a few thousand,
zero-effect channels pick up noise. docs/attribution.md gives the measured accuracy and the
settings' origin.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import product
from numbers import Integral
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

from ml.attribution.journeys import (
    _check_columns,
    _finite_numbers,
    _parse_times,
    _reject_rows,
    _require_labels,
    _utc_times,
)
from ml.errors import ConfigurationError
from ml.io import empty_frame

logger = logging.getLogger(__name__)

SECONDS_PER_WEEK = 7 * 86_400
NEWTON_MAX_ITERATIONS = 50
NEWTON_TOLERANCE = 1e-8
MAX_NEWTON_STEP = 2.0
# Cap on a week's log relative hazard in the credit step; exp(700) is still finite.
MAX_LOG_HAZARD = 700.0
# A coefficient above this size (a hazard ratio over e^10 at full exposure) means that
# the channel's exposure separates the weeks with an opportunity from those without.
SEPARATION_COEFFICIENT = 10.0
# Newton steps per candidate while choosing exposure shapes: the fit starts from the
# current coefficients, so a few steps get close enough to compare likelihoods.
SHAPE_SEARCH_STEPS = 4
# The 2.5% and 97.5% quantiles need a draw in each tail: with fewer than 40 draws the
# interval is the range of the draws, and one draw gives an interval of zero width.
MIN_INTERVAL_DRAWS = 40
# Optional column of `timing_attribution`'s credited opportunities: the end of the window in
# which each counts as an outcome, which also bounds the later opportunities that replace it.
OUTCOME_WINDOW_END = "outcome_window_end"


@dataclass(frozen=True)
class TimingConfig:
    """Settings of `timing_attribution`.

    Attributes:
        block_weeks: Length in weeks of the blocks, counted from the window's first week,
            whose weeks are compared with each other.
        decays: Candidate weekly decays of a channel's touch count.
        saturations: Candidate decayed counts at which exposure reaches `1 - 1/e`.
        select_shapes: Pick each channel's decay and saturation by likelihood; with False
            every channel uses `default_decay` and `default_saturation`.
        default_decay: Decay used for every channel before (or without) selection.
        default_saturation: Saturation used the same way.
        sweeps: Rounds over the channels when selecting shapes.
        channel_shapes: Channel to a fixed `(decay, saturation)`; these channels are left
            out of the selection.
        shrinkage: Credit uses each coefficient moved this many standard errors towards 0
            (and 0 if it crosses), so a channel earns credit only with evidence of an
            effect. 0 (the default) credits the point estimates; on the simulator 1 helped
            with the fixed shape and hurt with planted or selected shapes.
        penalty: Ridge penalty `penalty x sum beta^2 / 2` on the conditional likelihood. It
            keeps the fit finite when a channel separates the weeks perfectly in small data,
            and is negligible when the information runs to thousands.
        interval_draws: Coefficient draws behind the 95% intervals of each channel's credit
            and share: 0 skips the intervals, otherwise at least `MIN_INTERVAL_DRAWS`.
        seed: Seed of those draws, a non-negative integer.
    """

    block_weeks: int = 6
    decays: tuple[float, ...] = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
    saturations: tuple[float, ...] = (1.0,)
    select_shapes: bool = True
    default_decay: float = 0.7
    default_saturation: float = 1.0
    sweeps: int = 2
    channel_shapes: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    shrinkage: float = 0.0
    penalty: float = 0.1
    interval_draws: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        fixed = list(self.channel_shapes.values())
        decays = (*self.decays, self.default_decay, *(shape[0] for shape in fixed))
        saturations = (*self.saturations, self.default_saturation, *(shape[1] for shape in fixed))
        for name in ("shrinkage", "penalty", "interval_draws"):
            if getattr(self, name) < 0:
                raise ConfigurationError(
                    f"TimingConfig.{name}: {getattr(self, name)} is invalid; expected >= 0"
                )
        draws = self.interval_draws
        if not isinstance(draws, Integral) or 0 < draws < MIN_INTERVAL_DRAWS:
            raise ConfigurationError(
                f"TimingConfig.interval_draws: {draws!r} is invalid; expected 0 (no intervals) "
                f"or an integer of at least {MIN_INTERVAL_DRAWS}"
            )
        if not isinstance(self.seed, Integral) or self.seed < 0:
            raise ConfigurationError(
                f"TimingConfig.seed: {self.seed!r} is invalid; expected an integer >= 0"
            )
        if self.block_weeks < 2:
            raise ConfigurationError(
                f"TimingConfig.block_weeks: {self.block_weeks} is invalid; expected 2 or more"
            )
        if not all(0 <= value < 1 for value in decays):
            raise ConfigurationError(f"TimingConfig: decays {decays} must be in [0, 1)")
        if not all(value > 0 for value in saturations):
            raise ConfigurationError(f"TimingConfig: saturations {saturations} must be > 0")


@dataclass(frozen=True)
class TimingResult:
    """Fitted weekly hazard and the credit it gives each channel.

    Attributes:
        coefficients: Channel to `beta_c`, the log-hazard change at saturated exposure.
        standard_errors: Channel to the standard error of `beta_c`.
        shapes: Channel to its `(decay, saturation)`.
        gross_conversions: Channel to the summed share of credited opportunities it caused.
        credited_conversions: Channel to the same after removing opportunities that would
            have opened later anyway (the net credit).
        credited_values: Channel to the summed value of credited opportunities times
            the net share the channel caused (its expected incremental value).
        events: Opportunities the hazard was fitted on.
        credited_events: Credited opportunities.
        log_likelihood: Conditional log-likelihood of the fitted hazard.
        credited_intervals: Channel to the 95% interval of its net credit, from coefficient
            draws (NaN when `interval_draws` is 0 or no deal is credited).
        share_intervals: Channel to the same interval of its share of the net credit.
        value_intervals: Channel to the same interval of `credited_values`.
        deals_with_credit: Channel to the number of credited opportunities it has any net
            credit on.
    """

    coefficients: dict[str, float]
    standard_errors: dict[str, float]
    shapes: dict[str, tuple[float, float]]
    gross_conversions: dict[str, float]
    credited_conversions: dict[str, float]
    credited_values: dict[str, float]
    events: int
    credited_events: int
    log_likelihood: float
    credited_intervals: dict[str, tuple[float, float]]
    share_intervals: dict[str, tuple[float, float]]
    value_intervals: dict[str, tuple[float, float]]
    deals_with_credit: dict[str, int]

    def shares(self) -> pd.Series:
        """Return each channel's share of the net credit (zeros when nothing is credited)."""
        credit = pd.Series(self.credited_conversions, dtype=float)
        total = credit.sum()
        return credit / total if total > 0 else credit


def _checked(
    frame: pd.DataFrame,
    table: str,
    labels: tuple[str, ...],
    time: str,
    numbers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Return `frame` with non-blank string labels, UTC times and finite numbers.

    Raises:
        AttributionInputError: A column is missing, a label is blank, a time stamp does not
            parse or a number is not finite. The message names the table, row and field.
    """
    _check_columns(frame, table, (*labels, time, *numbers))
    frame = frame.reset_index(drop=True).copy()
    _require_labels(frame, table, labels)
    frame[time] = _parse_times(frame, table, time)
    for name in numbers:
        frame[name] = _finite_numbers(frame, table, name)
    return frame


def _week_index(times: pd.Series, start: pd.Timestamp) -> np.ndarray:
    seconds = (pd.to_datetime(times, utc=True) - start).dt.total_seconds().to_numpy()
    return np.floor(seconds / SECONDS_PER_WEEK).astype(np.int64)


def weekly_counts(
    touches: pd.DataFrame, journeys: pd.Index, channels: list[str], start: pd.Timestamp, weeks: int
) -> np.ndarray:
    """Count touches per (journey, channel, week) for weeks `0 .. weeks-1` after `start`.

    Touches before `start` or after the last week are left out, because they fall in no
    week of the window.
    """
    week = _week_index(touches["touched_at"], start)
    journey = journeys.get_indexer(touches["journey_id"])
    channel = pd.Index(channels).get_indexer(touches["channel"])
    keep = (week >= 0) & (week < weeks) & (journey >= 0) & (channel >= 0)
    counts = np.zeros((len(journeys), len(channels), weeks), dtype=np.float32)
    np.add.at(counts, (journey[keep], channel[keep], week[keep]), 1.0)
    return counts


def decayed_counts(counts: np.ndarray, decay: float) -> np.ndarray:
    """Sum each channel's touches of earlier weeks, decayed by `decay` per week of age."""
    out = np.zeros_like(counts)
    for week in range(1, counts.shape[2]):
        out[:, :, week] = decay * out[:, :, week - 1] + counts[:, :, week - 1]
    return out


@dataclass(frozen=True)
class _Strata:
    """Rows of the case-crossover design: one row per (opportunity, week of its block)."""

    journey: np.ndarray
    week: np.ndarray
    stratum: np.ndarray
    is_case: np.ndarray
    bounds: np.ndarray


def _block_strata(
    event_journey: np.ndarray, event_week: np.ndarray, block: int, weeks: int
) -> _Strata:
    first = (event_week // block) * block
    last = np.minimum(first + block, weeks)
    sizes = last - first
    stratum = np.repeat(np.arange(len(event_week)), sizes)
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    week = np.repeat(first, sizes) + offsets
    return _Strata(
        journey=np.repeat(event_journey, sizes),
        week=week,
        stratum=stratum,
        is_case=week == np.repeat(event_week, sizes),
        bounds=np.concatenate([[0], np.cumsum(sizes)[:-1]]),
    )


def _fit_conditional_logit(
    design: np.ndarray, strata: _Strata, beta: np.ndarray, iterations: int, penalty: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Run Newton steps on the penalised conditional log-likelihood.

    Returns the coefficients, the information matrix (penalty included) and the
    log-likelihood without the penalty.
    """
    bounds, stratum = strata.bounds, strata.stratum
    information = np.eye(len(beta))
    for _ in range(iterations):
        eta = design @ beta
        weight = np.exp(eta - np.maximum.reduceat(eta, bounds)[stratum])
        weight /= np.add.reduceat(weight, bounds)[stratum]
        mean = np.add.reduceat(weight[:, None] * design, bounds)
        gradient = design[strata.is_case].sum(axis=0) - mean.sum(axis=0) - penalty * beta
        information = (design * weight[:, None]).T @ design - mean.T @ mean
        information += max(penalty, 1e-9) * np.eye(len(beta))
        step = np.linalg.solve(information, gradient)
        # Cap the step so a poor start on sparse data cannot overshoot into overflow.
        step *= min(1.0, MAX_NEWTON_STEP / max(float(np.abs(step).max()), 1e-12))
        beta = beta + step
        if np.abs(step).max() < NEWTON_TOLERANCE:
            break
    eta = design @ beta
    peak = np.maximum.reduceat(eta, bounds)
    normaliser = np.log(np.add.reduceat(np.exp(eta - peak[stratum]), bounds)) + peak
    return beta, information, float(eta[strata.is_case].sum() - normaliser.sum())


def _warn_of_separation(
    channels: list[str], beta: np.ndarray, standard_errors: np.ndarray, penalty: float
) -> None:
    """Log a warning naming each channel whose coefficient ran off to a huge value."""
    for column, channel in enumerate(channels):
        if abs(beta[column]) > SEPARATION_COEFFICIENT:
            logger.warning(
                "timing attribution: channel %r has coefficient %.1f (standard error %.1f): its "
                "exposure separates weeks with and without an opportunity, so its credit is "
                "not reliable. Use more opportunities or a larger penalty (now %s).",
                channel, beta[column], standard_errors[column], penalty,
            )  # fmt: skip


def _month_design(start: pd.Timestamp, weeks: int) -> np.ndarray:
    """Return calendar-month indicators (January left out) of each week's middle day."""
    months = np.array([(start + pd.Timedelta(days=7 * week + 3)).month for week in range(weeks)])
    return np.stack([months == month for month in range(2, 13)], axis=1).astype(float)


def _gamma_frailty(events: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """Fit a gamma(shape, rate) account level to event counts by negative-binomial likelihood."""
    ratio = max(float(expected.mean()) / max(float(events.mean()), 1e-9), 1e-9)

    def negative_loglik(log_parameters: np.ndarray) -> float:
        shape, rate = np.exp(log_parameters)
        return -float(
            np.sum(
                gammaln(events + shape)
                - gammaln(shape)
                + shape * np.log(rate)
                - (events + shape) * np.log(rate + expected)
            )
        )

    fits = [
        minimize(negative_loglik, np.log([shape, shape * ratio]), method="Nelder-Mead")
        for shape in (0.3, 1.0, 3.0, 30.0)
    ]
    best = min(fits, key=lambda fit: fit.fun)
    shape, rate = np.exp(best.x)
    return float(shape), float(rate)


def _channel_exposure(counts: np.ndarray, column: int, shape: tuple[float, float]) -> np.ndarray:
    """Return one channel's exposure per (journey, week) for a `(decay, saturation)` shape."""
    decay, saturation = shape
    decayed = decayed_counts(counts[:, column : column + 1, :], decay)[:, 0, :]
    return 1.0 - np.exp(-decayed / saturation)


def _exposure_rows(
    counts: np.ndarray,
    channels: list[str],
    shapes: dict[str, tuple[float, float]],
    strata: _Strata,
) -> np.ndarray:
    """Return each channel's exposure, with its own shape, at every row of the design."""
    columns = [
        _channel_exposure(counts, column, shapes[channel])[strata.journey, strata.week]
        for column, channel in enumerate(channels)
    ]
    return np.stack(columns, axis=1)


@dataclass(frozen=True)
class _Problem:
    """Inputs shared by every fit: counts per (journey, channel, week) and the design rows."""

    counts: np.ndarray
    channels: list[str]
    months: np.ndarray
    strata: _Strata
    config: TimingConfig


@dataclass(frozen=True)
class _HazardFit:
    beta: np.ndarray
    information: np.ndarray
    log_likelihood: float
    shapes: dict[str, tuple[float, float]]


def _fit_hazard(
    problem: _Problem, shapes: dict[str, tuple[float, float]], beta: np.ndarray
) -> _HazardFit:
    """Fit the conditional logistic regression, choosing each channel's shape if configured."""
    config, strata, channels = problem.config, problem.strata, problem.channels
    shapes = dict(shapes)
    design = np.hstack(
        [_exposure_rows(problem.counts, channels, shapes, strata), problem.months[strata.week]]
    ).astype(float)
    beta, information, loglik = _fit_conditional_logit(
        design, strata, beta, NEWTON_MAX_ITERATIONS, config.penalty
    )
    if not config.select_shapes:
        return _HazardFit(beta, information, loglik, shapes)
    for sweep in range(config.sweeps):
        for column, channel in enumerate(channels):
            if channel in config.channel_shapes:
                continue
            for key in product(config.decays, config.saturations):
                trial = design.copy()
                trial[:, column] = _channel_exposure(problem.counts, column, key)[
                    strata.journey, strata.week
                ]
                fitted, _, trial_loglik = _fit_conditional_logit(
                    trial, strata, beta, SHAPE_SEARCH_STEPS, config.penalty
                )
                if trial_loglik > loglik + 1e-9:
                    shapes[channel], beta, loglik = key, fitted, trial_loglik
            design[:, column] = _channel_exposure(problem.counts, column, shapes[channel])[
                strata.journey, strata.week
            ]
        logger.info("timing attribution: shape sweep %d, log-likelihood %.2f", sweep + 1, loglik)
    beta, information, loglik = _fit_conditional_logit(
        design, strata, beta, NEWTON_MAX_ITERATIONS, config.penalty
    )
    return _HazardFit(beta, information, loglik, shapes)


def _account_levels(
    log_relative: np.ndarray, event_journey: np.ndarray, event_week: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return each journey's gamma posterior (shape, rate) of its hazard level.

    The gamma prior is fitted on all journeys. A journey's data are whether it opened an
    opportunity and the expected count, the sum of its relative hazard over the weeks up to
    its first opportunity (or the whole window).
    """
    weeks = log_relative.shape[1]
    first_event = np.full(log_relative.shape[0], weeks, dtype=np.int64)
    np.minimum.at(first_event, event_journey, event_week)
    at_risk = np.arange(weeks)[None, :] <= first_event[:, None]
    expected = (np.exp(log_relative) * at_risk).sum(axis=1)
    had_event = (first_event < weeks).astype(float)
    shape, rate = _gamma_frailty(had_event, expected)
    return had_event + shape, expected + rate


def timing_attribution(
    touches: pd.DataFrame,
    events: pd.DataFrame,
    credited: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    config: TimingConfig | None = None,
) -> TimingResult:
    """Fit the weekly opportunity hazard and credit channels for the credited opportunities.

    Args:
        touches: One row per touch: `journey_id`, `touched_at`, `channel`. Journeys that
            never open an opportunity must be included; they set the account level.
        events: One row per opportunity (the hazard's events): `journey_id`, `event_at`.
        credited: The opportunities to credit, for example those later won, with
            `journey_id`, `event_at` (the opportunity's creation time) and `value`, and
            optionally `closed_at` (when the deal closed). With `closed_at`, the net
            credit counts a later opportunity only if it would have closed before `end`
            after the same sales cycle; a missing `closed_at` sets no such limit.
            Optionally `outcome_window_end` (`OUTCOME_WINDOW_END`), the end of the window
            in which the opportunity counts as an outcome, such as an experiment's. The net
            credit then counts a later opportunity only in weeks that start before it; a
            missing value sets no such limit. With both columns both limits apply.
        start: Start of the first week.
        end: End of the window; weeks start every 7 days from `start` until `end`.
        config: Settings; defaults to `TimingConfig()`.

    Returns:
        The fitted coefficients and each channel's gross and net credit.

    Raises:
        AttributionInputError: A column is missing, a journey id or channel is blank, a time
            stamp does not parse, a value is not a finite number, or a deal closes or its
            outcome window ends before its opportunity opened.
        ValueError: When no opportunity falls inside the window.
    """
    touches = _checked(touches, "touches", ("journey_id", "channel"), "touched_at")
    events = _checked(events, "events", ("journey_id",), "event_at")
    credited = _checked(credited, "credited", ("journey_id",), "event_at", ("value",))
    for column in ("closed_at", OUTCOME_WINDOW_END):
        if column in credited.columns:
            credited[column] = _optional_times(credited, column)
    return _fit_and_credit(touches, events, credited, start, end, config or TimingConfig())


def _optional_times(credited: pd.DataFrame, column: str) -> pd.Series:
    """Parse `column`, allowing missing values but not unparseable or early ones."""
    times = _utc_times(credited[column])
    present = credited[column].notna()
    _reject_rows(credited, present & times.isna(), "credited", column, "a time stamp")
    _reject_rows(
        credited,
        times < credited["event_at"],
        "credited",
        column,
        "a time on or after the opportunity's event_at",
    )
    return times


def _fit_and_credit(
    touches: pd.DataFrame,
    events: pd.DataFrame,
    credited: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    config: TimingConfig,
) -> TimingResult:
    """Run `timing_attribution` on frames that `_checked` has already validated."""
    return _fit_deals(touches, events, credited, start, end, config)[0]


@dataclass(frozen=True)
class _DealCredit:
    """Each credited deal's net share per channel, and where the touches behind it sit.

    Attributes:
        rows: Position in `credited` of each deal inside the window (the deals below).
        journeys: The fit's journey ids; `journey` indexes into them.
        journey: Journey of each deal.
        week: Week each deal's opportunity opened, counted from `start`.
        net_share: Net share of each deal caused by each channel (channel x deal).
        channels: Channels, in the order of `net_share`'s rows.
        decays: Weekly decay of each channel's touches.
        start: Start of the first week.
        weeks: Weeks in the window.
        value_draws: Each coefficient draw's credited value per channel, the net shares
            times the deals' values (draws x channels; no rows without draws).
    """

    rows: np.ndarray
    journeys: pd.Index
    journey: np.ndarray
    week: np.ndarray
    net_share: np.ndarray
    channels: list[str]
    decays: np.ndarray
    start: pd.Timestamp
    weeks: int
    value_draws: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


@dataclass(frozen=True)
class _FittedHazard:
    """A fitted weekly hazard, ready to credit any set of opportunities of its journeys.

    Attributes:
        start: Start of the first week.
        end: End of the window.
        weeks: Weeks in the window.
        channels: Channels, in the order of the coefficients and of `exposure`'s axis 1.
        journeys: Journey ids, in the order of `exposure`'s axis 0.
        exposure: Exposure per (journey, channel, week).
        months: Calendar-month indicators per week.
        fit: Coefficients, information matrix, log-likelihood and shapes.
        standard_errors: Standard error of every coefficient, months included.
        level_shape: Shape of each journey's gamma posterior of its hazard level.
        level_rate: Rate of that posterior.
        events: Opportunities the hazard was fitted on.
        config: Settings of the fit, also used by the credit step.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    weeks: int
    channels: list[str]
    journeys: pd.Index
    exposure: np.ndarray
    months: np.ndarray
    fit: _HazardFit
    standard_errors: np.ndarray
    level_shape: np.ndarray
    level_rate: np.ndarray
    events: int
    config: TimingConfig


def _fit_deals(
    touches: pd.DataFrame,
    events: pd.DataFrame,
    credited: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    config: TimingConfig,
) -> tuple[TimingResult, _DealCredit]:
    """Run `_fit_and_credit`, also returning each credited deal's net share per channel."""
    return _credit_opportunities(_fit_timing_hazard(touches, events, start, end, config), credited)


def _fit_timing_hazard(
    touches: pd.DataFrame,
    events: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    config: TimingConfig,
) -> _FittedHazard:
    """Fit the weekly hazard and each journey's level on validated touches and events.

    Raises:
        ValueError: When no opportunity falls inside the window.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    start = start.tz_localize("UTC") if start.tzinfo is None else start
    end = end.tz_localize("UTC") if end.tzinfo is None else end
    weeks = int(np.ceil((end - start).total_seconds() / SECONDS_PER_WEEK))
    channels = sorted(touches["channel"].unique())
    journeys = pd.Index(sorted(set(touches["journey_id"]) | set(events["journey_id"])))
    event_week = _week_index(events["event_at"], start)
    inside = (event_week >= 0) & (event_week < weeks)
    if not inside.any():
        raise ValueError(f"timing_attribution: no opportunity between {start} and {end}")
    if not inside.all():
        logger.warning(
            "timing attribution: %d of %d opportunities fall outside %s to %s and are left out",
            int((~inside).sum()), len(inside), start, end,
        )  # fmt: skip
    event_journey = journeys.get_indexer(events["journey_id"])[inside]
    event_week = event_week[inside]
    counts = weekly_counts(touches, journeys, channels, start, weeks)
    months = _month_design(start, weeks)
    strata = _block_strata(event_journey, event_week, config.block_weeks, weeks)
    logger.info(
        "timing attribution: %d journeys, %d channels, %d weeks, %d opportunities, %d rows",
        len(journeys), len(channels), weeks, len(event_week), len(strata.week),
    )  # fmt: skip

    shapes = {
        channel: config.channel_shapes.get(
            channel, (config.default_decay, config.default_saturation)
        )
        for channel in channels
    }
    problem = _Problem(counts, channels, months, strata, config)
    fit = _fit_hazard(problem, shapes, np.zeros(len(channels) + months.shape[1]))
    standard_errors = np.sqrt(np.clip(np.diag(np.linalg.inv(fit.information)), 0, None))
    _warn_of_separation(channels, fit.beta, standard_errors, config.penalty)
    exposure = np.stack(
        [
            _channel_exposure(counts, column, fit.shapes[channel])
            for column, channel in enumerate(channels)
        ],
        axis=1,
    )
    log_relative = np.einsum("jcw,c->jw", exposure, fit.beta[: len(channels)])
    log_relative += (months @ fit.beta[len(channels) :])[None, :]
    level_shape, level_rate = _account_levels(log_relative, event_journey, event_week)
    return _FittedHazard(
        start=start,
        end=end,
        weeks=weeks,
        channels=channels,
        journeys=journeys,
        exposure=exposure,
        months=months,
        fit=fit,
        standard_errors=standard_errors,
        level_shape=level_shape,
        level_rate=level_rate,
        events=len(event_week),
        config=config,
    )


def _credit_opportunities(
    hazard: _FittedHazard, credited: pd.DataFrame
) -> tuple[TimingResult, _DealCredit]:
    """Credit validated opportunities with a fitted hazard, as `timing_attribution` documents."""
    start, weeks, channels, config = hazard.start, hazard.weeks, hazard.channels, hazard.config
    beta, standard_errors = hazard.fit.beta, hazard.standard_errors
    # The credit uses the coefficients shrunk towards 0 by `shrinkage` standard errors.
    credited_beta = _shrunk(
        beta[: len(channels)], standard_errors[: len(channels)], config.shrinkage
    )

    credited_week = _week_index(credited["event_at"], start)
    credited_journey = hazard.journeys.get_indexer(credited["journey_id"])
    keep = (credited_week >= 0) & (credited_week < weeks) & (credited_journey >= 0)
    if not keep.all():
        logger.warning(
            "timing attribution: %d of %d credited opportunities fall outside %s to %s or "
            "belong to a journey without touches or opportunities, and are left out",
            int((~keep).sum()), len(keep), start, hazard.end,
        )  # fmt: skip
    credited_week, credited_journey = credited_week[keep], credited_journey[keep]
    values = credited["value"].to_numpy(dtype=float)[keep]
    later = np.arange(weeks)[None, :] > credited_week[:, None]
    if "closed_at" in credited.columns:
        later &= _closes_in_window(credited[keep], start, hazard.end, weeks)
    if OUTCOME_WINDOW_END in credited.columns:
        later &= _weeks_starting_before(credited.loc[keep, OUTCOME_WINDOW_END], start, weeks)
    deals = _CreditedDeals(
        exposure=hazard.exposure[credited_journey],
        week=credited_week,
        level_shape=hazard.level_shape[credited_journey],
        level_rate=hazard.level_rate[credited_journey],
        later=later,
        months=hazard.months,
    )
    gross_share, net_share = _credit(deals, beta, credited_beta)
    credit_draws, value_draws = _credit_draws(
        deals, values, beta, hazard.fit.information, standard_errors, config
    )
    result = TimingResult(
        coefficients=dict(zip(channels, beta[: len(channels)].tolist(), strict=True)),
        standard_errors=dict(zip(channels, standard_errors[: len(channels)].tolist(), strict=True)),
        shapes=hazard.fit.shapes,
        gross_conversions=dict(zip(channels, gross_share.sum(axis=1).tolist(), strict=True)),
        credited_conversions=dict(zip(channels, net_share.sum(axis=1).tolist(), strict=True)),
        credited_values=dict(zip(channels, (net_share @ values).tolist(), strict=True)),
        events=hazard.events,
        credited_events=len(credited_week),
        log_likelihood=hazard.fit.log_likelihood,
        credited_intervals=_intervals(channels, credit_draws),
        share_intervals=_intervals(channels, _shares_of(credit_draws)),
        value_intervals=_intervals(channels, value_draws),
        deals_with_credit=dict(zip(channels, (net_share > 0).sum(axis=1).tolist(), strict=True)),
    )
    deal_credit = _DealCredit(
        rows=np.flatnonzero(keep),
        journeys=hazard.journeys,
        journey=credited_journey,
        week=credited_week,
        net_share=net_share,
        channels=channels,
        decays=np.array([hazard.fit.shapes[channel][0] for channel in channels], dtype=float),
        start=start,
        weeks=weeks,
        value_draws=value_draws,
    )
    return result, deal_credit


@dataclass(frozen=True)
class _CreditedDeals:
    """Inputs of the credit step, one entry per credited opportunity.

    Attributes:
        exposure: Exposure per (deal, channel, week) of the deal's journey.
        week: Week the deal's opportunity opened.
        level_shape: Shape of the gamma posterior of the deal's journey's hazard level.
        level_rate: Rate of that posterior.
        later: Per (deal, week), whether a later opportunity in that week would replace it.
        months: Calendar-month indicators per week.
    """

    exposure: np.ndarray
    week: np.ndarray
    level_shape: np.ndarray
    level_rate: np.ndarray
    later: np.ndarray
    months: np.ndarray


def _shrunk(beta: np.ndarray, standard_errors: np.ndarray, shrinkage: float) -> np.ndarray:
    """Move each coefficient `shrinkage` standard errors towards 0, stopping at 0."""
    return np.sign(beta) * np.clip(np.abs(beta) - shrinkage * standard_errors, 0, None)


def _credit(
    deals: _CreditedDeals, beta: np.ndarray, credited_beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the gross and net share of each deal caused by each channel (channel x deal).

    `beta` sets the hazard. `credited_beta` (the channel coefficients, possibly shrunk) sets
    what removing a channel takes away.
    """
    channels = deals.exposure.shape[1]
    log_relative = np.einsum("dcw,c->dw", deals.exposure, beta[:channels])
    log_relative += (deals.months @ beta[channels:])[None, :]
    rows = np.arange(len(deals.week))
    gross = np.zeros((channels, len(deals.week)))
    net = np.zeros_like(gross)
    for column in range(channels):
        removed = np.clip(credited_beta[column] * deals.exposure[:, column, :], 0, None)
        caused = 1 - np.exp(-removed[rows, deals.week])
        # The chance of no later opportunity, exp(-level x relative hazard summed over the
        # later weeks), averaged over the level's gamma posterior: (rate / (rate + sum))^shape.
        # A plug-in posterior mean would understate it, because exp(-level x sum) is convex.
        # Weeks that do not count get log hazard -inf. The cap keeps a separated fit's huge
        # coefficients from overflowing, and the chance of no later deal is then 0 either way.
        later_log = np.where(
            deals.later, np.minimum(log_relative - removed, MAX_LOG_HAZARD), -np.inf
        )
        later_sum = np.exp(later_log).sum(axis=1)
        no_later = np.exp(-deals.level_shape * np.log1p(later_sum / deals.level_rate))
        gross[column] = caused
        net[column] = caused * no_later
    return gross, net


def _credit_draws(
    deals: _CreditedDeals,
    values: np.ndarray,
    beta: np.ndarray,
    information: np.ndarray,
    standard_errors: np.ndarray,
    config: TimingConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each channel's net credit and credited value under drawn coefficients.

    The draws are normal with the fit's inverse information as covariance, so the spread
    covers the coefficients' sampling error only: the chosen shapes and the account levels
    are held fixed.

    Returns:
        Two arrays of draws x channels, credit and value (no rows when
        `config.interval_draws` is 0).
    """
    channels = deals.exposure.shape[1]
    if config.interval_draws == 0 or len(deals.week) == 0:
        return np.zeros((0, channels)), np.zeros((0, channels))
    rng = np.random.default_rng(config.seed)
    covariance = np.linalg.inv(information)
    draws = rng.multivariate_normal(beta, covariance, config.interval_draws, method="eigh")
    credit = np.zeros((config.interval_draws, channels))
    value = np.zeros_like(credit)
    for index, drawn in enumerate(draws):
        credited_beta = _shrunk(drawn[:channels], standard_errors[:channels], config.shrinkage)
        net = _credit(deals, drawn, credited_beta)[1]
        credit[index] = net.sum(axis=1)
        value[index] = net @ values
    return credit, value


def _shares_of(credit: np.ndarray) -> np.ndarray:
    """Divide each draw's credit by its total (a draw with no credit gives zeros)."""
    total = credit.sum(axis=1, keepdims=True)
    return np.divide(credit, total, out=np.zeros_like(credit), where=total > 0)


def _intervals(channels: list[str], draws: np.ndarray) -> dict[str, tuple[float, float]]:
    """Return each channel's 2.5% and 97.5% quantiles over the draws (NaN without draws)."""
    if len(draws) == 0:
        return {channel: (float("nan"), float("nan")) for channel in channels}
    lower, upper = np.quantile(draws, [0.025, 0.975], axis=0)
    return {
        channel: (float(low), float(high))
        for channel, low, high in zip(channels, lower, upper, strict=True)
    }


def _closes_in_window(
    credited: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, weeks: int
) -> np.ndarray:
    """Mark, per credited deal and week, whether a deal opened that week would close by `end`.

    The deal opened in week w is assumed to take as long from opening to close as the
    credited one did. Deals without a close time are not limited.
    """
    cycle = (credited["closed_at"] - credited["event_at"]).dt.total_seconds().to_numpy()
    latest_open = (end - start).total_seconds() - np.clip(np.nan_to_num(cycle, nan=0.0), 0, None)
    week_start = np.arange(weeks) * SECONDS_PER_WEEK
    return week_start[None, :] < latest_open[:, None]


def _weeks_starting_before(limits: pd.Series, start: pd.Timestamp, weeks: int) -> np.ndarray:
    """Mark, per credited deal and week, whether the week starts before the deal's limit.

    A missing limit marks every week.
    """
    seconds = (limits - start).dt.total_seconds().to_numpy()
    seconds = np.nan_to_num(seconds, nan=np.inf)
    week_start = np.arange(weeks) * SECONDS_PER_WEEK
    return week_start[None, :] < seconds[:, None]


EXPOSURE_MEMORY_WEEKS = 52
# The loaders allow event times up to a day after the load, for clocks a little ahead.
FUTURE_TOLERANCE = pd.Timedelta(days=1)
TIMING_CREDIT_COLUMNS = (
    "conversion_type",
    "channel",
    "coefficient",
    "std_error",
    "decay",
    "saturation",
    "gross_conversions",
    "credited_conversions",
    "revenue_credit",
    "revenue_lower",
    "revenue_upper",
    "currency",
    "share",
    "credited_lower",
    "credited_upper",
    "share_lower",
    "share_upper",
    "opportunities",
    "credited_deals",
    "deals_with_credit",
)


def _warn_of_deals_won_before_opening(won: pd.DataFrame, opened: pd.DataFrame) -> None:
    """Log the won deals that closed before their own opportunity was created.

    Such a deal's opportunity counts as opened after the journey's first win, so the
    opportunity is no hazard event and the deal has none to be timed at: both are left out.
    """
    keys = ["journey_id", "opportunity_id"]
    pairs = won.loc[won["opportunity_id"].notna(), [*keys, "converted_at"]].merge(
        opened[[*keys, "converted_at"]], on=keys, suffixes=("_won", "_opened")
    )
    early = pairs[pairs["converted_at_won"] < pairs["converted_at_opened"]]
    if not early.empty:
        logger.warning(
            "timing attribution: %d won deal(s) closed before their opportunity opened, "
            "first %r. They and their opportunities are left out",
            len(early), early["opportunity_id"].iloc[0],
        )  # fmt: skip


def _deal_currency(credited: pd.DataFrame) -> tuple[str | None, bool]:
    """Return the credited deals' currency (None if none is given) and whether there are several.

    Deals without a currency are not counted as another currency.
    """
    if "currency" not in credited.columns:
        return None, False
    currencies = sorted(credited["currency"].dropna().astype(str).unique())
    if len(currencies) > 1:
        logger.warning(
            "timing attribution: the credited deals are in %d currencies %s, so revenue_credit "
            "is left empty; credited_conversions and shares count every deal",
            len(currencies), currencies,
        )  # fmt: skip
        return None, True
    return (currencies[0] if currencies else None), False


def _drop_future_conversions(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Leave out, with a warning, conversions dated more than `FUTURE_TOLERANCE` after `as_of`.

    The loaders reject future event times but accept a future HubSpot close date, which is a
    planned date on open deals. On a won deal it is an entry error, and the window would
    otherwise run to it: one close date in 2099 cut the net credit to nearly 0.
    """
    as_of = pd.Timestamp(as_of)
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of
    future = frame["converted_at"] > as_of + FUTURE_TOLERANCE
    if future.any():
        first = frame[future].iloc[0]
        logger.warning(
            "timing attribution: %d conversion(s) dated more than a day after %s are left "
            "out, first %s %r of journey %r at %s. Check the CRM close and create dates",
            int(future.sum()), as_of, first["conversion_type"], first["opportunity_id"],
            first["journey_id"], first["converted_at"],
        )  # fmt: skip
    return frame[~future]


@dataclass(frozen=True)
class _TimingInputs:
    """Validated touches, hazard events and credited deals, and the window they span."""

    touches: pd.DataFrame
    events: pd.DataFrame
    credited: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp


def _empty_credit_table() -> pd.DataFrame:
    """Return `timing_credit_table`'s columns without rows."""
    return empty_frame(TIMING_CREDIT_COLUMNS, ("conversion_type", "channel", "currency"))


def timing_credit_table(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: TimingConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Credit won new-business deals to channels with the timing model, one row per channel.

    The hazard's events are the `opportunity_created` conversions opened before the
    journey's first `closed_won` one (later ones are expansions or renewals, which touches do
    not drive in the same way). The credited deals are the `closed_won` conversions, timed
    at the creation of their opportunity (matched on `opportunity_id`) and closed at the
    time they were won. A won deal without that opportunity is left out, and so is one that
    closed before its opportunity opened (a warning names it). Touches more than
    `EXPOSURE_MEMORY_WEEKS` before the first opportunity are left out, and weeks start on
    the Monday on or before the first remaining touch or opportunity, whichever is earlier.
    The window ends a day after the last conversion of any type; later touches are left out.
    With `as_of`, conversions dated more than a day after it are left out first, with a
    warning, so that a mistyped future close date cannot stretch the window.

    Args:
        touches: `marts.fct_touches` (`journey_id`, `touched_at`, `channel`).
        conversions: `marts.fct_conversions` (`journey_id`, `opportunity_id`,
            `conversion_type`, `converted_at`, `revenue`, and optionally `currency`).
            `revenue_credit` sums revenue only when the credited deals have at most one
            currency, which `currency` then names. With several it is left empty (a
            warning is logged), because the model's credit is not split by currency.
        config: Settings; defaults to `TimingConfig()`.
        as_of: When the data were extracted, for example the time of the load; None sets
            no limit.

    Returns:
        Columns `TIMING_CREDIT_COLUMNS`; no rows when there is no touch, no opportunity
        or no won deal to credit.

    Raises:
        AttributionInputError: A column is missing, a journey id, channel or conversion type
            is blank, a time stamp does not parse, a `closed_won` revenue is not a finite
            number (other rows' revenue is not used) or an opportunity_created or
            closed_won row repeats another's journey and opportunity_id. A touch repeats
            another's journey and `touch_id`, when touches have that column.
    """
    inputs = _timing_inputs(touches, conversions, as_of)
    if inputs is None:
        return _empty_credit_table()
    result = _fit_and_credit(
        inputs.touches,
        inputs.events,
        inputs.credited,
        inputs.start,
        inputs.end,
        config or TimingConfig(),
    )
    return _channel_table(result, inputs.credited)


def _timing_inputs(
    touches: pd.DataFrame, conversions: pd.DataFrame, as_of: pd.Timestamp | None
) -> _TimingInputs | None:
    """Validate and select `timing_credit_table`'s inputs; None when there is nothing to credit.

    The credited deals keep the won rows' `conversion_id` when `conversions` has one.
    """
    touches, frame = _validated_inputs(touches, conversions, as_of)
    if touches.empty or frame.empty:
        return None
    won = frame[frame["conversion_type"] == "closed_won"]
    if won.empty:
        logger.warning(
            "timing attribution: no closed_won conversion to credit; conversion types found: %s",
            sorted(frame["conversion_type"].unique()),
        )
        return None
    opened = frame[frame["conversion_type"] == "opportunity_created"]
    _warn_of_deals_won_before_opening(won, opened)
    events = _hazard_events(frame)
    # A missing opportunity_id matches nothing (pandas would pair missing with missing).
    credited = (
        won[won["opportunity_id"].notna()]
        .rename(columns={"converted_at": "closed_at"})
        .merge(
            events.loc[
                events["opportunity_id"].notna(), ["journey_id", "opportunity_id", "event_at"]
            ],
            on=["journey_id", "opportunity_id"],
            how="inner",
        )
        .rename(columns={"revenue": "value"})
    )
    if events.empty or credited.empty:
        return None
    return _hazard_window(touches, events, frame, credited)


def _hazard_inputs(
    touches: pd.DataFrame, conversions: pd.DataFrame, as_of: pd.Timestamp | None
) -> _TimingInputs | None:
    """Validate and select the hazard's touches and events as `timing_credit_table` does.

    The result credits nothing (`credited` has no rows); it is None when there is no touch
    or opportunity. Unlike `timing_credit_table`, no won deal is needed.
    """
    touches, frame = _validated_inputs(touches, conversions, as_of)
    if touches.empty or frame.empty:
        return None
    events = _hazard_events(frame)
    if events.empty:
        return None
    return _hazard_window(touches, events, frame, pd.DataFrame())


def _validated_inputs(
    touches: pd.DataFrame, conversions: pd.DataFrame, as_of: pd.Timestamp | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check touches and conversions as `timing_credit_table` documents.

    Conversions dated more than a day after `as_of` are left out with a warning.
    """
    touches = _checked(touches, "touches", ("journey_id", "channel"), "touched_at")
    if "touch_id" in touches.columns:
        _reject_rows(
            touches,
            touches["touch_id"].notna() & touches.duplicated(["journey_id", "touch_id"]),
            "touches",
            "touch_id",
            "a touch id unique within its journey",
        )
    columns = ["journey_id", "opportunity_id", "conversion_type", "converted_at", "revenue"]
    _check_columns(conversions, "conversions", tuple(columns))
    columns.extend(name for name in ("currency", "conversion_id") if name in conversions.columns)
    frame = _checked(
        conversions.loc[:, columns],
        "conversions",
        ("journey_id", "conversion_type"),
        "converted_at",
    )
    frame["revenue"] = _finite_numbers(
        frame,
        "conversions",
        "revenue",
        rows=frame["conversion_type"] == "closed_won",
        rule="a finite number on a closed_won row",
    )
    # The won deals are matched to their opportunities on these keys, so a repeated row
    # would multiply the credit instead of counting once.
    keys = ["journey_id", "conversion_type", "opportunity_id"]
    matched = frame["opportunity_id"].notna() & frame["conversion_type"].isin(
        ["opportunity_created", "closed_won"]
    )
    _reject_rows(
        frame,
        matched & frame.duplicated(keys),
        "conversions",
        "opportunity_id",
        "one opportunity_created and one closed_won row per journey and opportunity",
    )
    if as_of is not None:
        frame = _drop_future_conversions(frame, as_of)
    return touches, frame


def _hazard_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the opportunities opened on or before their journey's first win, as `event_at`."""
    won = frame[frame["conversion_type"] == "closed_won"]
    opened = frame[frame["conversion_type"] == "opportunity_created"]
    if won.empty:
        # pandas cannot map through an empty series of time stamps.
        return opened.rename(columns={"converted_at": "event_at"})
    first_win = won.groupby("journey_id")["converted_at"].min()
    win_at = pd.to_datetime(opened["journey_id"].map(first_win), utc=True)
    before_win = win_at.isna() | (opened["converted_at"] <= win_at)
    return opened[before_win].rename(columns={"converted_at": "event_at"})


def _hazard_window(
    touches: pd.DataFrame, events: pd.DataFrame, frame: pd.DataFrame, credited: pd.DataFrame
) -> _TimingInputs | None:
    """Leave out old touches and set the weeks' window; None when no touch is left."""
    # A touch a year before the first opportunity keeps at most 0.9 ** 52 of its weight, so
    # older touches are left out. A warehouse that also contains an older funnel (Olist, say)
    # then does not stretch the weekly arrays over years without opportunities.
    earliest = events["event_at"].min() - pd.Timedelta(weeks=EXPOSURE_MEMORY_WEEKS)
    touches = touches[touches["touched_at"] >= earliest]
    if touches.empty:
        return None
    first = min(touches["touched_at"].min(), events["event_at"].min()).normalize()
    start = first - pd.Timedelta(days=first.day_of_week)
    # The window ends with the conversion data, because no opportunity is observed after the
    # last conversion. A later touch (a wrong clock, say) would otherwise add weeks in which a
    # credited account "would have" opened anyway, and so cut the net credit.
    end = frame["converted_at"].max() + pd.Timedelta(days=1)
    return _TimingInputs(touches, events, credited, start, end)


def _channel_table(result: TimingResult, credited: pd.DataFrame) -> pd.DataFrame:
    """Lay out a fit's channel credit as `TIMING_CREDIT_COLUMNS` rows."""
    channels = list(result.coefficients)
    shares = result.shares().reindex(channels).fillna(0.0)
    currency, mixed = _deal_currency(credited)
    revenue = [np.nan if mixed else result.credited_values[c] for c in channels]
    return pd.DataFrame(
        {
            "conversion_type": "closed_won",
            "channel": channels,
            "coefficient": [result.coefficients[c] for c in channels],
            "std_error": [result.standard_errors[c] for c in channels],
            "decay": [result.shapes[c][0] for c in channels],
            "saturation": [result.shapes[c][1] for c in channels],
            "gross_conversions": [result.gross_conversions[c] for c in channels],
            "credited_conversions": [result.credited_conversions[c] for c in channels],
            "revenue_credit": revenue,
            "revenue_lower": [np.nan if mixed else result.value_intervals[c][0] for c in channels],
            "revenue_upper": [np.nan if mixed else result.value_intervals[c][1] for c in channels],
            "currency": currency,
            "share": shares.to_numpy(),
            "credited_lower": [result.credited_intervals[c][0] for c in channels],
            "credited_upper": [result.credited_intervals[c][1] for c in channels],
            "share_lower": [result.share_intervals[c][0] for c in channels],
            "share_upper": [result.share_intervals[c][1] for c in channels],
            "opportunities": result.events,
            "credited_deals": result.credited_events,
            "deals_with_credit": [result.deals_with_credit[c] for c in channels],
        }
    )
