"""Feature drift: a reference profile of each feature and the population stability index.

A profile stores, per feature, the inner edges of up to `bins` quantile bins of the reference
values and the share of reference rows in each bin, plus the share of missing values. PSI
compares the shares of new values in the same bins:

    PSI = sum over bins of (new share - reference share) * ln(new share / reference share)

Shares are floored at `SHARE_FLOOR` so an empty bin gives a large finite term rather than an
infinite one. Common reading: below 0.1 stable, 0.1-0.2 moderate shift, above 0.2 major.
"""

import math
from typing import Any

import numpy as np
import pandas as pd

from ml.errors import DataQualityError

SHARE_FLOOR = 1e-4
DEFAULT_BINS = 10


def _bin_shares(values: np.ndarray, edges: list[float]) -> list[float]:
    """Shares of non-missing values per bin (bins split at `edges`), then the missing share."""
    present = values[~np.isnan(values)]
    shares = [0.0] * (len(edges) + 1)
    if present.size:
        # side="right" puts a value equal to an edge in the bin above it, the same way for
        # reference and new values.
        counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(shares))
        shares = (counts / values.size).tolist()
    missing = float(np.isnan(values).sum() / values.size) if values.size else 0.0
    return [*shares, missing]


def profile_features(
    frame: pd.DataFrame, features: list[str], bins: int = DEFAULT_BINS
) -> dict[str, dict[str, Any]]:
    """Describe each feature's distribution in quantile bins, for `population_stability`.

    Args:
        frame: Reference rows (the rows the registered metrics were measured on).
        features: Feature columns to profile.
        bins: Maximum bins per feature; repeated quantiles (many zeros) give fewer.

    Returns:
        feature -> {"edges": inner bin edges, "shares": share per bin then missing share}.

    Raises:
        DataQualityError: when the frame is empty or lacks a feature.
    """
    missing = [name for name in features if name not in frame.columns]
    if frame.empty or missing:
        raise DataQualityError(
            f"feature profile: {len(frame)} reference rows, missing feature(s) {missing}; "
            "expected at least one row with every feature"
        )
    profile = {}
    for name in features:
        values = frame[name].to_numpy(dtype=float, na_value=np.nan)
        present = values[~np.isnan(values)]
        quantiles = np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]) if present.size else []
        edges = sorted({float(edge) for edge in quantiles})
        profile[name] = {"edges": edges, "shares": _bin_shares(values, edges)}
    return profile


def population_stability(reference_shares: list[float], new_shares: list[float]) -> float:
    """Return the PSI between two share vectors over the same bins."""
    total = 0.0
    for expected, actual in zip(reference_shares, new_shares, strict=True):
        expected, actual = max(expected, SHARE_FLOOR), max(actual, SHARE_FLOOR)
        total += (actual - expected) * math.log(actual / expected)
    return total


def feature_psi(profile: dict[str, dict[str, Any]], frame: pd.DataFrame) -> dict[str, float]:
    """Return the PSI of each profiled feature between the profile and the rows of `frame`.

    A profiled feature that `frame` lacks counts as all zeros, as the scoring code does for
    activity types that no longer occur.
    """
    psi = {}
    for name, reference in profile.items():
        column = frame[name] if name in frame.columns else pd.Series(0.0, index=frame.index)
        values = column.to_numpy(dtype=float, na_value=np.nan)
        psi[name] = population_stability(
            reference["shares"], _bin_shares(values, reference["edges"])
        )
    return psi
