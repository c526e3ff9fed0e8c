"""Credit each conversion's revenue to the touches before it, under every configured model."""

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from ml.attribution import heuristics
from ml.attribution.config import (
    BASELINE,
    CHANNEL_MODELS,
    COUNTERFACTUAL,
    FIRST_TOUCH,
    LAST_TOUCH,
    LINEAR,
    MARKOV,
    NO_CHANNEL,
    POSITION_U,
    POSITION_W,
    SHAPLEY,
    TIME_DECAY,
    AttributionConfig,
)
from ml.attribution.counterfactual import CounterfactualResult, counterfactual_attribution
from ml.attribution.journeys import (
    eligible_touches,
    group_paths,
    non_converting_journeys,
    prepare_conversions,
    prepare_touches,
)
from ml.attribution.markov import markov_attribution
from ml.attribution.paths import PathTable, build_path_table
from ml.attribution.shapley import shapley_attribution
from ml.attribution.split import split_channel_credit

logger = logging.getLogger(__name__)

CREDIT_COLUMNS = [
    "model",
    "conversion_id",
    "conversion_type",
    "journey_id",
    "touch_id",
    "channel",
    "program",
    "person_id",
    "share",
    "revenue_credit",
]
SUMMARY_COLUMNS = ["model", "conversion_type", "channel", "conversions", "revenue_credit", "share"]


def _heuristic_rules(config: AttributionConfig) -> dict[str, Callable[[pd.DataFrame], np.ndarray]]:
    return {
        FIRST_TOUCH: heuristics.first_touch,
        LAST_TOUCH: heuristics.last_touch,
        LINEAR: heuristics.linear,
        TIME_DECAY: lambda touches: heuristics.time_decay(
            touches, touches["conversion_id"], config.half_life_days
        ),
        POSITION_U: heuristics.position_u,
        POSITION_W: heuristics.position_w,
    }


def channel_credit(table: PathTable, model: str, config: AttributionConfig) -> dict[str, float]:
    """Return the conversions a channel-level model credits each channel in total.

    Args:
        table: Converting and non-converting paths of one conversion type.
        model: One of `CHANNEL_MODELS`.
        config: Supplies the Markov order, Shapley limits, regularization and seed.

    Returns:
        Channel to credited conversions; the values sum to the table's conversions unless
        the model credits no channel at all.
    """
    if model == MARKOV:
        return markov_attribution(table, config.markov_order).credited_conversions
    if model == SHAPLEY:
        return shapley_attribution(
            table, config.shapley_max_exact_channels, config.shapley_samples, config.seed
        ).credited_conversions
    if model == COUNTERFACTUAL:
        return fit_counterfactual(table, config).credited_conversions
    raise ValueError(f"model {model!r} is not a channel-level model; expected {CHANNEL_MODELS}")


def fit_counterfactual(table: PathTable, config: AttributionConfig) -> CounterfactualResult:
    """Fit the counterfactual model with the configured regularization and baseline."""
    return counterfactual_attribution(
        table, config.counterfactual_regularization, config.counterfactual_baseline
    )


def _credit_rows(touches: pd.DataFrame, model: str, shares: np.ndarray) -> pd.DataFrame:
    rows = touches[CREDIT_COLUMNS[1:8]].copy()
    rows.insert(0, "model", model)
    rows["share"] = shares
    rows["revenue_credit"] = shares * touches["revenue"].to_numpy(dtype=float)
    return rows


def _unattributed_rows(conversions: pd.DataFrame, models: tuple[str, ...]) -> pd.DataFrame:
    """Return one `(none)` row per model for conversions without an eligible touch."""
    n = len(conversions)
    repeated = {
        column: np.tile(conversions[column].to_numpy(), len(models))
        for column in ("conversion_id", "conversion_type", "journey_id")
    }
    rows = pd.DataFrame(
        {
            "model": np.repeat(np.array(models, dtype=object), n),
            **repeated,
            "touch_id": None,
            "channel": NO_CHANNEL,
            "program": None,
            "person_id": None,
            "share": 1.0,
            "revenue_credit": np.tile(conversions["revenue"].to_numpy(dtype=float), len(models)),
        }
    )
    return rows[CREDIT_COLUMNS]


def converting_paths(eligible: pd.DataFrame) -> pd.DataFrame:
    """Return conversion_id, journey_id, revenue and path (channel tuple) per conversion.

    Args:
        eligible: Eligible touches of one conversion type, as `eligible_touches` orders them.

    Returns:
        One row per conversion with at least one eligible touch, sorted by conversion id.
    """
    firsts = eligible.drop_duplicates("conversion_id")
    paths = group_paths(eligible["conversion_id"], eligible["channel"])
    return pd.DataFrame(
        {
            "conversion_id": firsts["conversion_id"].to_numpy(),
            "journey_id": firsts["journey_id"].to_numpy(),
            "revenue": firsts["revenue"].to_numpy(dtype=float),
            "path": paths.to_numpy(),
        }
    )


