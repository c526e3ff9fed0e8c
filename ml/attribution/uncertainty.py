"""Bootstrap confidence intervals of channel credit.

Journeys are the unit of resampling: each resample draws as many journeys as there are, with
replacement, keeping every touch and conversion of a drawn journey. A resample is a vector of
draw counts per journey from a seeded multinomial, so nothing is copied:
- A heuristic model credits each conversion from its own touches only, so a resample's
  channel credit is the count-weighted sum of each journey's full-data credit. The same holds
  for the `(none)` credit of conversions without an eligible touch.
- Markov, Shapley and the counterfactual model credit channels from all journeys together.
  They are refitted on the resampled path table (each distinct path's conversions, value and
  non-conversions weighted by the counts), and the credit is split over each distinct channel
  set of the converting paths as `attribute` splits it. The counterfactual model's
  `(baseline)` share of each conversion comes from the refitted model too.
This gives the same resample distribution as rerunning `attribute` on the drawn journeys. A
channel missing from a resample counts as 0 credit there. The intervals are percentile
intervals of the channel's revenue credit over the resamples.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse

from ml.attribution.attribute import (
    attribute,
    channel_credit,
    converting_paths,
    fit_counterfactual,
    summarize_channels,
)
from ml.attribution.config import (
    BASELINE,
    CHANNEL_MODELS,
    COUNTERFACTUAL,
    MARKOV,
    NO_CHANNEL,
    AttributionConfig,
)
from ml.attribution.counterfactual import logger as counterfactual_logger
from ml.attribution.fit_logs import collected_fit_warnings
from ml.attribution.journeys import (
    eligible_touches,
    non_converting_journeys,
    prepare_conversions,
    prepare_touches,
)
from ml.attribution.markov import MarkovPaths
from ml.attribution.paths import PathTable
from ml.attribution.split import split_pattern_shares

logger = logging.getLogger(__name__)

INTERVAL_COLUMNS = ["model", "conversion_type", "channel", "revenue_credit", "lower", "upper"]
KEYS = ["model", "conversion_type", "channel"]


@dataclass(frozen=True)
class _TypePaths:
    """Paths of one conversion type, indexed for reweighting by journey draw counts."""

    paths: list[tuple[str, ...]]
    channels: list[str]
    conversion_journey: np.ndarray
    conversion_path: np.ndarray
    conversion_pattern: np.ndarray
    revenue: np.ndarray
    null_journey: np.ndarray
    null_path: np.ndarray
    patterns: np.ndarray

    def weighted_counts(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return conversions, value and non-conversions per path under journey draw counts."""
        drawn = counts[self.conversion_journey]
        size = len(self.paths)
        conversions = np.bincount(self.conversion_path, weights=drawn, minlength=size)
        values = np.bincount(self.conversion_path, weights=drawn * self.revenue, minlength=size)
        nulls = np.bincount(self.null_path, weights=counts[self.null_journey], minlength=size)
        return conversions, values, nulls.astype(float)

    def table(self, counts: np.ndarray) -> PathTable:
        """Return the path table of a resample, leaving out paths that were not drawn."""
        conversions, values, nulls = self.weighted_counts(counts)
        kept = np.flatnonzero(conversions + nulls > 0)
        return PathTable(
            paths=tuple(self.paths[i] for i in kept),
            conversions=conversions[kept],
            values=values[kept],
            nulls=nulls[kept],
        )

    def revenue_by_channel(
        self,
        counts: np.ndarray,
        credit: dict[str, float],
        rake: bool,
        path_baseline: np.ndarray | None = None,
    ) -> np.ndarray:
        """Split the credit over the drawn conversions and sum their revenue per channel.

        Args:
            counts: Draw count of each journey.
            credit: Channel credit of the refitted model.
            rake: Whether to match the channel totals.
            path_baseline: `(baseline)` share of each path, or None for no baseline.

        Returns:
            Revenue per channel of `channels`, then the `(baseline)` revenue.
        """
        drawn = counts[self.conversion_journey]
        baseline = np.zeros(len(drawn))
        if path_baseline is not None:
            baseline = path_baseline[self.conversion_path]
        part = drawn * (1.0 - baseline)
        size = len(self.patterns)
        weights = np.bincount(self.conversion_pattern, weights=part, minlength=size)
        revenue = np.bincount(self.conversion_pattern, weights=part * self.revenue, minlength=size)
        kept = weights > 0
        totals = np.array([credit.get(channel, 0.0) for channel in self.channels])
        shares = split_pattern_shares(self.patterns[kept], weights[kept], totals, rake)
        baseline_revenue = float((drawn * baseline) @ self.revenue)
        return np.append(revenue[kept] @ shares, baseline_revenue)


