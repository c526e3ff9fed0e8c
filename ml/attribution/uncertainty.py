"""Bootstrap confidence intervals of channel credit.

Journeys are the unit of resampling: each resample draws as many journeys as there are, with
replacement, keeping every touch and conversion of a drawn journey, and reruns `attribute`. A
channel missing from a resample counts as 0 credit there. The intervals are percentile
intervals of the channel's revenue credit over the resamples.
"""

import logging

import numpy as np
import pandas as pd

from ml.attribution.attribute import attribute, summarize_channels
from ml.attribution.config import AttributionConfig

logger = logging.getLogger(__name__)

INTERVAL_COLUMNS = ["model", "conversion_type", "channel", "revenue_credit", "lower", "upper"]
KEYS = ["model", "conversion_type", "channel"]


def _resample(
    touches: pd.DataFrame, conversions: pd.DataFrame, journeys: np.ndarray, draw: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the touches and conversions of the drawn journeys, copies renamed `id#k`."""
    picked = pd.DataFrame({"journey_id": journeys[draw]})
    picked["copy"] = picked.groupby("journey_id").cumcount().astype(str)
    new_touches = touches.merge(picked, on="journey_id")
    new_conversions = conversions.merge(picked, on="journey_id")
    for frame in (new_touches, new_conversions):
        frame["journey_id"] = frame["journey_id"] + "#" + frame["copy"]
    new_conversions["conversion_id"] = (
        new_conversions["conversion_id"] + "#" + new_conversions["copy"]
    )
    return new_touches.drop(columns="copy"), new_conversions.drop(columns="copy")


def bootstrap_channel_intervals(
    touches: pd.DataFrame, conversions: pd.DataFrame, config: AttributionConfig
) -> pd.DataFrame:
    """Estimate percentile intervals of each channel's revenue credit by resampling journeys.

    Args:
        touches: Touch table as for `attribute`.
        conversions: Conversion table as for `attribute`.
        config: Models and settings; `bootstrap_samples`, `confidence` and `seed` drive the
            resampling.

    Returns:
        One row per model, conversion type and channel with the full-data `revenue_credit`
        and the interval `lower`, `upper`.
    """
    point = summarize_channels(attribute(touches, conversions, config))
    touches = touches.assign(journey_id=touches["journey_id"].astype(str))
    conversions = conversions.assign(journey_id=conversions["journey_id"].astype(str))
    conversions = conversions.assign(conversion_id=conversions["conversion_id"].astype(str))
    journeys = np.array(
        sorted(set(touches["journey_id"]) | set(conversions["journey_id"])), dtype=object
    )
    rng = np.random.default_rng(config.seed)

    # NOTE: every resample reruns all configured models, so the cost is bootstrap_samples
    # times one `attribute` call (about 28 s for 150,000 journeys and all models).
    samples = []
    for sample in range(config.bootstrap_samples):
        draw = rng.integers(0, len(journeys), size=len(journeys))
        sample_touches, sample_conversions = _resample(touches, conversions, journeys, draw)
        summary = summarize_channels(attribute(sample_touches, sample_conversions, config))
        samples.append(summary.set_index(KEYS)["revenue_credit"].rename(sample))
    logger.info("Bootstrap: %d resamples of %d journeys", config.bootstrap_samples, len(journeys))

    keys = point.set_index(KEYS).index
    for sample in samples:
        keys = keys.union(sample.index)
    table = pd.concat([sample.reindex(keys) for sample in samples], axis=1).fillna(0.0)
    alpha = 1.0 - config.confidence
    intervals = pd.DataFrame(
        {
            "revenue_credit": point.set_index(KEYS)["revenue_credit"].reindex(keys).fillna(0.0),
            "lower": table.quantile(alpha / 2, axis=1),
            "upper": table.quantile(1 - alpha / 2, axis=1),
        },
        index=keys,
    )
    return intervals.reset_index()[INTERVAL_COLUMNS]
