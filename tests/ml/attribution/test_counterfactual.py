import numpy as np
import pytest

from ml.attribution.counterfactual import counterfactual_attribution
from ml.attribution.paths import PathTable


def test_counterfactual_volume_channel_earns_little():
    # `direct` is on half of the journeys and leaves the rate as it is (10% or 20%);
    # `webinar` raises it from 10% to 20% on 2,000 journeys.
    paths = PathTable(
        paths=(("organic",), ("organic", "direct"), ("organic", "webinar"), ("direct", "webinar")),
        conversions=np.array([100.0, 100.0, 200.0, 200.0]),
        values=np.zeros(4),
        nulls=np.array([900.0, 900.0, 800.0, 800.0]),
    )
    result = counterfactual_attribution(paths, regularization=1e6)
    assert result.incremental_conversions["webinar"] == pytest.approx(200.0, rel=0.01)
    assert abs(result.incremental_conversions["direct"]) < 1.0
    assert result.credited_conversions["direct"] < 1.0


def test_counterfactual_without_nulls_falls_back_to_volume():
    paths = PathTable(
        paths=(("a",), ("a", "b")),
        conversions=np.array([1.0, 1.0]),
        values=np.zeros(2),
        nulls=np.zeros(2),
    )
    result = counterfactual_attribution(paths)
    assert result.credited_conversions == pytest.approx({"a": 4 / 3, "b": 2 / 3})
