import logging

import numpy as np
import pandas as pd
import pytest

from ml.attribution import AttributionConfig, attribute, summarize_channels
from ml.attribution.synthetic import generate_confounded_journeys
from ml.attribution.uncertainty import (
    bootstrap_channel_intervals,
    journey_ids,
    resampled_channel_credit,
)


def test_bootstrap_intervals_cover_point_and_repeat(touches_factory, conversions_factory):
    touches = touches_factory(
        [(f"j{i}", f"t{i}", 0, "a" if i % 3 else "b") for i in range(12)]
        + [(f"j{i}", f"u{i}", 1, "c") for i in range(0, 12, 2)]
    )
    conversions = conversions_factory(
        [(f"c{i}", f"j{i}", "closed_won", 2, 100.0) for i in range(0, 12, 3)]
    )
    config = AttributionConfig(models=("linear", "markov"), bootstrap_samples=8, seed=5)
    first = bootstrap_channel_intervals(touches, conversions, config)
    second = bootstrap_channel_intervals(touches, conversions, config)
    pd.testing.assert_frame_equal(first, second)
    assert set(first["model"]) == {"linear", "markov"}
    assert (first["lower"] <= first["upper"]).all()
    linear_b = first[(first["model"] == "linear") & (first["channel"] == "b")].iloc[0]
    assert linear_b["revenue_credit"] == pytest.approx(300.0)
    assert linear_b["lower"] <= linear_b["revenue_credit"] <= linear_b["upper"]


def test_bootstrap_without_conversions_is_empty(touches_factory, conversions_factory):
    # Touches of community members, but no deal in the landing folder: nothing earned credit.
    touches = touches_factory([(f"j{i}", f"t{i}", 0, "a") for i in range(4)])
    conversions = conversions_factory([])
    config = AttributionConfig(models=("linear", "markov"), bootstrap_samples=8, seed=5)
    intervals = bootstrap_channel_intervals(touches, conversions, config)
    assert intervals.empty
    assert list(intervals.columns) == [
        "model", "conversion_type", "channel", "revenue_credit", "lower", "upper"
    ]  # fmt: skip


def test_bootstrap_logs_unfitted_counterfactual_once(touches_factory, conversions_factory, caplog):
    # Every journey converts, so no resample can fit the counterfactual model. Each resample's
    # fallback would log its own warning: 20 here, hundreds in a pipeline run.
    touches = touches_factory([(f"j{i}", f"t{i}", 0, "a" if i % 2 else "b") for i in range(6)])
    conversions = conversions_factory(
        [(f"c{i}", f"j{i}", "closed_won", 1, 100.0) for i in range(6)]
    )
    config = AttributionConfig(models=("counterfactual",), bootstrap_samples=20, seed=3)
    credits = attribute(touches, conversions, config)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ml.attribution"):
        bootstrap_channel_intervals(touches, conversions, config, credits)
    fits = [r for r in caplog.records if r.name == "ml.attribution.counterfactual"]
    summaries = [r for r in caplog.records if r.levelno == logging.WARNING and r not in fits]
    assert fits == []
    assert len(summaries) == 1
    assert "20 resamples logged 20 warning(s)" in summaries[0].getMessage()
    assert "Counterfactual model not fitted" in summaries[0].getMessage()


def synthetic_inputs(n_journeys: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = generate_confounded_journeys(n_journeys, seed=seed)
    return data.touches, data.conversions


def test_resampled_credit_equals_rerun_on_drawn_journeys():
    touches, conversions = synthetic_inputs(300, seed=4)
    config = AttributionConfig(shapley_samples=200)
    journeys = journey_ids(touches, conversions)
    draws = np.random.default_rng(2).multinomial(
        len(journeys), np.full(len(journeys), 1 / len(journeys)), size=1
    )
    fast = resampled_channel_credit(touches, conversions, config, draws.astype(float))[0]

    drawn = pd.DataFrame({"journey_id": np.repeat(journeys.to_numpy(), draws[0])})
    drawn["copy"] = drawn.groupby("journey_id").cumcount().astype(str)
    copied_touches = touches.merge(drawn, on="journey_id")
    copied_conversions = conversions.merge(drawn, on="journey_id")
    copied_touches["journey_id"] += "#" + copied_touches.pop("copy")
    copied_conversions["journey_id"] += "#" + copied_conversions["copy"]
    copied_conversions["conversion_id"] += "#" + copied_conversions.pop("copy")
    rerun = summarize_channels(attribute(copied_touches, copied_conversions, config))
    rerun = rerun.set_index(["model", "conversion_type", "channel"])["revenue_credit"]

    assert set(rerun.index) <= set(fast.index)
    assert fast.reindex(rerun.index).to_numpy() == pytest.approx(rerun.to_numpy(), rel=1e-9)
    assert (fast.drop(rerun.index).abs() < 1e-9).all()


def test_bootstrap_intervals_contain_point_and_shrink():
    config = AttributionConfig(
        models=("linear", "markov", "counterfactual"), bootstrap_samples=40, seed=3
    )
    widths = {}
    for n_journeys in (300, 2400):
        touches, conversions = synthetic_inputs(n_journeys, seed=8)
        intervals = bootstrap_channel_intervals(touches, conversions, config)
        intervals = intervals[intervals["revenue_credit"] > 0]
        inside = (intervals["lower"] <= intervals["revenue_credit"]) & (
            intervals["revenue_credit"] <= intervals["upper"]
        )
        assert inside.all(), intervals[~inside]
        # Widths relative to the converted revenue, not to each channel's credit: the
        # counterfactual model credits zero-effect channels almost nothing, and a width
        # relative to almost nothing does not shrink.
        relative = (intervals["upper"] - intervals["lower"]) / conversions["revenue"].sum()
        widths[n_journeys] = relative.groupby(intervals["model"]).median()
    for model in config.models:
        assert widths[2400][model] < 0.7 * widths[300][model], model
