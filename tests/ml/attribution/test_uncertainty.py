import pandas as pd
import pytest

from ml.attribution import AttributionConfig
from ml.attribution.uncertainty import bootstrap_channel_intervals


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
