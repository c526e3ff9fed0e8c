"""Conversion windows: time from first community touch to sales-qualified and closed-won.

Reads the conversion journeys mart (one row per account, censored where the milestone was not
reached by the end of observation) and the community revenue mart (for the sales cycle from
opportunity to close), and estimates each window's median and 80th percentile by Kaplan-Meier,
overall and by cohort quarter, first community channel and engagement depth.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.errors import DataQualityError
from ml.windows.kaplan_meier import (
    QuantileEstimate,
    converted_share,
    converter_quantile,
    fit_kaplan_meier,
    survival_quantile,
)

logger = logging.getLogger(__name__)

# Milestone -> (duration column, event flag column) in marts.fct_conversion_journeys.
JOURNEY_MILESTONES: dict[str, tuple[str, str]] = {
    "opportunity": ("days_to_opportunity", "has_opportunity"),
    "closed_won": ("days_to_won", "has_won"),
}
JOURNEY_DIMENSIONS: dict[str, str] = {
    "cohort": "cohort_quarter",
    "channel": "first_community_channel",
    "engagement_depth": "engagement_depth",
}
QUANTILES: dict[str, float] = {"median": 0.5, "p80": 0.8}


@dataclass(frozen=True)
class WindowConfig:
    """Settings of the conversion-window estimates.

    Attributes:
        confidence: coverage of every interval.
        bootstrap_replicates: resamples behind the converter-quantile intervals.
        seed: seed of the bootstrap draws.
        min_journeys: groups with fewer journeys are reported without estimates.
    """

    confidence: float = 0.95
    bootstrap_replicates: int = 200
    seed: int = 20261204
    min_journeys: int = 10


def _journey_frame(journeys: pd.DataFrame) -> pd.DataFrame:
    required = {"cohort_month", *JOURNEY_DIMENSIONS.values(), "observed_until"} - {"cohort_quarter"}
    for duration, flag in JOURNEY_MILESTONES.values():
        required |= {duration, flag}
    missing = sorted(required - set(journeys.columns))
    if missing:
        raise DataQualityError(
            f"marts.fct_conversion_journeys lacks columns {missing}: rebuild the dbt marts"
        )
    frame = journeys.copy()
    cohort = pd.to_datetime(frame["cohort_month"])
    frame["cohort_quarter"] = cohort.dt.year.astype(str) + "-Q" + cohort.dt.quarter.astype(str)
    return frame


def sales_cycle_durations(
    opportunities: pd.DataFrame, observed_until: pd.Timestamp
) -> pd.DataFrame:
    """Return days from creation to close of new-business opportunities, open ones censored.

    Args:
        opportunities: rows of marts.fct_community_revenue.
        observed_until: last day of observation; open deals are censored there.

    Returns:
        Columns `days` and `closed`, one row per new-business opportunity.
    """
    deals = opportunities[opportunities["deal_type"] == "newbusiness"]
    created = pd.to_datetime(deals["created_at"], utc=True).dt.tz_localize(None).dt.normalize()
    censored_days = (pd.Timestamp(observed_until) - created).dt.days
    closed = deals["is_closed"].astype(bool)
    days = np.where(closed, deals["days_to_close"], censored_days)
    return pd.DataFrame({"days": days.astype(float), "closed": closed.to_numpy()})


def _bootstrap_converter_interval(
    durations: np.ndarray, observed: np.ndarray, share: float, config: WindowConfig, seed: int
) -> tuple[float | None, float | None]:
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(config.bootstrap_replicates):
        picks = rng.integers(0, durations.size, durations.size)
        value = converter_quantile(fit_kaplan_meier(durations[picks], observed[picks]), share)
        if value is not None:
            values.append(value)
    if len(values) < config.bootstrap_replicates / 2:
        return None, None
    tail = (1 - config.confidence) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))


def window_row(
    milestone: str,
    dimension: str,
    dimension_value: str,
    durations: np.ndarray,
    observed: np.ndarray,
    config: WindowConfig,
) -> dict[str, object]:
    """Estimate one window: quantiles over all journeys and over journeys that converted.

    Args:
        milestone: name of the milestone (opportunity, closed_won, sales_cycle).
        dimension: breakdown name, `all` for the whole sample.
        dimension_value: value of the breakdown.
        durations: days to the milestone or to censoring.
        observed: whether the milestone was reached.
        config: estimate settings.

    Returns:
        One output row; estimates are None for groups below `config.min_journeys`.
    """
    row: dict[str, object] = {
        "milestone": milestone,
        "dimension": dimension,
        "dimension_value": dimension_value,
        "journeys": int(durations.size),
        "events": int(observed.sum()),
    }
    enough = durations.size >= config.min_journeys and observed.sum() > 0
    curve = fit_kaplan_meier(durations, observed) if enough else None
    row["converted_share"] = converted_share(curve) if curve else None
    seed = config.seed + sum(ord(c) for c in f"{milestone}{dimension}{dimension_value}")
    for name, share in QUANTILES.items():
        estimate = survival_quantile(curve, share, config.confidence) if curve else None
        estimate = estimate or QuantileEstimate(None, None, None)
        row[f"{name}_days"] = estimate.point
        row[f"{name}_low"] = estimate.low
        row[f"{name}_high"] = estimate.high
        row[f"converter_{name}_days"] = converter_quantile(curve, share) if curve else None
        low, high = (
            _bootstrap_converter_interval(durations, observed, share, config, seed)
            if curve
            else (None, None)
        )
        row[f"converter_{name}_low"] = low
        row[f"converter_{name}_high"] = high
    return row


def estimate_conversion_windows(
    journeys: pd.DataFrame, opportunities: pd.DataFrame, config: WindowConfig
) -> pd.DataFrame:
    """Estimate conversion windows overall and per breakdown.

    Args:
        journeys: rows of marts.fct_conversion_journeys.
        opportunities: rows of marts.fct_community_revenue.
        config: estimate settings.

    Returns:
        One row per milestone, dimension and value, with `median_*` and `p80_*` (share of all
        journeys, None when fewer than that share converted) and `converter_median_*` and
        `converter_p80_*` (share of the journeys that converted within observation).
    """
    frame = _journey_frame(journeys)
    rows = []
    for milestone, (duration_column, flag_column) in JOURNEY_MILESTONES.items():
        durations = frame[duration_column].to_numpy(dtype=float)
        observed = frame[flag_column].to_numpy(dtype=bool)
        rows.append(window_row(milestone, "all", "all", durations, observed, config))
        for dimension, column in JOURNEY_DIMENSIONS.items():
            for value, group in frame.groupby(column, sort=True):
                rows.append(
                    window_row(
                        milestone,
                        dimension,
                        str(value),
                        group[duration_column].to_numpy(dtype=float),
                        group[flag_column].to_numpy(dtype=bool),
                        config,
                    )
                )

    if len(frame) and len(opportunities):
        cycle = sales_cycle_durations(opportunities, pd.Timestamp(frame["observed_until"].max()))
        rows.append(
            window_row(
                "sales_cycle",
                "all",
                "all",
                cycle["days"].to_numpy(),
                cycle["closed"].to_numpy(),
                config,
            )
        )
    logger.info("estimated %d conversion windows from %d journeys", len(rows), len(frame))
    return pd.DataFrame(rows)
