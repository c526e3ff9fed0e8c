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


# Up to this many transient states the chain is solved with dense matrices, which is faster
# than the sparse solver for the tens of states of a first-order chain.
DENSE_MAX_STATES = 400


def _path_states(path: tuple[str, ...], order: int) -> list[tuple[str, ...]]:
    return [path[max(0, i + 1 - order) : i + 1] for i in range(len(path))]


@dataclass(frozen=True)
class MarkovPaths:
    """The state sequence of every path, so a chain can be weighted without rebuilding it.

    Attributes:
        states: Transient states; index 0 is `start` (the empty tuple).
        sources: Source state of each transition, over all paths in order.
        targets: Target state of each transition.
        transition_path: Path (row of the table) of each transition.
        last_states: Last state of each path, where it converts or exits.
    """

    states: list[tuple[str, ...]]
    sources: np.ndarray
    targets: np.ndarray
    transition_path: np.ndarray
    last_states: np.ndarray

    @classmethod
    def build(cls, paths: tuple[tuple[str, ...], ...], order: int) -> "MarkovPaths":
        """Index the states of `paths` under a chain of the given order."""
        index: dict[tuple[str, ...], int] = {(): 0}
        sources: list[int] = []
        targets: list[int] = []
        owners: list[int] = []
        last_states: list[int] = []
        for row, path in enumerate(paths):
            previous = 0
            for state in _path_states(path, order):
                current = index.setdefault(state, len(index))
                sources.append(previous)
                targets.append(current)
                previous = current
            owners.extend([row] * len(path))
            last_states.append(previous)
        return cls(
            states=sorted(index, key=index.__getitem__),
            sources=np.array(sources, dtype=int),
            targets=np.array(targets, dtype=int),
            transition_path=np.array(owners, dtype=int),
            last_states=np.array(last_states, dtype=int),
        )

    def attribution(
        self,
        channels: list[str],
        conversions: np.ndarray,
        values: np.ndarray,
        nulls: np.ndarray,
    ) -> "MarkovResult":
        """Solve the chain weighted by each path's journeys and credit `channels`.

        Args:
            channels: Channels to compute removal effects for.
            conversions: Converting journeys per path, aligned with the paths of `build`.
            values: Conversion value per path.
            nulls: Non-converting journeys per path.

        Returns:
            Removal effects and credits, as `markov_attribution` describes.
        """
        transitions, rewards = self._matrices(conversions, values, nulls)
        if rewards[:, 0].sum() == 0:
            zeros = dict.fromkeys(channels, 0.0)
            return MarkovResult(0.0, zeros, dict(zeros), dict(zeros), dict(zeros))

        base = _expected_rewards(transitions, rewards, np.ones(len(self.states), dtype=bool))
        effects: dict[str, float] = {}
        value_effects: dict[str, float] = {}
        for channel in channels:
            keep = np.array([channel not in state for state in self.states])
            keep[0] = True
            without = _expected_rewards(transitions, rewards, keep)
            effects[channel] = float(max(0.0, 1.0 - without[0] / base[0]))
            value_effects[channel] = (
                float(max(0.0, 1.0 - without[1] / base[1])) if base[1] > 0 else 0.0
            )
        return MarkovResult(
            conversion_probability=float(base[0]),
            removal_effects=effects,
            value_removal_effects=value_effects,
            credited_conversions=_credit(effects, float(conversions.sum())),
            credited_values=_credit(value_effects, float(values.sum())),
        )

    def _matrices(
        self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray
    ) -> tuple[np.ndarray | scipy.sparse.csr_matrix, np.ndarray]:
        """Return Q and the one-step rewards (probability and expected value of converting)."""
        size = len(self.states)
        totals = np.clip(conversions + nulls, 0.0, None)
        counts = scipy.sparse.csr_matrix(
            (totals[self.transition_path], (self.sources, self.targets)), shape=(size, size)
        )
        row_totals = np.asarray(counts.sum(axis=1)).ravel()
        row_totals += np.bincount(self.last_states, weights=totals, minlength=size)
        converting = np.where(totals > 0, conversions, 0.0)
        conversion = np.bincount(self.last_states, weights=converting, minlength=size)
        value_reward = np.bincount(
            self.last_states, weights=np.where(totals > 0, values, 0.0), minlength=size
        )
        scale = np.divide(1.0, row_totals, out=np.zeros(size), where=row_totals > 0)
        transitions = scipy.sparse.diags(scale) @ counts
        rewards = np.column_stack([conversion * scale, value_reward * scale])
        if size <= DENSE_MAX_STATES:
            return transitions.toarray(), rewards
        return transitions.tocsr(), rewards


def _expected_rewards(
    transitions: np.ndarray | scipy.sparse.csr_matrix, rewards: np.ndarray, keep: np.ndarray
) -> np.ndarray:
    """Solve the absorbing chain restricted to `keep` and return the rewards from `start`."""
    kept = np.flatnonzero(keep)
    if isinstance(transitions, np.ndarray):
        system = np.identity(len(kept)) - transitions[np.ix_(kept, kept)]
        return np.linalg.solve(system, rewards[kept])[0]
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
    chain = MarkovPaths.build(table.paths, order)
    result = chain.attribution(table.channels(), table.conversions, table.values, table.nulls)
    logger.info(
        "Markov order %d: %d states, conversion probability %.6f",
        order,
        len(chain.states),
        result.conversion_probability,
    )
    return result
