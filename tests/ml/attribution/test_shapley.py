import numpy as np
import pytest

from ml.attribution.paths import PathTable
from ml.attribution.shapley import shapley_attribution


def two_channel_table() -> PathTable:
    # Conversion rates: {a} 1/2, {b} 1/4, {a, b} 3/4.
    return PathTable(
        paths=(("a",), ("b",), ("a", "b"), ("b", "a", "a")),
        conversions=np.array([1.0, 1.0, 2.0, 1.0]),
        values=np.array([10.0, 10.0, 20.0, 10.0]),
        nulls=np.array([1.0, 3.0, 1.0, 0.0]),
    )


def test_shapley_two_channels_exact_by_hand():
    # v(a) = 1/2, v(b) = 1/4, v(ab) = 1/2 + 1/4 + 3/4 = 3/2.
    # phi_a = (1/2 + (3/2 - 1/4)) / 2 = 7/8; phi_b = (1/4 + (3/2 - 1/2)) / 2 = 5/8.
    result = shapley_attribution(two_channel_table())
    assert result.exact
    assert result.values == pytest.approx({"a": 7 / 8, "b": 5 / 8})
    assert result.credited_conversions == pytest.approx({"a": 5 * 7 / 12, "b": 5 * 5 / 12})
    assert result.credited_values == pytest.approx({"a": 50 * 7 / 12, "b": 50 * 5 / 12})


def test_shapley_sampled_within_error_bound():
    rng = np.random.default_rng(3)
    channels = [f"c{i}" for i in range(8)]
    paths = tuple(tuple(rng.choice(channels, size=int(rng.integers(1, 5)))) for _ in range(300))
    paths_table = PathTable(
        paths=paths,
        conversions=rng.integers(0, 3, size=300).astype(float),
        values=np.zeros(300),
        nulls=rng.integers(0, 5, size=300).astype(float),
    ).aggregate()
    exact = shapley_attribution(paths_table, max_exact_channels=8)
    sampled = shapley_attribution(paths_table, max_exact_channels=4, samples=400, seed=1)
    assert not sampled.exact
    for channel in channels:
        error = abs(sampled.values[channel] - exact.values[channel])
        assert error <= sampled.error_bound[channel], channel
        assert sampled.error_bound[channel] > 0
