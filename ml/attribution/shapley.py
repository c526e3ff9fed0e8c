"""Shapley-value attribution over channel coalitions.

The worth of a coalition S of channels is `v(S) = sum over T subset of S of CR(T)`, the sum of
the conversion rates of the channel sets contained in S. `CR(T)` is conversions divided by
journeys among the journeys whose distinct channels are exactly T. This is the "simplified
Shapley" worth of Zhao et al. (2018) with rates in place of counts, so non-converting journeys
count. Channel c is
then credited `total conversions * phi_c / sum(phi)`.

Up to `max_exact_channels` channels the values are exact, summed over all 2^n coalitions.
Beyond that they are the mean marginal contribution over `samples` random permutations. Each
marginal contribution of c lies in `[0, sum over T containing c of CR(T)]`, so Hoeffding's
inequality with a union bound over the n channels gives a half-width that holds for all
channels at once with probability 0.95; it is returned as `error_bound`.
"""

import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ml.attribution.paths import PathTable

logger = logging.getLogger(__name__)

BOUND_FAILURE_PROBABILITY = 0.05
_CHUNK_CELLS = 4_000_000
# Tabulating all 2^20 coalitions takes 8 MB and tens of milliseconds, still faster than
# testing thousands of sampled coalitions against hundreds of observed channel sets.
ZETA_MAX_CHANNELS = 20


@dataclass(frozen=True)
class ShapleyResult:
    """Shapley values and credited conversions per channel.

    Attributes:
        values: Channel to Shapley value of the coalition game.
        credited_conversions: Channel to conversions credited in proportion to its value.
        credited_values: Channel to conversion value credited in proportion to its value.
        exact: Whether the values are exact (True) or estimated from permutations.
        error_bound: Channel to the 95% simultaneous half-width of the estimate (0 if exact).
    """

    values: dict[str, float]
    credited_conversions: dict[str, float]
    credited_values: dict[str, float]
    exact: bool
    error_bound: dict[str, float]


def _coalition_worth(table: PathTable, channels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the bitmask of each observed channel set and its conversion rate."""
    position = {channel: i for i, channel in enumerate(channels)}
    rates: dict[int, list[float]] = {}
    for path, conversions, nulls in zip(table.paths, table.conversions, table.nulls, strict=True):
        mask = 0
        for channel in set(path):
            mask |= 1 << position[channel]
        counts = rates.setdefault(mask, [0.0, 0.0])
        counts[0] += conversions
        counts[1] += conversions + nulls
    masks = np.array(list(rates), dtype=np.int64)
    rate = np.array([c / n if n > 0 else 0.0 for c, n in rates.values()])
    return masks, rate


def make_rate_worth(
    masks: np.ndarray, rates: np.ndarray, n_channels: int
) -> Callable[[np.ndarray], np.ndarray]:
    """Return `v` mapping coalition bitmasks to the summed rates of the sets they contain.

    Up to `ZETA_MAX_CHANNELS` channels the worth of all 2^n coalitions is tabulated once by a
    subset-sum (zeta) transform in n vectorized passes. With more channels, each call tests
    every observed channel set against the coalitions, in chunks.
    """
    if n_channels <= ZETA_MAX_CHANNELS:
        table = np.zeros(1 << n_channels)
        np.add.at(table, masks, rates)
        for bit in range(n_channels):
            blocks = table.reshape(-1, 2, 1 << bit)
            blocks[:, 1, :] += blocks[:, 0, :]
        return lambda coalitions: table[coalitions]

    def worth(coalitions: np.ndarray) -> np.ndarray:
        result = np.empty(len(coalitions))
        step = max(1, _CHUNK_CELLS // max(1, len(masks)))
        for start in range(0, len(coalitions), step):
            chunk = coalitions[start : start + step]
            contained = (masks[None, :] & ~chunk[:, None]) == 0
            result[start : start + step] = contained @ rates
        return result

    return worth


def exact_shapley(worth: Callable[[np.ndarray], np.ndarray], n: int) -> np.ndarray:
    """Return exact Shapley values of an n-player game given its vectorized worth function."""
    coalitions = np.arange(1 << n, dtype=np.int64)
    values = worth(coalitions)
    sizes = np.array([bin(c).count("1") for c in range(1 << n)])
    factorial = [math.factorial(k) for k in range(n + 1)]
    weight_by_size = np.array(
        [factorial[k] * factorial[n - k - 1] / factorial[n] for k in range(n)] + [0.0]
    )
    phi = np.zeros(n)
    for player in range(n):
        bit = 1 << player
        without = coalitions[(coalitions & bit) == 0]
        gains = values[without | bit] - values[without]
        phi[player] = float(np.sum(weight_by_size[sizes[without]] * gains))
    return phi


@functools.lru_cache(maxsize=8)
def _permutations(n: int, samples: int, seed: int) -> np.ndarray:
    """Return `samples` seeded permutations of n players, one per row (cached, read-only)."""
    rng = np.random.default_rng(seed)
    orders = np.array([rng.permutation(n) for _ in range(samples)], dtype=np.int64)
    orders.setflags(write=False)
    return orders


def sampled_shapley(
    worth: Callable[[np.ndarray], np.ndarray], n: int, samples: int, seed: int
) -> np.ndarray:
    """Estimate Shapley values as mean marginal contributions over random permutations."""
    orders = _permutations(n, samples, seed)
    prefixes = np.cumsum(np.left_shift(np.int64(1), orders), axis=1)
    coalitions = np.column_stack([np.zeros(samples, dtype=np.int64), prefixes])
    values = worth(coalitions.ravel()).reshape(samples, n + 1)
    gains = np.diff(values, axis=1)
    return np.bincount(orders.ravel(), weights=gains.ravel(), minlength=n) / samples


def shapley_attribution(
    table: PathTable, max_exact_channels: int = 12, samples: int = 2000, seed: int = 0
) -> ShapleyResult:
    """Compute Shapley values of channels and credit conversions and value in proportion.

    Args:
        table: Converting and non-converting paths.
        max_exact_channels: Largest number of channels computed exactly.
        samples: Number of permutations when the count of channels is larger.
        seed: Seed of the permutation sampling.

    Returns:
        Shapley values, credited conversions and values, and the error bound of an estimate.
    """
    channels = table.channels()
    n = len(channels)
    masks, rates = _coalition_worth(table, channels)
    worth = make_rate_worth(masks, rates, n)
    exact = n <= max_exact_channels
    if exact:
        phi = exact_shapley(worth, n)
        bound = np.zeros(n)
    else:
        phi = sampled_shapley(worth, n, samples, seed)
        ranges = np.array([rates[(masks & (1 << i)) != 0].sum() for i in range(n)])
        bound = ranges * math.sqrt(math.log(2 * n / BOUND_FAILURE_PROBABILITY) / (2 * samples))
        logger.info(
            "Shapley over %d channels estimated from %d permutations; max half-width %.4g",
            n,
            samples,
            float(bound.max()),
        )

    total = float(phi.sum())
    shares = phi / total if total > 0 else np.zeros(n)
    total_conversions = float(table.conversions.sum())
    total_value = float(table.values.sum())
    return ShapleyResult(
        values=dict(zip(channels, phi.tolist(), strict=True)),
        credited_conversions=dict(
            zip(channels, (shares * total_conversions).tolist(), strict=True)
        ),
        credited_values=dict(zip(channels, (shares * total_value).tolist(), strict=True)),
        exact=exact,
        error_bound=dict(zip(channels, bound.tolist(), strict=True)),
    )
