"""Multi-touch attribution of conversions and revenue to community and marketing touches."""

from ml.attribution.attribute import attribute, channel_credit, summarize_channels
from ml.attribution.config import ALL_MODELS, HEADLINE_MODEL, AttributionConfig

__all__ = [
    "ALL_MODELS",
    "HEADLINE_MODEL",
    "AttributionConfig",
    "attribute",
    "channel_credit",
    "summarize_channels",
]
