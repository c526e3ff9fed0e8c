import logging

import numpy as np
import pandas as pd
import pytest

from ml.attribution import AttributionConfig, attribute
from ml.attribution.comparison import compare_experiments
from ml.attribution.timing import TimingConfig
from ml.errors import ConfigurationError

START = pd.Timestamp("2025-01-06", tz="UTC")
WEEKS = 78
WINDOW_WEEK = 26
WINDOW_WEEKS = 26
DECAY = 0.7
CHAT_EFFECT = 1.2
ACCOUNTS = 2000
CHANNELS = {"EXP1": ("community_chat",)}
# Planted shapes and the default 200 draws: the fit takes well under a second.
TIMING = TimingConfig(select_shapes=False, default_decay=DECAY)
LINEAR = AttributionConfig(models=("linear",))


def _exposure(counts: np.ndarray) -> np.ndarray:
    decayed = np.zeros(counts.shape)
    for week in range(1, counts.shape[1]):
        decayed[:, week] = DECAY * decayed[:, week - 1] + counts[:, week - 1]
    return 1 - np.exp(-decayed)


def _first_week(opens: np.ndarray) -> np.ndarray:
    return np.where(opens.any(axis=1), opens.argmax(axis=1), -1)


def _in_window(week: np.ndarray) -> np.ndarray:
    return (week >= WINDOW_WEEK) & (week < WINDOW_WEEK + WINDOW_WEEKS)


