"""Accuracy of channel credit shares against a truth share table.

All functions take shares indexed by channel. Channels missing from one side count as a share
of 0 there, so a model that credits a channel the truth lacks (or misses one) is penalized.
"""

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ml.attribution.config import PSEUDO_CHANNELS


def _align(estimate: pd.Series, truth: pd.Series) -> tuple[pd.Series, pd.Series]:
    channels = truth.index.union(estimate.index)
    return (
        estimate.reindex(channels).fillna(0.0).astype(float),
        truth.reindex(channels).fillna(0.0).astype(float),
    )


def nmae(estimate: pd.Series, truth: pd.Series) -> float:
    """Return the normalized mean absolute error `sum |estimate - truth| / sum |truth|`.

    For shares that each sum to 1 this is the total share misplaced, from 0 (equal) to 2.
    """
    estimate, truth = _align(estimate, truth)
    return float(np.abs(estimate - truth).sum() / np.abs(truth).sum())


def spearman(estimate: pd.Series, truth: pd.Series) -> float:
    """Return the Spearman rank correlation of estimated and true shares (NaN if constant)."""
    estimate, truth = _align(estimate, truth)
    return float(spearmanr(estimate.to_numpy(), truth.to_numpy()).statistic)


def top_k_agreement(estimate: pd.Series, truth: pd.Series, k: int = 3) -> float:
    """Return the fraction of the true top-k channels that are also in the estimated top k.

    Ties are broken by channel name, so the result is deterministic.
    """
    estimate, truth = _align(estimate, truth)

    def top(shares: pd.Series) -> set[str]:
        ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
        return {str(channel) for channel, _ in ordered[:k]}

    return len(top(estimate) & top(truth)) / k


def compare_models(summary: pd.DataFrame, truth: pd.Series, k: int = 3) -> pd.DataFrame:
    """Score every model of a `summarize_channels` table against true shares.

    The truth shares channels' incremental conversions, so `(none)` and `(baseline)` rows are
    left out and each model's channel credit is rescaled to sum to 1 before scoring.

    Args:
        summary: Output of `summarize_channels` for one conversion type.
        truth: True share per channel.
        k: Size of the top list for `top_k_agreement`.

    Returns:
        One row per model with `nmae`, `spearman` and `top_k_agreement`, best NMAE first.
    """
    rows = []
    for model, group in summary.groupby("model"):
        estimate = group.set_index("channel")["conversions"]
        estimate = estimate.drop(index=list(PSEUDO_CHANNELS), errors="ignore")
        if estimate.sum() > 0:
            estimate = estimate / estimate.sum()
        rows.append(
            {
                "model": model,
                "nmae": nmae(estimate, truth),
                "spearman": spearman(estimate, truth),
                "top_k_agreement": top_k_agreement(estimate, truth, k),
            }
        )
    return pd.DataFrame(rows).sort_values("nmae").reset_index(drop=True)


def _shares(counts: pd.Series) -> pd.Series:
    clipped = counts.clip(lower=0).astype(float)
    return clipped / clipped.sum()


def truth_noise(replicates: pd.DataFrame) -> tuple[pd.Series, float]:
    """Return the expected true shares and the truth's own NMAE, from repeated draws.

    A simulator's incremental conversions are one random draw around their expected value.
    Drawing the outcomes again on the same touches shows how far one draw's shares stray.

    Args:
        replicates: Incremental conversions, one row per channel and one column per draw
            (at least two). Negative counts are clipped to 0 before taking shares.

    Returns:
        The shares of the mean over all draws, and the mean over draws of the NMAE between
        that draw's shares and the shares of the other draws' mean. The second figure is
        about what a model that knew the expected effects exactly would score against one
        drawn truth. It is slightly more than that, because the other draws' mean is noisy
        too.
    """
    if replicates.shape[1] < 2:
        raise ValueError(f"truth_noise needs at least 2 draws, got {replicates.shape[1]}")
    errors = [
        nmae(_shares(replicates[draw]), _shares(replicates.drop(columns=draw).mean(axis=1)))
        for draw in replicates.columns
    ]
    return _shares(replicates.mean(axis=1)), float(np.mean(errors))
