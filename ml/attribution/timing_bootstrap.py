"""Bootstrap intervals of the timing model's channel credit, refitting everything per resample.

The timing model's own intervals (`TimingConfig.interval_draws`) draw the coefficients from
their sampling distribution with each channel's decay held at the one the likelihood picked.
They leave out the uncertainty of that pick, which on the simulator is the largest part of
the error (docs/attribution.md). Here accounts are the unit of resampling: each resample
draws as many accounts as there are, with replacement, keeping every touch, opportunity and
won deal of a drawn account. An account drawn twice enters as two accounts, because the
model gives each account its own hazard level. Each resample reruns the whole fit, decay
selection included, over the full data's weekly window, and the intervals are percentile
intervals of each channel's revenue credit and share over the resamples. A channel without
touches in a resample counts as 0 credit there.
"""

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ml.attribution.fit_logs import collected_fit_warnings
from ml.attribution.journeys import AttributionInputError
from ml.attribution.timing import (
    TimingConfig,
    TimingResult,
    _fit_deals,
    _timing_inputs,
    _TimingInputs,
)
from ml.attribution.timing import logger as timing_logger
from ml.errors import ConfigurationError
from ml.io import empty_frame

logger = logging.getLogger(__name__)

TIMING_INTERVAL_COLUMNS = [
    "conversion_type",
    "channel",
    "revenue_credit_lower",
    "revenue_credit_upper",
    "share_lower",
    "share_upper",
    "resamples",
]
# Separates an account id from its copy number in a resample. It is a control character, so a
# copy's id can only collide with another account's id if that id contains it.
COPY_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class TimingBootstrapConfig:
    """Settings of `bootstrap_timing_intervals`.

    Attributes:
        samples: Resamples of accounts; each refits the model once. 0 skips the bootstrap.
        confidence: Coverage of the percentile intervals, between 0 and 1.
        seed: Seed of the resampling, a non-negative integer.
    """

    samples: int = 100
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.samples, int) or self.samples < 0:
            raise ConfigurationError(
                f"TimingBootstrapConfig.samples: {self.samples!r} is invalid; expected an "
                "integer >= 0"
            )
        if not 0 < self.confidence < 1:
            raise ConfigurationError(
                f"TimingBootstrapConfig.confidence: {self.confidence!r} is invalid; expected "
                "a number between 0 and 1"
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigurationError(
                f"TimingBootstrapConfig.seed: {self.seed!r} is invalid; expected an integer >= 0"
            )


def empty_timing_intervals() -> pd.DataFrame:
    """Return `TIMING_INTERVAL_COLUMNS` without rows."""
    return empty_frame(TIMING_INTERVAL_COLUMNS, ("conversion_type", "channel"))


def bootstrap_timing_intervals(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: TimingConfig | None = None,
    bootstrap: TimingBootstrapConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Estimate percentile intervals of the timing model's channel credit by resampling accounts.

    Args:
        touches: `marts.fct_touches`, as for `timing_credit_table`.
        conversions: `marts.fct_conversions`, as for `timing_credit_table`.
        config: Timing model settings; its `interval_draws` are not used, because each
            resample is a whole refit.
        bootstrap: Resampling settings; defaults to `TimingBootstrapConfig()`.
        as_of: When the data were extracted, as for `timing_credit_table`.

    Returns:
        One row per channel of the full data's fit with `TIMING_INTERVAL_COLUMNS`:
        conversion type `closed_won`, the interval of the channel's revenue credit and of its
        share of the net credit, and the number of resamples the intervals rest on. The
        revenue interval is NaN when the credited deals have more than one currency, as
        `timing_credit_table` leaves the revenue credit empty then. No rows when there is
        nothing to credit, `samples` is 0, or no resample could be fitted.

    Raises:
        AttributionInputError: The inputs break a rule of `timing_credit_table`.
    """
    bootstrap = bootstrap or TimingBootstrapConfig()
    config = replace(config or TimingConfig(), interval_draws=0)
    inputs = _timing_inputs(touches, conversions, as_of)
    if inputs is None or bootstrap.samples == 0:
        return empty_timing_intervals()
    # The channels of a fit on the full data, in its order, without running that fit again.
    channels = sorted(inputs.touches["channel"].unique())
    accounts = pd.Index(
        sorted(set(inputs.touches["journey_id"]) | set(inputs.events["journey_id"]))
    )
    rng = np.random.default_rng(bootstrap.seed)
    uniform = np.full(len(accounts), 1 / len(accounts))
    values, shares, failures = [], [], []
    began = time.perf_counter()
    report_every = max(1, bootstrap.samples // 10)
    with collected_fit_warnings(timing_logger) as warnings:
        for done in range(1, bootstrap.samples + 1):
            copies = _account_copies(accounts, rng.multinomial(len(accounts), uniform))
            try:
                result = _refit(inputs, copies, config)
            except (ValueError, AttributionInputError, np.linalg.LinAlgError) as error:
                failures.append(f"{type(error).__name__}: {error}")
            else:
                values.append([result.credited_values.get(c, 0.0) for c in channels])
                shares.append(result.shares().reindex(channels).fillna(0.0).to_numpy())
            if done == 1 and bootstrap.samples > 1:
                # A large `samples` may not reach its first progress line (at 10%) for hours.
                took = time.perf_counter() - began
                total = took * bootstrap.samples
                estimate = f"{total:.0f} s" if total < 120 else f"{total / 60:.0f} min"
                logger.info(
                    "timing bootstrap: the first resample took %.1f s, so all %d will take "
                    "about %s",
                    took, bootstrap.samples, estimate,
                )  # fmt: skip
            if done % report_every == 0:
                logger.info(
                    "timing bootstrap: %d of %d resamples done in %.0f s",
                    done, bootstrap.samples, time.perf_counter() - began,
                )  # fmt: skip
    _log_resamples(bootstrap.samples, failures, len(accounts), warnings)
    if not values:
        return empty_timing_intervals()
    mixed = inputs.credited.get("currency", pd.Series(dtype=object)).dropna().nunique() > 1
    alpha = 1.0 - bootstrap.confidence
    value_bounds = np.quantile(np.array(values), [alpha / 2, 1 - alpha / 2], axis=0)
    share_bounds = np.quantile(np.array(shares), [alpha / 2, 1 - alpha / 2], axis=0)
    return pd.DataFrame(
        {
            "conversion_type": "closed_won",
            "channel": channels,
            "revenue_credit_lower": np.nan if mixed else value_bounds[0],
            "revenue_credit_upper": np.nan if mixed else value_bounds[1],
            "share_lower": share_bounds[0],
            "share_upper": share_bounds[1],
            "resamples": len(values),
        }
    )[TIMING_INTERVAL_COLUMNS]


def _account_copies(accounts: pd.Index, counts: np.ndarray) -> pd.DataFrame:
    """Map each drawn account to one new journey id per time it was drawn."""
    drawn = np.repeat(np.arange(len(accounts)), counts)
    copy = np.arange(len(drawn)) - np.repeat(np.cumsum(counts) - counts, counts)
    original = accounts[drawn]
    return pd.DataFrame(
        {
            "journey_id": original,
            "copy_id": original + COPY_SEPARATOR + pd.Index(copy.astype(str)),
        }
    )


def _with_copies(frame: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
    """Repeat each row of `frame` once per copy of its account, renamed to the copy."""
    joined = frame.merge(copies, on="journey_id", how="inner")
    return joined.drop(columns="journey_id").rename(columns={"copy_id": "journey_id"})


def _refit(inputs: _TimingInputs, copies: pd.DataFrame, config: TimingConfig) -> TimingResult:
    """Fit the timing model to one resample of accounts, over the full data's window."""
    result, _ = _fit_deals(
        _with_copies(inputs.touches, copies),
        _with_copies(inputs.events, copies),
        _with_copies(inputs.credited, copies),
        inputs.start,
        inputs.end,
        config,
    )
    return result


def _log_resamples(samples: int, failures: list[str], accounts: int, warnings: list[str]) -> None:
    """Log how many resamples were fitted, why the others were not, and their fits' warnings."""
    logger.info(
        "timing bootstrap: %d of %d resamples of %d accounts fitted",
        samples - len(failures), samples, accounts,
    )  # fmt: skip
    if failures:
        logger.warning(
            "timing bootstrap: %d of %d resamples could not be fitted and are left out of "
            "the intervals, first: %s",
            len(failures), samples, failures[0],
        )  # fmt: skip
    if warnings:
        logger.warning(
            "timing bootstrap: the resamples' fits logged %d warning(s), first: %s",
            len(warnings), warnings[0],
        )  # fmt: skip
