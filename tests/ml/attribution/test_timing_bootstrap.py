import logging

import numpy as np
import pandas as pd
import pytest

from ml.attribution.timing import TimingConfig, _fit_deals, _timing_inputs, _TimingInputs
from ml.attribution.timing_bootstrap import (
    TIMING_INTERVAL_COLUMNS,
    TimingBootstrapConfig,
    _account_copies,
    _refit,
    bootstrap_timing_intervals,
)
from ml.attribution.timing_touches import timing_credit_tables
from ml.errors import ConfigurationError

# Fixed decays keep each refit fast; one test runs the default selection.
FIXED = TimingConfig(select_shapes=False)


@pytest.fixture(scope="module")
def intervals(world_with_ids) -> pd.DataFrame:
    touches, conversions = world_with_ids
    return bootstrap_timing_intervals(
        touches, conversions, FIXED, TimingBootstrapConfig(samples=60, seed=4)
    )


def test_account_copies_name_each_draw():
    accounts = pd.Index(["a", "b", "c"])

    copies = _account_copies(accounts, np.array([2, 0, 1]))

    assert copies["journey_id"].tolist() == ["a", "a", "c"]
    assert copies["copy_id"].tolist() == ["a\x1f0", "a\x1f1", "c\x1f0"]


@pytest.fixture(scope="module")
def inputs_and_accounts(world_with_ids) -> tuple[_TimingInputs, pd.Index]:
    touches, conversions = world_with_ids
    inputs = _timing_inputs(touches, conversions, None)
    assert inputs is not None
    accounts = set(inputs.touches["journey_id"]) | set(inputs.events["journey_id"])
    return inputs, pd.Index(sorted(accounts))


def test_resample_of_every_account_once_equals_full_fit(inputs_and_accounts):
    inputs, accounts = inputs_and_accounts
    full, _ = _fit_deals(
        inputs.touches, inputs.events, inputs.credited, inputs.start, inputs.end, FIXED
    )

    once = _refit(inputs, _account_copies(accounts, np.ones(len(accounts), dtype=int)), FIXED)

    for channel, value in full.credited_values.items():
        assert once.credited_values[channel] == pytest.approx(value, rel=1e-9)


def test_resample_of_an_account_twice_doubles_its_deals(inputs_and_accounts):
    inputs, accounts = inputs_and_accounts

    twice = _refit(inputs, _account_copies(accounts, np.full(len(accounts), 2)), FIXED)

    assert twice.credited_events == 2 * len(inputs.credited)
    assert twice.events == 2 * len(inputs.events)


def test_bootstrap_rows_per_channel(intervals):
    assert list(intervals.columns) == TIMING_INTERVAL_COLUMNS
    assert sorted(intervals["channel"]) == ["chat", "event"]
    assert (intervals["resamples"] == 60).all()
    assert (intervals["conversion_type"] == "closed_won").all()


def test_bootstrap_bounds_are_ordered(intervals):
    assert (intervals["revenue_credit_lower"] <= intervals["revenue_credit_upper"]).all()
    assert (intervals["share_lower"] <= intervals["share_upper"]).all()
    assert (intervals["share_lower"] >= 0).all()
    assert (intervals["share_upper"] <= 1).all()


def test_bootstrap_separates_effect_from_none(intervals):
    # `event` raises the hazard and `chat` does not, although intent makes chat common at
    # the accounts that buy.
    by_channel = intervals.set_index("channel")

    assert by_channel.loc["event", "share_lower"] > by_channel.loc["chat", "share_upper"]
    assert by_channel.loc["event", "revenue_credit_lower"] > 0


def test_bootstrap_brackets_full_fit(world_with_ids, intervals):
    touches, conversions = world_with_ids
    channels, _ = timing_credit_tables(touches, conversions, FIXED)
    merged = channels.merge(intervals, on="channel")

    assert (merged["revenue_credit_lower"] <= merged["revenue_credit"] * 1.001).all()
    assert (merged["revenue_credit"] <= merged["revenue_credit_upper"] * 1.001).all()


