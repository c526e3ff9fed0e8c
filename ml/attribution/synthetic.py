"""Confounded synthetic journeys with known incremental conversions per channel.

Each journey has a hidden engagement level `e ~ LogNormal(0, engagement_sigma)`. Its touch count
on channel c is `Poisson(rate_c * e)`, so engaged journeys touch every channel more and
channels co-occur. The conversion probability is
`sigmoid(baseline_logit + sum_c effect_c * log(1 + touches_c) + intent_effect * log(e))`.
With `intent_effect = 0` engagement affects conversion only through touches; a positive value
adds an unobserved cause of both touching and converting.

The true incremental conversions of channel c are `sum over journeys of p(x) - p(x without
c's touches)`, computed from the true probabilities. A channel with effect 0 and a high rate
(`direct` by default) is frequent on converting paths but earns no true credit.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_CHANNELS: dict[str, tuple[float, float]] = {
    # channel: (touch rate per unit of engagement, effect on the conversion logit)
    "community_chat": (0.6, 0.45),
    "community_forum": (0.4, 0.35),
    "github": (0.5, 0.25),
    "webinar": (0.2, 0.70),
    "event": (0.15, 0.60),
    "newsletter": (1.0, 0.10),
    "paid_search": (0.4, 0.30),
    "organic_search": (0.8, 0.05),
    "direct": (1.2, 0.0),
}
START = pd.Timestamp("2026-01-01", tz="UTC")
WINDOW_DAYS = 120.0
CONVERSION_DELAY_DAYS = 5.0
POST_CONVERSION_TOUCH_RATE = 0.5


@dataclass(frozen=True)
class SyntheticJourneys:
    """Generated journeys and their planted truth.

    Attributes:
        touches: Touch table in the `attribute` input format.
        conversions: Conversion table (type `closed_won`) in the `attribute` input format.
        truth: channel, incremental_conversions and share (of the summed incremental
            conversions), one row per channel.
        counts: True touch counts before conversion, one row per journey (in the order of
            the journey ids `j0`, `j1`, ... that have a touch) and one column per channel.
    """

    touches: pd.DataFrame
    conversions: pd.DataFrame
    truth: pd.DataFrame
    counts: pd.DataFrame


def _probabilities(
    counts: np.ndarray, effects: np.ndarray, baseline_logit: float, intent: np.ndarray | float
) -> np.ndarray:
    logit = baseline_logit + np.log1p(counts) @ effects + intent
    return 1.0 / (1.0 + np.exp(-logit))


def incremental_truth(
    counts: np.ndarray,
    effects: np.ndarray,
    baseline_logit: float,
    intent: np.ndarray | float,
    names: list[str],
) -> pd.DataFrame:
    """Return each channel's incremental conversions and share under a logistic model.

    The generator calls it with the planted effects to make the truth. A benchmark can call
    it with fitted effects to score a model of the same form.
    """
    base = _probabilities(counts, effects, baseline_logit, intent)
    incremental = []
    for i in range(len(names)):
        removed = counts.copy()
        removed[:, i] = 0
        incremental.append(
            float(np.sum(base - _probabilities(removed, effects, baseline_logit, intent)))
        )
    truth = pd.DataFrame({"channel": names, "incremental_conversions": incremental})
    truth["share"] = truth["incremental_conversions"] / truth["incremental_conversions"].sum()
    return truth


def _touch_rows(counts: np.ndarray, names: list[str], rng: np.random.Generator) -> pd.DataFrame:
    journey_index, channel_index = np.nonzero(counts)
    repeats = counts[journey_index, channel_index].astype(int)
    journeys = np.repeat(journey_index, repeats)
    channels = np.repeat(channel_index, repeats)
    offsets = rng.uniform(0.0, WINDOW_DAYS, size=len(journeys))
    return pd.DataFrame(
        {
            "journey": journeys,
            "channel": np.array(names)[channels],
            "touched_at": START + pd.to_timedelta(offsets, unit="D"),
        }
    )


def generate_confounded_journeys(
    n_journeys: int = 20_000,
    seed: int = 0,
    channels: Mapping[str, tuple[float, float]] = DEFAULT_CHANNELS,
    baseline_logit: float = -2.0,
    engagement_sigma: float = 0.8,
    intent_effect: float = 0.0,
) -> SyntheticJourneys:
    """Generate journeys whose touches are confounded by engagement.

    Args:
        n_journeys: Journeys drawn; those with no touch are dropped.
        seed: Seed of every random draw.
        channels: Channel to (touch rate per unit of engagement, logit effect per
            `log(1 + touches)`).
        baseline_logit: Conversion logit of a journey without touches.
        engagement_sigma: Standard deviation of log engagement.
        intent_effect: Direct effect of log engagement on the conversion logit.

    Returns:
        Touches, conversions (with touches after some conversions, which earn nothing) and
        the true incremental conversions per channel.
    """
    rng = np.random.default_rng(seed)
    names = list(channels)
    rates = np.array([channels[name][0] for name in names])
    effects = np.array([channels[name][1] for name in names])
    engagement = rng.lognormal(0.0, engagement_sigma, size=n_journeys)
    counts = rng.poisson(np.outer(engagement, rates)).astype(float)
    touched = counts.sum(axis=1) > 0
    counts, engagement = counts[touched], engagement[touched]
    intent = intent_effect * np.log(engagement)
    converted = rng.uniform(size=len(counts)) < _probabilities(
        counts, effects, baseline_logit, intent
    )

    touches = _touch_rows(counts, names, rng)
    last = touches.groupby("journey")["touched_at"].max()
    converters = np.flatnonzero(converted)
    delays = pd.to_timedelta(rng.uniform(0.0, CONVERSION_DELAY_DAYS, len(converters)), unit="D")
    converted_at = last.reindex(converters).reset_index(drop=True) + pd.Series(delays)
    conversions = pd.DataFrame(
        {
            "conversion_id": [f"c{j}" for j in converters],
            "journey_id": [f"j{j}" for j in converters],
            "conversion_type": "closed_won",
            "converted_at": converted_at.to_numpy(),
            "revenue": np.round(rng.lognormal(8.0, 0.6, len(converters)), 2),
        }
    )

    after = rng.poisson(POST_CONVERSION_TOUCH_RATE, len(converters))
    post = pd.DataFrame(
        {
            "journey": np.repeat(converters, after),
            "channel": rng.choice(names, size=int(after.sum())),
            "touched_at": converted_at.repeat(after).reset_index(drop=True)
            + pd.Series(pd.to_timedelta(rng.uniform(0.01, 10.0, int(after.sum())), unit="D")),
        }
    )
    touches = pd.concat([touches, post], ignore_index=True)
    touches["journey_id"] = "j" + touches["journey"].astype(str)
    touches["touch_id"] = "t" + pd.Series(np.arange(len(touches))).astype(str)
    touches["program"] = None
    touches["person_id"] = None
    touches = touches[["journey_id", "touch_id", "touched_at", "channel", "program", "person_id"]]
    return SyntheticJourneys(
        touches=touches,
        conversions=conversions,
        truth=incremental_truth(counts, effects, baseline_logit, intent, names),
        counts=pd.DataFrame(counts, columns=names),
    )
