"""Attribution of journeys given in the aggregated path format.

Each input row is a distinct path (`a > b > c`) with its number of conversions, their value and
its number of non-converting journeys. The heuristics and channel-level models work as for
touch tables. Time decay and the W shape are rejected because they need time stamps and
opportunity dates, which this format lacks.
"""

import logging

import numpy as np
import pandas as pd

from ml.attribution import heuristics
from ml.attribution.attribute import channel_credit
from ml.attribution.config import (
    CHANNEL_MODELS,
    FIRST_TOUCH,
    LAST_TOUCH,
    LINEAR,
    POSITION_U,
    AttributionConfig,
)
from ml.attribution.paths import path_table_from_frame
from ml.attribution.split import split_channel_credit
from ml.errors import ConfigurationError

logger = logging.getLogger(__name__)

PATH_RULES = {
    FIRST_TOUCH: heuristics.first_touch,
    LAST_TOUCH: heuristics.last_touch,
    LINEAR: heuristics.linear,
    POSITION_U: heuristics.position_u,
}
PATH_MODELS = (*PATH_RULES, *CHANNEL_MODELS)
PATH_CREDIT_COLUMNS = ["model", "path_index", "path", "channel", "conversions", "conversion_value"]


def _touch_rows(paths: pd.DataFrame) -> pd.DataFrame:
    converting = paths[paths["total_conversions"] > 0]
    lengths = converting["path"].map(len).to_numpy()
    rows = pd.DataFrame(
        {
            "path_index": np.repeat(converting.index.to_numpy(), lengths),
            "channel": [channel for path in converting["path"] for channel in path],
            "position": np.concatenate([np.arange(n) for n in lengths]) if len(lengths) else [],
            "path_length": np.repeat(lengths, lengths),
        }
    )
    rows["conversions"] = rows["path_index"].map(converting["total_conversions"])
    rows["value"] = rows["path_index"].map(converting["total_conversion_value"])
    return rows


def attribute_paths(paths: pd.DataFrame, config: AttributionConfig) -> pd.DataFrame:
    """Credit the conversions and value of aggregated paths to channels under each model.

    Args:
        paths: Output of `read_path_file`.
        config: Models (from `PATH_MODELS`) and model settings.

    Returns:
        One row per model, converting path and channel with `PATH_CREDIT_COLUMNS`; per model
        and path the conversions sum to the path's `total_conversions`.

    Raises:
        ConfigurationError: A model needs time stamps or opportunity dates.
    """
    unsupported = [model for model in config.models if model not in PATH_MODELS]
    if unsupported:
        raise ConfigurationError(
            f"models {unsupported} need touch time stamps or opportunity dates, which the "
            f"aggregated path format lacks; choose from {list(PATH_MODELS)}"
        )
    touches = _touch_rows(paths)
    table = path_table_from_frame(paths)
    weights = paths["total_conversions"]
    frames = []
    for model in config.models:
        if model in PATH_RULES:
            shares = PATH_RULES[model](touches)
        else:
            credit = channel_credit(table, model, config)
            shares = split_channel_credit(
                touches, "path_index", weights, credit, config.rake_channel_totals
            )
        frame = touches[["path_index", "channel"]].assign(
            model=model,
            conversions=shares * touches["conversions"].to_numpy(),
            conversion_value=shares * touches["value"].to_numpy(),
        )
        frames.append(frame.groupby(["model", "path_index", "channel"], as_index=False).sum())
    credits = pd.concat(frames, ignore_index=True)
    credits["path"] = credits["path_index"].map(paths["path"].map(" > ".join))
    return credits[PATH_CREDIT_COLUMNS]


def channel_table(credits: pd.DataFrame) -> pd.DataFrame:
    """Return credited conversions per channel (rows) and model (columns)."""
    table = credits.pivot_table(
        index="channel", columns="model", values="conversions", aggfunc="sum", fill_value=0.0
    )
    return table.sort_index()
