"""Configuration and model names for touch attribution."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ml.errors import ConfigurationError

FIRST_TOUCH = "first_touch"
LAST_TOUCH = "last_touch"
LINEAR = "linear"
TIME_DECAY = "time_decay"
POSITION_U = "position_u"
POSITION_W = "position_w"
MARKOV = "markov"
SHAPLEY = "shapley"
COUNTERFACTUAL = "counterfactual"

HEURISTIC_MODELS = (FIRST_TOUCH, LAST_TOUCH, LINEAR, TIME_DECAY, POSITION_U, POSITION_W)
CHANNEL_MODELS = (MARKOV, SHAPLEY, COUNTERFACTUAL)
ALL_MODELS = HEURISTIC_MODELS + CHANNEL_MODELS

# The counterfactual model is the headline: it credits the drop in predicted conversions
# when a channel is removed, so a channel that is frequent in converting and non-converting
# journeys alike earns little. Path models credit how often a channel sits on converting
# paths, which rewards traffic volume.
HEADLINE_MODEL = COUNTERFACTUAL

NO_CHANNEL = "(none)"
# Credit the counterfactual model gives no touch: the share of a conversion it expects
# without any touch (docs/attribution.md).
BASELINE = "(baseline)"
PSEUDO_CHANNELS = (NO_CHANNEL, BASELINE)
OPPORTUNITY_CREATED = "opportunity_created"


@dataclass(frozen=True)
class AttributionConfig:
    """Settings for `attribute` and the functions around it.

    Attributes:
        lookback_days: Touches older than this many days before a conversion earn nothing.
        half_life_days: Half-life of the time-decay model, in days.
        markov_order: Order of the Markov chain, 1 to 3 (states are the last k channels).
        shapley_max_exact_channels: Up to this many channels Shapley values are exact over
            all coalitions (at most 16); beyond it they are estimated from sampled
            permutations.
        shapley_samples: Number of sampled permutations when Shapley values are estimated.
        bootstrap_samples: Number of journey resamples for confidence intervals.
        seed: Seed of every random step (Shapley permutation sampling, bootstrap).
        models: Models to run, from `ALL_MODELS`.
        channel_grouping: Map from a channel to the group that replaces it; channels not in
            the map keep their name.
        rake_channel_totals: For the channel-level models, adjust each conversion's split so
            that the channel totals over all conversions match the model's global credit
            (iterative proportional fitting). When False, each conversion is split over its
            own channels in proportion to their global weights only.
        counterfactual_regularization: Inverse L2 strength `C` of the logistic regression.
        counterfactual_baseline: Whether the counterfactual model credits the share of each
            conversion it expects without any touch, `min(1, p0 / p(x))`, to a `(baseline)`
            row instead of to the conversion's touches.
        confidence: Coverage of bootstrap intervals, between 0 and 1.
    """

    lookback_days: int = 180
    half_life_days: float = 7.0
    markov_order: int = 1
    shapley_max_exact_channels: int = 12
    shapley_samples: int = 2000
    bootstrap_samples: int = 200
    seed: int = 20261204
    models: tuple[str, ...] = ALL_MODELS
    channel_grouping: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rake_channel_totals: bool = True
    counterfactual_regularization: float = 10.0
    counterfactual_baseline: bool = True
    confidence: float = 0.95

    def __post_init__(self) -> None:
        unknown = [name for name in self.models if name not in ALL_MODELS]
        if unknown:
            raise ConfigurationError(
                f"AttributionConfig.models: unknown model(s) {unknown}; expected names from "
                f"{list(ALL_MODELS)}"
            )
        if not 1 <= self.markov_order <= 3:
            raise ConfigurationError(
                f"AttributionConfig.markov_order: {self.markov_order} is invalid; expected 1, 2 "
                "or 3"
            )
        checks = {
            "lookback_days": self.lookback_days > 0,
            "half_life_days": self.half_life_days > 0,
            "shapley_max_exact_channels": 1 <= self.shapley_max_exact_channels <= 16,
            "shapley_samples": self.shapley_samples > 0,
            "bootstrap_samples": self.bootstrap_samples > 0,
            "counterfactual_regularization": self.counterfactual_regularization > 0,
            "confidence": 0 < self.confidence < 1,
        }
        for name, valid in checks.items():
            if not valid:
                raise ConfigurationError(
                    f"AttributionConfig.{name}: {getattr(self, name)!r} is out of range; see "
                    "the AttributionConfig docstring for valid values"
                )