def _type_paths(converting: pd.DataFrame, nulls: pd.Series, journey_index: pd.Index) -> _TypePaths:
    paths, path_codes = _codes(list(converting["path"]) + list(nulls))
    channels = sorted({channel for path in paths for channel in path})
    column = {channel: i for i, channel in enumerate(channels)}
    channel_sets, pattern_codes = _codes([tuple(sorted(set(path))) for path in converting["path"]])
    patterns = np.zeros((len(channel_sets), len(channels)))
    for row, channel_set in enumerate(channel_sets):
        patterns[row, [column[channel] for channel in channel_set]] = 1.0
    n_converting = len(converting)
    return _TypePaths(
        paths=paths,
        channels=channels,
        conversion_journey=journey_index.get_indexer(converting["journey_id"]),
        conversion_path=path_codes[:n_converting],
        conversion_pattern=pattern_codes,
        revenue=converting["revenue"].to_numpy(dtype=float),
        null_journey=journey_index.get_indexer(nulls.index),
        null_path=path_codes[n_converting:],
        patterns=patterns,
    )


def _codes(items: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Return the distinct items and each item's position among them."""
    position: dict[tuple[str, ...], int] = {}
    codes = np.array([position.setdefault(item, len(position)) for item in items], dtype=int)
    return list(position), codes


def _fixed_credit_samples(
    credits: pd.DataFrame, journey_index: pd.Index, channel_models: list[str], draws: np.ndarray
) -> pd.DataFrame:
    """Resample credit that depends on each journey alone: heuristics and `(none)` rows."""
    fixed = credits[~credits["model"].isin(channel_models) | (credits["channel"] == NO_CHANNEL)]
    per_journey = fixed.groupby([*KEYS, "journey_id"], as_index=False)["revenue_credit"].sum()
    if per_journey.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=KEYS))
    key_codes, keys = pd.MultiIndex.from_frame(per_journey[KEYS]).factorize()
    matrix = scipy.sparse.csr_matrix(
        (
            per_journey["revenue_credit"].to_numpy(dtype=float),
            (journey_index.get_indexer(per_journey["journey_id"]), key_codes),
        ),
        shape=(len(journey_index), len(keys)),
    )
    samples = np.asarray(matrix.T @ draws.T)
    return pd.DataFrame(samples, index=pd.MultiIndex.from_tuples(list(keys), names=KEYS))


def _channel_model_samples(
    paths: _TypePaths,
    conversion_type: str,
    channel_models: list[str],
    draws: np.ndarray,
    config: AttributionConfig,
) -> pd.DataFrame:
    """Refit the channel-level models on every resample of one conversion type."""
    channels = [*paths.channels, BASELINE]
    samples = np.zeros((len(channel_models), len(channels), len(draws)))
    # The Markov states of every path are indexed once; a resample only reweights them.
    chain = MarkovPaths.build(tuple(paths.paths), config.markov_order)
    for sample, counts in enumerate(draws):
        table = paths.table(counts)
        if not table.conversions.sum():
            continue
        for row, model in enumerate(channel_models):
            path_baseline = None
            if model == MARKOV:
                result = chain.attribution(table.channels(), *paths.weighted_counts(counts))
                credit = result.credited_conversions
            elif model == COUNTERFACTUAL:
                fitted = fit_counterfactual(table, config)
                credit = fitted.credited_conversions
                path_baseline = fitted.baseline_shares(paths.paths)
            else:
                credit = channel_credit(table, model, config)
            samples[row, :, sample] = paths.revenue_by_channel(
                counts, credit, config.rake_channel_totals, path_baseline
            )
    keys = pd.MultiIndex.from_product([channel_models, [conversion_type], channels], names=KEYS)
    frame = pd.DataFrame(samples.reshape(-1, len(draws)), index=keys)
    # Only the counterfactual model has a `(baseline)` credit.
    no_baseline = (frame.index.get_level_values("channel") == BASELINE) & (
        frame.index.get_level_values("model") != COUNTERFACTUAL
    )
    if not config.counterfactual_baseline:
        no_baseline = frame.index.get_level_values("channel") == BASELINE
    return frame[~no_baseline]


