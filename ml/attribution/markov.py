"""Markov-chain attribution with exact removal effects.

States are the last `order` channels of a path (shorter at the start of a path), plus
`start`, `conversion` and `null`. Transition probabilities are the observed transition
counts, weighted by the number of converting and non-converting journeys on each path.
The conversion probability from `start` is found by solving the absorbing chain
`(I - Q) x = r`, where `Q` contains the transitions between transient states and `r` the
one-step conversion probabilities. Removing a channel sends every transition into a state
that contains it to `null`. The removal effect of channel c is `1 - P(conversion without c)
/ P(conversion)`, and channel c is credited `total conversions * RE_c / sum(RE)`, the rule
of Anderl et al. (2016) also used by the ChannelAttribution package, which estimates the same
probabilities by simulation. Value is credited the same way with removal effects on the
expected conversion value (the conversion reward of a state is the mean value of the
conversions that end there).

Self-transitions (a channel repeated) do not change absorption probabilities, so at order 1
repeated channels have no effect; at higher orders they form distinct states.
"""

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from ml.attribution.paths import PathTable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarkovResult:
    """Removal effects and credited conversions of a Markov chain.

    Attributes:
        conversion_probability: Probability of conversion from `start` with every channel.
        removal_effects: Channel to removal effect on the conversion probability, 0 to 1.
        value_removal_effects: Channel to removal effect on the expected conversion value.
        credited_conversions: Channel to conversions credited by the removal-effect rule.
        credited_values: Channel to conversion value credited by the value removal effects.
    """

    conversion_probability: float
    removal_effects: dict[str, float]
    value_removal_effects: dict[str, float]
    credited_conversions: dict[str, float]
    credited_values: dict[str, float]


def _path_states(path: tuple[str, ...], order: int) -> list[tuple[str, ...]]:
    return [path[max(0, i + 1 - order) : i + 1] for i in range(len(path))]


def _transition_matrices(
    table: PathTable, order: int
) -> tuple[list[tuple[str, ...]], scipy.sparse.csr_matrix, np.ndarray]:
    """Return the transient states (index 0 is `start`), Q and the one-step rewards.

    The rewards have two columns: the probability of converting next, and the expected
    conversion value earned next.
    """
    index: dict[tuple[str, ...], int] = {(): 0}
    sources: list[int] = []
    targets: list[int] = []
    weights: list[float] = []
    conversion_counts: dict[int, float] = {}
    value_sums: dict[int, float] = {}
    exit_counts: dict[int, float] = {}
    rows = zip(table.paths, table.conversions, table.values, table.nulls, strict=True)
    for path, conversions, value, nulls in rows:
        total = conversions + nulls
        if total <= 0:
            continue
        previous = 0
        for state in _path_states(path, order):
            current = index.setdefault(state, len(index))
            sources.append(previous)
            targets.append(current)
            weights.append(total)
            previous = current
        conversion_counts[previous] = conversion_counts.get(previous, 0.0) + conversions
        value_sums[previous] = value_sums.get(previous, 0.0) + value
        exit_counts[previous] = exit_counts.get(previous, 0.0) + total

    size = len(index)
    counts = scipy.sparse.csr_matrix((weights, (sources, targets)), shape=(size, size))
    row_totals = np.asarray(counts.sum(axis=1)).ravel()
    for row, exits in exit_counts.items():
        row_totals[row] += exits
    conversion = np.zeros(size)
    value_reward = np.zeros(size)
    for row, count in conversion_counts.items():
        conversion[row] = count
        value_reward[row] = value_sums[row]
    scale = np.divide(1.0, row_totals, out=np.zeros(size), where=row_totals > 0)
    transitions = scipy.sparse.diags(scale) @ counts
    states = sorted(index, key=index.__getitem__)
    return states, transitions.tocsr(), np.column_stack([conversion * scale, value_reward * scale])


def _expected_rewards(
    transitions: scipy.sparse.csr_matrix, rewards: np.ndarray, keep: np.ndarray
) -> np.ndarray:
    """Solve the absorbing chain restricted to `keep` and return the rewards from `start`."""
    kept = np.flatnonzero(keep)
    q = transitions[kept][:, kept]
    system = scipy.sparse.identity(len(kept), format="csc") - q.tocsc()
    solution = scipy.sparse.linalg.spsolve(system, rewards[kept])
    return np.asarray(solution).reshape(len(kept), -1)[0]


def _credit(effects: dict[str, float], total: float) -> dict[str, float]:
    summed = sum(effects.values())
    return {c: (e / summed * total if summed > 0 else 0.0) for c, e in effects.items()}


def markov_attribution(table: PathTable, order: int = 1) -> MarkovResult:
    """Compute exact removal effects and credit conversions and value to channels.

    Args:
        table: Converting and non-converting paths.
        order: Number of past channels in a state, 1 to 3.

    Returns:
        Removal effects and credited conversions and values per channel. When no journey
        converts, or no removal lowers the conversion probability, every credit is 0.
    """
    states, transitions, rewards = _transition_matrices(table, order)
    channels = table.channels()
    if rewards[:, 0].sum() == 0:
        zeros = dict.fromkeys(channels, 0.0)
        return MarkovResult(0.0, zeros, dict(zeros), dict(zeros), dict(zeros))

    base = _expected_rewards(transitions, rewards, np.ones(len(states), dtype=bool))
    effects: dict[str, float] = {}
    value_effects: dict[str, float] = {}
    for channel in channels:
        keep = np.array([channel not in state for state in states])
        keep[0] = True
        without = _expected_rewards(transitions, rewards, keep)
        effects[channel] = float(max(0.0, 1.0 - without[0] / base[0]))
        value_effects[channel] = float(max(0.0, 1.0 - without[1] / base[1])) if base[1] > 0 else 0.0

    logger.info(
        "Markov order %d: %d states, conversion probability %.6f", order, len(states), base[0]
    )
    return MarkovResult(
        conversion_probability=float(base[0]),
        removal_effects=effects,
        value_removal_effects=value_effects,
        credited_conversions=_credit(effects, float(table.conversions.sum())),
        credited_values=_credit(value_effects, float(table.values.sum())),
    )
