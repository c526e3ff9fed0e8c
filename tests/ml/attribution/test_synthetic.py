import numpy as np
import pandas as pd

from ml.attribution.synthetic import (
    DEFAULT_CHANNELS,
    generate_confounded_journeys,
    incremental_truth,
)


def test_counts_match_touches_before_conversion():
    data = generate_confounded_journeys(2_000, seed=5)
    converted_at = data.conversions.set_index("journey_id")["converted_at"]
    touches = data.touches.join(converted_at, on="journey_id")
    before = touches[
        touches["converted_at"].isna() | (touches["touched_at"] < touches["converted_at"])
    ]
    observed = before.groupby(["journey_id", "channel"]).size().unstack(fill_value=0)
    expected = data.counts.set_axis([f"j{i}" for i in range(len(data.counts))])
    observed = observed.reindex(index=expected.index, columns=expected.columns, fill_value=0)
    pd.testing.assert_frame_equal(observed.astype(float), expected, check_names=False)


def test_planted_effects_reproduce_truth():
    data = generate_confounded_journeys(2_000, seed=5)
    effects = np.array([effect for _, effect in DEFAULT_CHANNELS.values()])
    again = incremental_truth(data.counts.to_numpy(), effects, -2.0, 0.0, list(data.counts.columns))
    pd.testing.assert_frame_equal(again, data.truth)


def test_zero_effect_channel_earns_nothing():
    counts = np.array([[2.0, 0.0], [1.0, 3.0]])
    truth = incremental_truth(counts, np.array([0.5, 0.0]), -1.0, 0.0, ["a", "b"])
    assert truth.set_index("channel")["share"].to_dict() == {"a": 1.0, "b": 0.0}