def experiment_world(
    seed: int, chat_effect: float = CHAT_EFFECT
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """Return touches, conversions, units and the true incremental outcomes of an experiment.

    Every account has chat and web touches in random weeks and opens at most one
    opportunity. Intent, constant per account, raises its weekly log-odds. Chat exposure
    (decay 0.7) raises them by up to `chat_effect`, web touches do nothing. Half the
    accounts, drawn at random, get extra chat touches during the 26-week window that starts
    at their assignment in week 26. The same uniform draws decide each week with and
    without those extra touches, so the treated accounts whose outcome the program changed
    are known exactly.
    """
    rng = np.random.default_rng(seed)
    intent = rng.normal(0, 0.7, ACCOUNTS)
    treated = rng.random(ACCOUNTS) < 0.5
    chat = rng.poisson(0.15, (ACCOUNTS, WEEKS))
    web = rng.poisson(0.3, (ACCOUNTS, WEEKS))
    extra = rng.poisson(0.5, (ACCOUNTS, WEEKS)) * (treated[:, None] & _in_window(np.arange(WEEKS)))
    uniform = rng.random((ACCOUNTS, WEEKS))
    base = -4.5 + intent[:, None]
    opens = uniform < 1 / (1 + np.exp(-(base + chat_effect * _exposure(chat + extra))))
    opens_without = uniform < 1 / (1 + np.exp(-(base + chat_effect * _exposure(chat))))
    first, first_without = _first_week(opens), _first_week(opens_without)
    gained = treated & _in_window(first) & ~_in_window(first_without)
    lost = treated & ~_in_window(first) & _in_window(first_without)

    rows = []
    for channel, counts in (("community_chat", chat + extra), ("web", web)):
        account, week = np.nonzero(counts)
        repeat = counts[account, week]
        account, week = np.repeat(account, repeat), np.repeat(week, repeat)
        rows.append(
            pd.DataFrame(
                {
                    "journey_id": [f"a{index}" for index in account],
                    "touched_at": START + pd.to_timedelta(week * 7 + 2, "D"),
                    "channel": channel,
                    "program": None,
                    "person_id": None,
                }
            )
        )
    touches = pd.concat(rows, ignore_index=True)
    touches.insert(0, "touch_id", [f"t{index}" for index in range(len(touches))])
    opened = np.flatnonzero(first >= 0)
    conversions = pd.DataFrame(
        {
            "conversion_id": [f"o{index}" for index in opened],
            "journey_id": [f"a{index}" for index in opened],
            "opportunity_id": [f"d{index}" for index in opened],
            "conversion_type": "opportunity_created",
            "converted_at": START + pd.to_timedelta(first[opened] * 7 + 3, "D"),
            "revenue": 0.0,
        }
    )
    units = pd.DataFrame(
        {
            "experiment_id": "EXP1",
            "experiment_name": "Facilitated threads",
            "unit_id": [str(index) for index in range(ACCOUNTS)],
            "journey_id": [f"a{index}" for index in range(ACCOUNTS)],
            "group": np.where(treated, "treatment", "control"),
            "assigned_at": START + pd.Timedelta(weeks=WINDOW_WEEK),
        }
    )
    return touches, conversions, units, int(gained.sum() - lost.sum())


def _compare(touches: pd.DataFrame, conversions: pd.DataFrame, units: pd.DataFrame):
    credits = attribute(touches, conversions, LINEAR)
    return compare_experiments(
        units, conversions, credits, CHANNELS, touches=touches, timing=TIMING
    ).set_index("model")


@pytest.fixture(scope="module")
def effective_world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    return experiment_world(seed=0)


def test_timing_row_finds_planted_effect(effective_world):
    touches, conversions, units, truth = effective_world
    table = _compare(touches, conversions, units)
    timing = table.loc["timing"]
    scale = timing["n_treatment"] / timing["n_control"]

    assert list(table.index) == ["linear", "timing"]
    assert truth == 81
    assert timing["measured_incremental"] == table.loc["linear", "measured_incremental"]
    assert timing["credited_treatment"] > timing["credited_control"] > 0
    assert timing["credited_difference"] == pytest.approx(
        timing["credited_treatment"] - scale * timing["credited_control"]
    )
    assert timing["credited_difference"] == pytest.approx(truth, rel=0.2)
    assert timing["measured_incremental_lower"] < timing["credited_difference"]
    assert timing["credited_difference"] < timing["measured_incremental_upper"]
    assert timing["credited_difference_lower"] < timing["credited_difference"]
    assert timing["credited_difference"] < timing["credited_difference_upper"]
    assert np.isnan(table.loc["linear", "credited_difference_lower"])


def test_timing_row_near_zero_without_effect():
    # The treated arm still gets the extra chat touches, but chat does nothing: the extra
    # touches sit on the treated arm's converting paths without causing them.
    touches, conversions, units, truth = experiment_world(seed=0, chat_effect=0.0)
    timing = _compare(touches, conversions, units).loc["timing"]

    assert truth == 0
    assert timing["measured_incremental_lower"] < 0 < timing["measured_incremental_upper"]
    assert abs(timing["credited_difference"]) < 5
    assert timing["credited_difference_lower"] <= timing["credited_difference"]


def test_timing_row_without_draws_has_no_interval(effective_world):
    touches, conversions, units, _ = effective_world
    credits = attribute(touches, conversions, LINEAR)
    without_draws = TimingConfig(select_shapes=False, default_decay=DECAY, interval_draws=0)
    table = compare_experiments(
        units, conversions, credits, CHANNELS, touches=touches, timing=without_draws
    ).set_index("model")
    with_draws = _compare(touches, conversions, units)

    assert np.isnan(table.loc["timing", "credited_difference_lower"])
    assert np.isnan(table.loc["timing", "credited_difference_upper"])
    assert table.loc["timing", "credited_difference"] == pytest.approx(
        with_draws.loc["timing", "credited_difference"]
    )


def test_timing_row_of_experiment_without_outcomes(effective_world):
    touches, conversions, units, _ = effective_world
    # A second experiment assigned after every opportunity has no outcome in its window.
    late = units.assign(experiment_id="EXP2", assigned_at=START + pd.Timedelta(weeks=WEEKS))
    both = pd.concat([units, late], ignore_index=True)
    credits = attribute(touches, conversions, LINEAR)
    table = compare_experiments(
        both,
        conversions,
        credits,
        {**CHANNELS, "EXP2": ("community_chat",)},
        touches=touches,
        timing=TIMING,
    )
    late_timing = table[(table["experiment_id"] == "EXP2") & (table["model"] == "timing")]

    assert list(table["experiment_id"]) == ["EXP1", "EXP1", "EXP2", "EXP2"]
    assert len(late_timing) == 1
    row = late_timing.iloc[0]
    for column in (
        "credited_treatment",
        "credited_control",
        "credited_difference",
        "credited_difference_lower",
        "credited_difference_upper",
    ):
        assert row[column] == 0.0, column


def test_timing_absent_without_touches_warns(effective_world, caplog):
    touches, conversions, units, _ = effective_world
    credits = attribute(touches, conversions, LINEAR)
    no_touches = touches.iloc[0:0]

    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        table = compare_experiments(
            units, conversions, credits, CHANNELS, touches=no_touches, timing=TIMING
        )

    assert list(table["model"]) == ["linear"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "experiment comparison: timing model rows are absent for 1 case(s)" in warnings[0]
    assert "EXP1: no touch within a year before an opportunity_created" in warnings[0]


def test_timing_absent_on_bad_touch_warns(effective_world, caplog):
    touches, conversions, units, _ = effective_world
    credits = attribute(touches, conversions, LINEAR)
    bad = touches.copy()
    bad.loc[3, "channel"] = " "

    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        table = compare_experiments(
            units, conversions, credits, CHANNELS, touches=bad, timing=TIMING
        )

    assert list(table["model"]) == ["linear"]
    assert "raised AttributionInputError: touches, row 3, field 'channel'" in caplog.text


def test_timing_without_touches_is_rejected(effective_world):
    touches, conversions, units, _ = effective_world
    credits = attribute(touches, conversions, LINEAR)
    with pytest.raises(ConfigurationError, match="timing is set but touches is None"):
        compare_experiments(units, conversions, credits, CHANNELS, timing=TIMING)
