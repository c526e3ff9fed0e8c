import numpy as np
import pandas as pd
import pytest

from ml.attribution.split import split_channel_credit


def two_conversions() -> pd.DataFrame:
    return pd.DataFrame(
        {"conversion_id": ["c1", "c1", "c1", "c3"], "channel": ["a", "b", "a", "b"]}
    )


def test_split_raked_matches_channel_totals():
    touches = two_conversions()
    weights = pd.Series(1.0, index=["c1", "c3"])
    shares = split_channel_credit(touches, "conversion_id", weights, {"a": 2 / 3, "b": 4 / 3})
    # c3 can only credit b, so c1 gives a all of a's 2/3, split over its two a touches.
    assert shares == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1.0])


def test_split_unraked_uses_global_weights():
    touches = two_conversions()
    weights = pd.Series(1.0, index=["c1", "c3"])
    shares = split_channel_credit(
        touches, "conversion_id", weights, {"a": 2 / 3, "b": 4 / 3}, rake=False
    )
    assert shares == pytest.approx([1 / 6, 2 / 3, 1 / 6, 1.0])


def test_split_zero_credit_conversion_split_equally():
    touches = pd.DataFrame({"conversion_id": ["c1", "c1"], "channel": ["x", "y"]})
    shares = split_channel_credit(
        touches, "conversion_id", pd.Series(1.0, index=["c1"]), {"x": 0.0, "y": 0.0}
    )
    assert np.allclose(shares, [0.5, 0.5])