def resampled_channel_credit(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: AttributionConfig,
    draws: np.ndarray,
    credits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return each channel's revenue credit in every resample given by journey draw counts.

    Args:
        touches: Touch table as for `attribute`.
        conversions: Conversion table as for `attribute`.
        config: Models and settings.
        draws: One row per resample and one column per journey of `journey_ids`: how many
            times the resample draws that journey.
        credits: Output of `attribute` for the same inputs and config, if already computed.

    Returns:
        One row per model, conversion type and channel (index `KEYS`) and one column per
        resample. The credit equals `summarize_channels(attribute(...))` run on the drawn
        journeys, each copy of a journey counted as a journey of its own.
    """
    if credits is None:
        credits = attribute(touches, conversions, config)
    prepared_touches = prepare_touches(touches, config)
    prepared_conversions = prepare_conversions(conversions)
    journey_index = _journey_index(prepared_touches, prepared_conversions)
    channel_models = [model for model in config.models if model in CHANNEL_MODELS]
    frames = [_fixed_credit_samples(credits, journey_index, channel_models, draws)]
    if channel_models:
        eligible = eligible_touches(prepared_touches, prepared_conversions, config)
        with collected_fit_warnings(counterfactual_logger) as warnings:
            for conversion_type in sorted(prepared_conversions["conversion_type"].unique()):
                of_type = eligible[eligible["conversion_type"] == conversion_type]
                if of_type.empty:
                    continue
                nulls = non_converting_journeys(
                    prepared_touches, prepared_conversions, conversion_type, config
                )
                paths = _type_paths(converting_paths(of_type), nulls, journey_index)
                frames.append(
                    _channel_model_samples(paths, conversion_type, channel_models, draws, config)
                )
        if warnings:
            logger.warning(
                "Bootstrap: the counterfactual refits of %d resamples logged %d warning(s), "
                "first: %s",
                len(draws), len(warnings), warnings[0],
            )  # fmt: skip
    return pd.concat(frames).groupby(level=KEYS).sum()


def journey_ids(touches: pd.DataFrame, conversions: pd.DataFrame) -> pd.Index:
    """Return the sorted journey ids of touches and conversions, the columns of draws."""
    return _journey_index(
        touches.assign(journey_id=touches["journey_id"].astype(str)),
        conversions.assign(journey_id=conversions["journey_id"].astype(str)),
    )


def _journey_index(touches: pd.DataFrame, conversions: pd.DataFrame) -> pd.Index:
    return pd.Index(sorted(set(touches["journey_id"]) | set(conversions["journey_id"])))


def bootstrap_channel_intervals(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: AttributionConfig,
    credits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Estimate percentile intervals of each channel's revenue credit by resampling journeys.

    Args:
        touches: Touch table as for `attribute`.
        conversions: Conversion table as for `attribute`.
        config: Models and settings; `bootstrap_samples`, `confidence` and `seed` drive the
            resampling.
        credits: Output of `attribute` for the same inputs and config, when the caller has
            it already; computed otherwise.

    Returns:
        One row per model, conversion type and channel with the full-data `revenue_credit`
        and the interval `lower`, `upper`.
    """
    if credits is None:
        credits = attribute(touches, conversions, config)
    n = len(journey_ids(touches, conversions))
    rng = np.random.default_rng(config.seed)
    draws = rng.multinomial(n, np.full(n, 1.0 / n), size=config.bootstrap_samples)
    samples = resampled_channel_credit(touches, conversions, config, draws.astype(float), credits)
    logger.info("Bootstrap: %d resamples of %d journeys", config.bootstrap_samples, n)
    return _intervals(summarize_channels(credits), samples, config.confidence)


def _intervals(point: pd.DataFrame, table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    keys = point.set_index(KEYS).index.union(table.index)
    if keys.empty:
        # No conversion earned credit (a landing folder without deals), so no interval.
        return pd.DataFrame({column: [] for column in INTERVAL_COLUMNS})
    table = table.reindex(keys).fillna(0.0).to_numpy()
    alpha = 1.0 - confidence
    intervals = pd.DataFrame(
        {
            "revenue_credit": point.set_index(KEYS)["revenue_credit"].reindex(keys).fillna(0.0),
            "lower": np.quantile(table, alpha / 2, axis=1),
            "upper": np.quantile(table, 1 - alpha / 2, axis=1),
        },
        index=keys,
    )
    return intervals.reset_index()[INTERVAL_COLUMNS]
