import numpy as np
import pytest

from ml.attribution.markov import markov_attribution
from ml.attribution.paths import PathTable


def table(rows: list[tuple[str, float, float]]) -> PathTable:
    """Build a path table from (path text, conversions, nulls) rows."""
    return PathTable(
        paths=tuple(tuple(step.strip() for step in text.split(">")) for text, _, _ in rows),
        conversions=np.array([row[1] for row in rows], dtype=float),
        values=np.array([row[1] * 10.0 for row in rows], dtype=float),
        nulls=np.array([row[2] for row in rows], dtype=float),
    )


def test_markov_order1_removal_effects_by_hand():
    # start->a 2/3, start->b 1/3, a->b 1/2, a->null 1/2, b->conversion 1.
    # P(conv) = 2/3 * 1/2 + 1/3 = 2/3; without a: 1/3; without b: 0.
    result = markov_attribution(table([("a > b", 1, 0), ("a", 0, 1), ("b", 1, 0)]), order=1)
    assert result.conversion_probability == pytest.approx(2 / 3)
    assert result.removal_effects == pytest.approx({"a": 0.5, "b": 1.0})
    assert result.credited_conversions == pytest.approx({"a": 2 / 3, "b": 4 / 3})


def test_markov_order1_three_channels_by_hand():
    # start->a 1/2, start->c 1/2; a->b 1 ; b->conv 1/2, b->null 1/2; c->conv 1/2, c->null 1/2.
    # P = 1/2 * 1/2 + 1/2 * 1/2 = 1/2; without a or b: 1/4; without c: 1/4.
    result = markov_attribution(
        table([("a > b", 1, 1), ("c", 1, 1)]),
        order=1,
    )
    assert result.conversion_probability == pytest.approx(0.5)
    assert result.removal_effects == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.5})
    assert result.credited_conversions == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 2 / 3})


def test_markov_order1_ignores_repeated_channel():
    plain = markov_attribution(table([("a > b", 1, 0), ("a", 0, 1), ("b", 1, 0)]), order=1)
    repeated = markov_attribution(
        table([("a > a > b", 1, 0), ("a > a", 0, 1), ("b > b > b", 1, 0)]), order=1
    )
    assert repeated.removal_effects == pytest.approx(plain.removal_effects)


def test_markov_value_removal_effects_by_hand():
    paths = table([("a", 1, 0), ("b", 1, 0)])
    paths = PathTable(paths.paths, paths.conversions, np.array([30.0, 10.0]), paths.nulls)
    result = markov_attribution(paths, order=1)
    # Each removal halves the conversions but removes 3/4 or 1/4 of the expected value.
    assert result.removal_effects == pytest.approx({"a": 0.5, "b": 0.5})
    assert result.value_removal_effects == pytest.approx({"a": 0.75, "b": 0.25})
    assert result.credited_values == pytest.approx({"a": 30.0, "b": 10.0})


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_credits_sum_to_conversions(order):
    paths = table(
        [("a > b > c > a", 3, 5), ("b > b > c", 2, 1), ("c", 1, 4), ("a > c", 0, 2), ("b", 2, 2)]
    )
    result = markov_attribution(paths, order=order)
    assert sum(result.credited_conversions.values()) == pytest.approx(8.0)
    assert sum(result.credited_values.values()) == pytest.approx(80.0)
    assert all(0.0 <= effect <= 1.0 for effect in result.removal_effects.values())


def test_markov_no_conversion_credits_nothing():
    result = markov_attribution(table([("a > b", 0, 3)]), order=1)
    assert result.credited_conversions == {"a": 0.0, "b": 0.0}