def _attribute_type(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    eligible: pd.DataFrame,
    conversion_type: str,
    config: AttributionConfig,
) -> list[pd.DataFrame]:
    rules = _heuristic_rules(config)
    frames = [
        _credit_rows(eligible, model, rules[model](eligible))
        for model in config.models
        if model in rules
    ]
    channel_models = [model for model in config.models if model in CHANNEL_MODELS]
    if not channel_models or eligible.empty:
        return frames

    converting = converting_paths(eligible)
    table = build_path_table(
        list(converting["path"]),
        list(non_converting_journeys(touches, conversions, conversion_type, config)),
        converting["revenue"].to_numpy(),
    )
    for model in channel_models:
        baseline = np.zeros(len(converting))
        if model == COUNTERFACTUAL:
            result = fit_counterfactual(table, config)
            credit = result.credited_conversions
            baseline = result.baseline_shares(list(converting["path"]))
        else:
            credit = channel_credit(table, model, config)
        # Each conversion gives its baseline share to `(baseline)` and splits the rest over
        # its touches. The split is weighted by that rest, so the channel totals it rakes to
        # are the model's channel credit.
        touch_part = pd.Series(1.0 - baseline, index=converting["conversion_id"].to_numpy())
        shares = split_channel_credit(
            eligible, "conversion_id", touch_part, credit, config.rake_channel_totals
        )
        shares = shares * touch_part.reindex(eligible["conversion_id"]).to_numpy()
        frames.append(_credit_rows(eligible, model, shares))
        if baseline.any():
            frames.append(_baseline_rows(converting, eligible, model, baseline))
    return frames


def _baseline_rows(
    converting: pd.DataFrame, eligible: pd.DataFrame, model: str, baseline: np.ndarray
) -> pd.DataFrame:
    """Return one `(baseline)` row per conversion with a positive baseline share."""
    types = eligible.drop_duplicates("conversion_id").set_index("conversion_id")["conversion_type"]
    credited = baseline > 0
    with_baseline = converting[credited]
    rows = pd.DataFrame(
        {
            "model": model,
            "conversion_id": with_baseline["conversion_id"].to_numpy(),
            "conversion_type": types.reindex(with_baseline["conversion_id"]).to_numpy(),
            "journey_id": with_baseline["journey_id"].to_numpy(),
            "touch_id": None,
            "channel": BASELINE,
            "program": None,
            "person_id": None,
            "share": baseline[credited],
            "revenue_credit": baseline[credited] * with_baseline["revenue"].to_numpy(dtype=float),
        }
    )
    return rows[CREDIT_COLUMNS]


def attribute(
    touches: pd.DataFrame, conversions: pd.DataFrame, config: AttributionConfig
) -> pd.DataFrame:
    """Credit every conversion's revenue to its eligible touches under each configured model.

    Args:
        touches: journey_id, touch_id, touched_at (UTC), channel, program, person_id.
        conversions: conversion_id, journey_id, conversion_type, converted_at, revenue (net
            of refunds for won deals; the opportunity's amount for pipeline).
        config: Models, lookback window, channel grouping and model settings.

    Returns:
        One row per model, conversion and credited touch with the columns `CREDIT_COLUMNS`.
        For each model and conversion the shares sum to 1 and `revenue_credit` sums to the
        conversion's revenue. A conversion with no eligible touch gets one row with channel
        `(none)`, share 1 and all of its revenue. With `counterfactual_baseline`, the
        counterfactual model adds a `(baseline)` row per conversion for the share it expects
        without any touch; the touch rows then share the rest.

    Raises:
        AttributionInputError: The touches or conversions break a rule listed in
            `ml.attribution.journeys`.
    """
    prepared_touches = prepare_touches(touches, config)
    prepared_conversions = prepare_conversions(conversions)
    eligible = eligible_touches(prepared_touches, prepared_conversions, config)

    frames: list[pd.DataFrame] = []
    for conversion_type in sorted(prepared_conversions["conversion_type"].unique()):
        of_type = prepared_conversions[prepared_conversions["conversion_type"] == conversion_type]
        eligible_of_type = eligible[eligible["conversion_type"] == conversion_type]
        frames.extend(
            _attribute_type(
                prepared_touches, prepared_conversions, eligible_of_type, conversion_type, config
            )
        )
        unattributed = of_type[~of_type["conversion_id"].isin(eligible_of_type["conversion_id"])]
        if not unattributed.empty:
            frames.append(_unattributed_rows(unattributed, config.models))
        logger.info(
            "Attributed %d %s conversions (%d without an eligible touch)",
            len(of_type),
            conversion_type,
            len(unattributed),
        )

    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in CREDIT_COLUMNS})
    credits = pd.concat(frames, ignore_index=True)[CREDIT_COLUMNS]
    return credits.sort_values(["model", "conversion_id"], kind="mergesort").reset_index(drop=True)


def summarize_channels(credits: pd.DataFrame) -> pd.DataFrame:
    """Sum credits per model, conversion type and channel.

    Args:
        credits: Output of `attribute`.

    Returns:
        Columns `SUMMARY_COLUMNS`: `conversions` is the summed share (conversions credited),
        `share` is that channel's fraction of the conversions of its model and type.
    """
    summary = (
        credits.groupby(["model", "conversion_type", "channel"], as_index=False)
        .agg(conversions=("share", "sum"), revenue_credit=("revenue_credit", "sum"))
        .sort_values(["model", "conversion_type", "channel"])
    )
    totals = summary.groupby(["model", "conversion_type"])["conversions"].transform("sum")
    summary["share"] = summary["conversions"] / totals.where(totals > 0)
    return summary.reset_index(drop=True)[SUMMARY_COLUMNS]
