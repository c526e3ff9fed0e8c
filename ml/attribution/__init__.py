"""Multi-touch attribution of conversions and revenue to community and marketing touches."""

from ml.attribution.attribute import attribute, channel_credit, summarize_channels
from ml.attribution.config import ALL_MODELS, HEADLINE_MODEL, AttributionConfig
from ml.attribution.experiments import ExperimentLift, estimate_experiment_lift
from ml.attribution.uncertainty import bootstrap_channel_intervals

__all__ = [
    "ALL_MODELS",
    "HEADLINE_MODEL",
    "AttributionConfig",
    "ExperimentLift",
    "attribute",
    "bootstrap_channel_intervals",
    "channel_credit",
    "estimate_experiment_lift",
    "summarize_channels",
]
