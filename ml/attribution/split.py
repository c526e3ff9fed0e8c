"""Split conversions over touches for the channel-level models.

Markov, Shapley and counterfactual models credit channels globally. Each conversion is split
over the channels on its own path, then equally over that channel's touches:
1. The seed split gives each of the conversion's channels a share proportional to the
   channel's global credit.
2. With raking on (the default), iterative proportional fitting rescales the channel columns
   so that the credit summed over all conversions matches each channel's global credit, then
   rescales each conversion back to a total of 1, and repeats. Raking stops after
   `RAKE_ITERATIONS` rounds or when the largest change is below `RAKE_TOLERANCE`. Some global
   credits no split can reach: a channel credited more than the conversions it appears in,
   or less than the conversions that touched only it. Those are approached as closely as the
   alternation allows.
3. A conversion whose channels all have zero global credit is split equally over them, so no
   conversion is left without credit.
"""

import numpy as np
import pandas as pd

RAKE_ITERATIONS = 200
RAKE_TOLERANCE = 1e-10


def _rake(
    seed: np.ndarray, weights: np.ndarray, targets: np.ndarray, iterations: int
) -> np.ndarray:
    shares = seed / seed.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        columns = weights @ shares
        factor = np.divide(targets, columns, out=np.ones_like(targets), where=columns > 0)
        scaled = shares * factor
        row_totals = scaled.sum(axis=1, keepdims=True)
        updated = np.divide(scaled, row_totals, out=shares.copy(), where=row_totals > 0)
        change = float(np.max(np.abs(updated - shares))) if shares.size else 0.0
        shares = updated
        if change < RAKE_TOLERANCE:
            break
    return shares


def split_pattern_shares(
    presence: np.ndarray, weights: np.ndarray, credit: np.ndarray, rake: bool = True
) -> np.ndarray:
    """Return each channel set's split of one conversion over its channels.

    Conversions with the same channel set get the same split, so callers pass each distinct
    set once with the number of conversions that have it as its weight.

    Args:
        presence: One row per channel set, one 0/1 column per channel.
        weights: Conversions per row.
        credit: Conversions the model credits each channel in total.
        rake: Whether to match the channel totals by iterative proportional fitting.

    Returns:
        Shares with the shape of `presence`; each row sums to 1.
    """
    credit = np.clip(credit, 0.0, None)
    seed = presence * credit
    unreachable = seed.sum(axis=1) == 0
    shares = presence / presence.sum(axis=1, keepdims=True)
    movable = ~unreachable
    # NOTE: when the global credit cannot be reached (a channel credited less than the
    # conversions that touched only it), the channel totals of the split differ from it.
    if movable.any():
        targets = credit - weights[unreachable] @ shares[unreachable]
        targets = np.clip(targets, 0.0, None)
        iterations = RAKE_ITERATIONS if rake else 0
        shares[movable] = _rake(seed[movable], weights[movable], targets, iterations)
    return shares


def split_channel_credit(
    touches: pd.DataFrame,
    entity_column: str,
    entity_weights: pd.Series,
    channel_credit: dict[str, float],
    rake: bool = True,
) -> np.ndarray:
    """Return each touch's share of its conversion under a channel-level model.

    Args:
        touches: One row per touch of a converting entity, with `entity_column` and `channel`.
        entity_column: Column naming the conversion (or aggregated path) a touch belongs to.
        entity_weights: Conversions per entity, indexed by entity (1 for a single conversion).
        channel_credit: Channel to conversions the model credits it in total.
        rake: Whether to match the channel totals by iterative proportional fitting.

    Returns:
        Shares aligned with `touches`; they sum to 1 within each entity.
    """
    entity_codes, entities = pd.factorize(touches[entity_column], sort=True)
    channel_codes, channels = pd.factorize(touches["channel"], sort=True)
    counts = np.zeros((len(entities), len(channels)))
    np.add.at(counts, (entity_codes, channel_codes), 1.0)
    credit = np.array([channel_credit.get(channel, 0.0) for channel in channels], dtype=float)
    weights = entity_weights.reindex(entities).to_numpy(dtype=float)

    patterns, pattern_of_entity = np.unique(counts > 0, axis=0, return_inverse=True)
    pattern_weights = np.bincount(pattern_of_entity, weights=weights, minlength=len(patterns))
    shares = split_pattern_shares(patterns.astype(float), pattern_weights, credit, rake)
    entity_shares = shares[pattern_of_entity]
    return (
        entity_shares[entity_codes, channel_codes] / counts[entity_codes, channel_codes]
    ).astype(float)