def test_bootstrap_repeats_with_seed(world_with_ids, intervals):
    touches, conversions = world_with_ids
    again = bootstrap_timing_intervals(
        touches, conversions, FIXED, TimingBootstrapConfig(samples=60, seed=4)
    )
    other = bootstrap_timing_intervals(
        touches, conversions, FIXED, TimingBootstrapConfig(samples=60, seed=5)
    )

    pd.testing.assert_frame_equal(again, intervals)
    assert not np.allclose(other["share_upper"], intervals["share_upper"])


def test_bootstrap_with_decay_selection_is_wider(world_with_ids, intervals):
    touches, conversions = world_with_ids
    selected = bootstrap_timing_intervals(
        touches, conversions, TimingConfig(), TimingBootstrapConfig(samples=60, seed=4)
    )
    width = (intervals["share_upper"] - intervals["share_lower"]).sum()
    selected_width = (selected["share_upper"] - selected["share_lower"]).sum()

    assert (selected["resamples"] == 60).all()
    assert selected_width > width


def test_bootstrap_without_samples_is_empty(world_with_ids):
    touches, conversions = world_with_ids

    result = bootstrap_timing_intervals(
        touches, conversions, FIXED, TimingBootstrapConfig(samples=0)
    )

    assert result.empty
    assert list(result.columns) == TIMING_INTERVAL_COLUMNS


def one_buyer_world() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two accounts touched weekly, of which only `buyer` opens opportunities."""
    weeks = pd.to_timedelta(np.arange(30) * 7, "D")
    start = pd.Timestamp("2025-01-06", tz="UTC")
    touches = pd.concat(
        [
            pd.DataFrame({"journey_id": account, "touched_at": start + weeks, "channel": "chat"})
            for account in ("buyer", "quiet")
        ],
        ignore_index=True,
    )
    opened = start + pd.to_timedelta([50, 120, 190], "D")
    conversions = pd.DataFrame(
        {
            "journey_id": "buyer",
            "opportunity_id": ["o1", "o2", "o3", "o1"],
            "conversion_type": ["opportunity_created"] * 3 + ["closed_won"],
            "converted_at": [*opened, opened[0] + pd.Timedelta(days=30)],
            "revenue": [0.0, 0.0, 0.0, 500.0],
        }
    )
    return touches, conversions


def test_bootstrap_counts_resamples_that_fail(caplog):
    # Only account `buyer` opens opportunities, so a resample that misses it has none to fit.
    touches, conversions = one_buyer_world()

    with caplog.at_level(logging.WARNING, logger="ml.attribution.timing_bootstrap"):
        result = bootstrap_timing_intervals(
            touches, conversions, FIXED, TimingBootstrapConfig(samples=40, seed=1)
        )

    assert len(result) == 1
    assert 0 < result["resamples"].iloc[0] < 40
    assert "could not be fitted" in caplog.text
    assert "no opportunity" in caplog.text


@pytest.mark.parametrize(
    ("field", "value"), [("samples", -1), ("confidence", 1.0), ("seed", -2), ("samples", 1.5)]
)
def test_bootstrap_config_rejects_bad_values(field, value):
    with pytest.raises(ConfigurationError, match=field):
        TimingBootstrapConfig(**{field: value})


def test_bootstrap_logs_time_estimate_after_first_resample(caplog):
    # With a huge sample count the first progress line (at 10%) can be hours away.
    touches, conversions = one_buyer_world()

    with caplog.at_level(logging.INFO, logger="ml.attribution.timing_bootstrap"):
        bootstrap_timing_intervals(
            touches, conversions, FIXED, TimingBootstrapConfig(samples=50, seed=1)
        )

    estimates = [r.getMessage() for r in caplog.records if "first resample took" in r.getMessage()]
    assert len(estimates) == 1
    assert "all 50 will take about" in estimates[0]
