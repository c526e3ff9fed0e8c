import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ml.attribution.counterfactual import counterfactual_attribution
from ml.attribution.journeys import AttributionInputError
from ml.attribution.paths import PathTable
from ml.attribution.timing import (
    TIMING_CREDIT_COLUMNS,
    TimingConfig,
    _block_strata,
    _credit,
    _CreditedDeals,
    decayed_counts,
    timing_attribution,
    timing_credit_table,
    weekly_counts,
)
from ml.errors import ConfigurationError

START = pd.Timestamp("2025-01-06", tz="UTC")
WEEKS = 104
DECAY = 0.7
SATURATION = 1.0
EVENT_EFFECT = 1.2


def confounded_world(accounts: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly touches and opportunities where intent drives both.

    `chat` is frequent and has no effect; `event` is rare and raises the weekly log-odds of
    an opportunity by EVENT_EFFECT at saturated exposure. Intent raises every touch rate,
    the chance of joining the chat and the opportunity rate, so chat is far more common at
    accounts that buy. Each account
    opens at most one opportunity, then leaves the risk set.
    """
    rng = np.random.default_rng(seed)
    intent = rng.normal(size=accounts)
    in_chat = rng.random(accounts) < 1 / (1 + np.exp(-1.5 * intent))
    chat = rng.poisson(0.3 * np.exp(0.7 * intent)[:, None], (accounts, WEEKS)) * in_chat[:, None]
    event = rng.poisson(0.05 * np.exp(0.7 * intent)[:, None], (accounts, WEEKS))
    decayed = np.zeros((accounts, WEEKS))
    for week in range(1, WEEKS):
        decayed[:, week] = DECAY * decayed[:, week - 1] + event[:, week - 1]
    log_odds = -6.0 + 1.0 * intent[:, None] + EVENT_EFFECT * (1 - np.exp(-decayed / SATURATION))
    opens = rng.random((accounts, WEEKS)) < 1 / (1 + np.exp(-log_odds))
    first = np.where(opens.any(axis=1), opens.argmax(axis=1), -1)
    rows = []
    for channel, counts in (("chat", chat), ("event", event)):
        account, week = np.nonzero(counts)
        repeat = counts[account, week]
        rows.append(
            pd.DataFrame(
                {
                    "journey_id": np.repeat(account, repeat).astype(str),
                    "touched_at": START + pd.to_timedelta(np.repeat(week, repeat) * 7 + 2, "D"),
                    "channel": channel,
                }
            )
        )
    opened = np.flatnonzero(first >= 0)
    events = pd.DataFrame(
        {
            "journey_id": opened.astype(str),
            "event_at": START + pd.to_timedelta(first[opened] * 7 + 1, "D"),
            "value": 1000.0,
        }
    )
    return pd.concat(rows, ignore_index=True), events


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    return confounded_world(accounts=4000, seed=5)


def test_timing_model_separates_effect_from_intent(world):
    touches, events = world
    config = TimingConfig(select_shapes=False, default_decay=DECAY, default_saturation=SATURATION)
    end = START + pd.Timedelta(weeks=WEEKS)
    result = timing_attribution(touches, events, events, START, end, config)
    beta, error = result.coefficients, result.standard_errors
    assert abs(beta["event"] - EVENT_EFFECT) < 3 * error["event"]
    assert abs(beta["chat"]) < 3 * error["chat"]
    # The point estimate for chat is noise of one standard error, but it still earns a
    # share, since nearly every week of a chat member has chat exposure.
    assert result.shares()["event"] > 0.7
    assert result.events == len(events)
    # Net credit never exceeds gross: some opportunities would have opened later anyway.
    for channel in ("chat", "event"):
        assert result.credited_conversions[channel] <= result.gross_conversions[channel]


def test_shrinkage_credits_only_channels_with_evidence(world):
    touches, events = world
    config = TimingConfig(
        select_shapes=False, default_decay=DECAY, default_saturation=SATURATION, shrinkage=1.0
    )
    end = START + pd.Timedelta(weeks=WEEKS)
    result = timing_attribution(touches, events, events, START, end, config)
    assert result.shares()["chat"] == 0.0
    assert result.credited_values["event"] == pytest.approx(
        1000.0 * result.credited_conversions["event"]
    )


def test_close_time_limits_net_credit(world):
    touches, events = world
    config = TimingConfig(select_shapes=False, default_decay=DECAY, default_saturation=SATURATION)
    end = START + pd.Timedelta(weeks=WEEKS)
    plain = timing_attribution(touches, events, events, START, end, config)
    # A deal that closes at the window's end leaves no week in which a later deal with the
    # same sales cycle could open and still close inside: net credit equals gross.
    at_end = timing_attribution(touches, events, events.assign(closed_at=end), START, end, config)
    # A deal that closes the day it opens sets no limit, and neither does a missing close.
    same_day = events.assign(closed_at=events["event_at"])
    unknown = events.assign(closed_at=pd.NaT)
    assert plain.credited_conversions["event"] < 0.95 * plain.gross_conversions["event"]
    assert at_end.credited_conversions == pytest.approx(at_end.gross_conversions)
    for credited in (same_day, unknown):
        result = timing_attribution(touches, events, credited, START, end, config)
        assert result.credited_conversions == pytest.approx(plain.credited_conversions)


def test_outcome_window_end_limits_net_credit(world):
    touches, events = world
    config = TimingConfig(select_shapes=False, default_decay=DECAY, default_saturation=SATURATION)
    end = START + pd.Timedelta(weeks=WEEKS)
    plain = timing_attribution(touches, events, events, START, end, config)
    # A window that ends when the opportunity opens leaves no later week to replace it, so
    # net credit equals gross. A half-year window leaves fewer such weeks than the data.
    at_event = events.assign(outcome_window_end=events["event_at"])
    half_year = events.assign(outcome_window_end=events["event_at"] + pd.Timedelta(weeks=26))
    unknown = events.assign(outcome_window_end=pd.NaT)
    # A deal that closes at the data's end leaves no week for a later deal to close in, so
    # with both limits the close time still removes every later week.
    closed = half_year.assign(closed_at=end)

    at_event_result = timing_attribution(touches, events, at_event, START, end, config)
    half_year_result = timing_attribution(touches, events, half_year, START, end, config)
    unknown_result = timing_attribution(touches, events, unknown, START, end, config)
    both_result = timing_attribution(touches, events, closed, START, end, config)

    assert at_event_result.credited_conversions == pytest.approx(plain.gross_conversions)
    assert (
        plain.credited_conversions["event"]
        < half_year_result.credited_conversions["event"]
        < at_event_result.credited_conversions["event"]
    )
    assert unknown_result.credited_conversions == pytest.approx(plain.credited_conversions)
    assert both_result.credited_conversions == pytest.approx(plain.gross_conversions)


@pytest.mark.parametrize(
    ("window_end", "expected"),
    [("not a date", "a time stamp"), ("2020-01-01", "on or after the opportunity's event_at")],
)
def test_bad_outcome_window_end_names_row_and_field(world, window_end, expected):
    touches, events = world
    credited = events.head(3).assign(outcome_window_end=None)
    credited.loc[2, "outcome_window_end"] = window_end
    end = START + pd.Timedelta(weeks=WEEKS)
    with pytest.raises(
        AttributionInputError,
        match=f"credited, row 2, field 'outcome_window_end'.*{expected}",
    ):
        timing_attribution(touches, events, credited, START, end, FIXED)


def test_net_credit_averages_over_the_level_posterior():
    # One deal opened in week 0 of 3, one channel at exposure 1 with coefficient log 2: the
    # channel caused half of it. Without the channel the relative hazard of each later week
    # is 1, so the later weeks sum to 2. With a gamma(2, 4) level the chance of no later
    # opportunity is (4 / (4 + 2))^2 = 4/9, not exp(-(2 / 4) x 2) from the mean level.
    deals = _CreditedDeals(
        exposure=np.ones((1, 1, 3)),
        week=np.array([0]),
        level_shape=np.array([2.0]),
        level_rate=np.array([4.0]),
        later=np.array([[False, True, True]]),
        months=np.zeros((3, 0)),
    )
    beta = np.array([np.log(2.0)])

    gross, net = _credit(deals, beta, beta)

    assert gross[0, 0] == pytest.approx(0.5)
    assert net[0, 0] == pytest.approx(0.5 * 4 / 9)


@pytest.mark.parametrize(
    ("closed_at", "expected"),
    [("not a date", "a time stamp"), ("2020-01-01", "on or after the opportunity's event_at")],
)
def test_bad_close_time_names_row_and_field(world, closed_at, expected):
    touches, events = world
    credited = events.head(3).assign(closed_at=None)
    credited.loc[1, "closed_at"] = closed_at
    end = START + pd.Timedelta(weeks=WEEKS)
    with pytest.raises(
        AttributionInputError, match=f"credited, row 1, field 'closed_at'.*{expected}"
    ):
        timing_attribution(touches, events, credited, START, end, FIXED)


def test_credit_intervals_hold_the_point_estimate(world):
    touches, events = world
    config = TimingConfig(select_shapes=False, default_decay=DECAY, default_saturation=SATURATION)
    end = START + pd.Timedelta(weeks=WEEKS)
    result = timing_attribution(touches, events, events, START, end, config)
    without = timing_attribution(
        touches, events, events, START, end, replace(config, interval_draws=0)
    )
    low, high = result.share_intervals["event"]
    assert low < result.shares()["event"] < high
    assert high - low > 0.01
    credit_low, credit_high = result.credited_intervals["event"]
    assert credit_low < result.credited_conversions["event"] < credit_high
    value_low, value_high = result.value_intervals["event"]
    assert value_low < result.credited_values["event"] < value_high
    assert 0 < result.deals_with_credit["event"] <= result.credited_events
    # Chat's coefficient is noise around 0, and a negative draw credits nothing.
    assert result.share_intervals["chat"][0] == 0.0
    # The draws leave the point estimates alone, and without draws there is no interval.
    assert without.credited_conversions == result.credited_conversions
    assert np.isnan(without.share_intervals["event"]).all()


def test_credit_intervals_narrow_with_more_accounts():
    config = TimingConfig(select_shapes=False, default_decay=DECAY, default_saturation=SATURATION)
    end = START + pd.Timedelta(weeks=WEEKS)
    widths = []
    for accounts in (2000, 16000):
        touches, events = confounded_world(accounts=accounts, seed=8)
        result = timing_attribution(touches, events, events, START, end, config)
        low, high = result.credited_intervals["event"]
        widths.append((high - low) / result.credited_conversions["event"])
    # Eight times the accounts should shrink the relative width by about sqrt(8), 2.8.
    assert widths[0] > 2 * widths[1]


def test_timing_few_opportunities_finite(world):
    touches, events = world
    few = events.head(5)
    kept_touches = touches[touches["journey_id"].isin(set(few["journey_id"]) | {"0", "1", "2"})]
    end = START + pd.Timedelta(weeks=WEEKS)
    result = timing_attribution(kept_touches, few, few, START, end)
    assert np.isfinite(list(result.coefficients.values())).all()
    assert result.shares().sum() == pytest.approx(1.0)


def test_unpenalised_separation_warns_without_overflow(world, caplog):
    touches, events = world
    few = events.head(5)
    kept_touches = touches[touches["journey_id"].isin(set(few["journey_id"]) | {"0", "1", "2"})]
    end = START + pd.Timedelta(weeks=WEEKS)

    # Five opportunities without a penalty let one coefficient run off. The credit step must
    # stay free of numpy overflow, and the log must name the channel.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = timing_attribution(kept_touches, few, few, START, end, TimingConfig(penalty=0))

    separated = [c for c, beta in result.coefficients.items() if abs(beta) > 10]
    assert separated
    assert all(f"channel {c!r} has coefficient" in caplog.text for c in separated)
    assert np.isfinite(list(result.credited_conversions.values())).all()
    assert result.shares().sum() == pytest.approx(1.0)


def test_journey_comparison_credits_chat_in_the_same_world(world):
    # The journey-level counterfactual model finds chat more often at the accounts that buy
    # and credits it. The timing model removes this bias.
    touches, events = world
    journeys = touches.groupby("journey_id")["channel"].agg(lambda c: tuple(sorted(set(c))))
    converted = journeys.index.isin(events["journey_id"])
    table = (
        pd.DataFrame({"path": journeys.to_numpy(), "converted": converted})
        .groupby("path")["converted"]
        .agg(["sum", "size"])
    )
    paths = PathTable(
        paths=tuple(table.index),
        conversions=table["sum"].to_numpy(dtype=float),
        values=np.zeros(len(table)),
        nulls=(table["size"] - table["sum"]).to_numpy(dtype=float),
    )
    result = counterfactual_attribution(paths)
    credit = pd.Series(result.credited_conversions)
    assert credit["chat"] / credit.sum() > 0.3


def test_shape_selection_finds_planted_decay(world):
    touches, events = world
    config = TimingConfig(decays=(0.3, 0.7, 0.95), saturations=(1.0,), default_decay=0.3)
    end = START + pd.Timedelta(weeks=WEEKS)
    result = timing_attribution(touches, events, events, START, end, config)
    assert result.shapes["event"] == (0.7, 1.0)


def test_weekly_counts_and_decay_use_earlier_weeks_only():
    touches = pd.DataFrame(
        {
            "journey_id": ["a", "a", "a", "b", "a"],
            "touched_at": pd.to_datetime(
                [
                    "2025-01-06 00:00",
                    "2025-01-12 23:00",
                    "2025-01-14 00:00",
                    "2025-01-20 00:00",
                    "2024-12-30 00:00",
                ],
                utc=True,
            ),
            "channel": ["x", "x", "x", "y", "x"],
        }
    )
    counts = weekly_counts(touches, pd.Index(["a", "b"]), ["x", "y"], START, 3)
    # The touch before START is left out; the first two fall in week 0.
    assert counts[0, 0].tolist() == [2.0, 1.0, 0.0]
    assert counts[1, 1].tolist() == [0.0, 0.0, 1.0]
    decayed = decayed_counts(counts, 0.5)
    assert decayed[0, 0].tolist() == [0.0, 2.0, 2.0]


def test_blocks_count_from_window_start():
    strata = _block_strata(np.array([0, 1]), np.array([3, 14]), block=13, weeks=20)
    first = strata.stratum == 0
    second = strata.stratum == 1
    assert strata.week[first].tolist() == list(range(13))
    # The last block is cut at the end of the window.
    assert strata.week[second].tolist() == list(range(13, 20))
    assert strata.week[strata.is_case].tolist() == [3, 14]
    assert strata.bounds.tolist() == [0, 13]


def test_no_opportunity_in_the_window_is_an_error(world):
    touches, events = world
    late = events.assign(event_at=START + pd.Timedelta(weeks=WEEKS + 5))
    with pytest.raises(ValueError, match="no opportunity between"):
        timing_attribution(touches, late, late, START, START + pd.Timedelta(weeks=WEEKS))


@pytest.mark.parametrize(
    "settings",
    [
        {"block_weeks": 1},
        {"decays": (1.0,)},
        {"saturations": (0.0,)},
        {"shrinkage": -1.0},
        {"penalty": -0.1},
        {"interval_draws": -1},
        # One or two draws gave an "interval" of zero width, and a fraction failed in numpy.
        {"interval_draws": 1},
        {"interval_draws": 2},
        {"interval_draws": 2.5},
        {"seed": -1},
        {"channel_shapes": {"chat": (0.7, 0.0)}},
    ],
)
def test_config_rejects_out_of_range_values(settings):
    with pytest.raises(ConfigurationError, match="TimingConfig"):
        TimingConfig(**settings)


def _opportunities(events: pd.DataFrame) -> pd.DataFrame:
    """Each opportunity of `events` as an `opportunity_created` row of `marts.fct_conversions`."""
    opened = events.reset_index(drop=True)
    return pd.DataFrame(
        {
            "journey_id": opened["journey_id"],
            "opportunity_id": "d" + opened.index.astype(str),
            "conversion_type": "opportunity_created",
            "converted_at": opened["event_at"],
            "revenue": 0.0,
        }
    )


def _pipeline(events: pd.DataFrame) -> pd.DataFrame:
    """Each opportunity of `events` and its won deal, as `marts.fct_conversions` rows."""
    pipeline = _opportunities(events)
    won = pipeline.assign(conversion_type="closed_won", revenue=1000.0)
    return pd.concat([pipeline, won], ignore_index=True)


def test_credit_table_times_won_deals_at_creation(world):
    touches, events = world
    pipeline = _opportunities(events.head(300))
    won = pipeline.iloc[:100].assign(
        conversion_type="closed_won",
        converted_at=lambda frame: frame["converted_at"] + pd.Timedelta(days=60),
        revenue=1000.0,
    )
    # An expansion opened after the first win is not a new-business event, and a won
    # deal without its opportunity cannot be timed.
    expansion = pipeline.iloc[:1].assign(
        opportunity_id="expansion", converted_at=lambda f: f["converted_at"] + pd.Timedelta(days=90)
    )
    orphan = won.iloc[:1].assign(opportunity_id="no-opportunity")
    conversions = pd.concat([pipeline, won, expansion, orphan], ignore_index=True)

    table = timing_credit_table(touches, conversions)
    assert list(table.columns) == list(TIMING_CREDIT_COLUMNS)
    assert set(table["channel"]) == {"chat", "event"}
    assert (table["opportunities"] == 300).all()
    assert (table["credited_deals"] == 100).all()
    assert table["share"].sum() == pytest.approx(1.0)


def test_credit_table_rejects_epoch_numbers(small_world):
    touches, events = small_world
    epoch_seconds = touches.assign(touched_at=touches["touched_at"].astype("int64") // 10**9)

    with pytest.raises(AttributionInputError, match=r"touches, row 0, field 'touched_at'.*number"):
        timing_credit_table(epoch_seconds, _pipeline(events), FIXED)


def test_credit_table_names_one_currency(small_world):
    touches, events = small_world
    conversions = _pipeline(events)

    plain = timing_credit_table(touches, conversions, FIXED)
    in_euro = timing_credit_table(touches, conversions.assign(currency="EUR"), FIXED)

    assert plain["currency"].isna().all()
    assert (in_euro["currency"] == "EUR").all()
    assert in_euro["revenue_credit"].tolist() == pytest.approx(plain["revenue_credit"].tolist())
    assert (in_euro["revenue_lower"] <= in_euro["revenue_credit"]).all()
    assert (in_euro["revenue_credit"] <= in_euro["revenue_upper"]).all()


def test_credit_table_leaves_mixed_currency_revenue_empty(small_world, caplog):
    touches, events = small_world
    conversions = _pipeline(events)
    won = conversions["conversion_type"] == "closed_won"
    # Half the won deals are in another currency, so their revenue cannot be summed.
    currency = np.where(won & (conversions.index % 2 == 0), "BRL", "USD")

    plain = timing_credit_table(touches, conversions, FIXED)
    mixed = timing_credit_table(touches, conversions.assign(currency=currency), FIXED)

    assert mixed["revenue_credit"].isna().all()
    assert mixed[["revenue_lower", "revenue_upper"]].isna().all().all()
    assert mixed["currency"].isna().all()
    assert "2 currencies ['BRL', 'USD']" in caplog.text
    assert mixed["credited_conversions"].tolist() == pytest.approx(
        plain["credited_conversions"].tolist()
    )


def test_credit_table_without_won_deals_is_empty(world, caplog):
    touches, events = world
    # Conversion types are case-sensitive, so CLOSED_WON rows credit nothing. The log lists
    # the types it found.
    shouted = _pipeline(events.head(5)).replace({"closed_won": "CLOSED_WON"})
    table = timing_credit_table(touches, shouted)
    assert table.empty
    assert list(table.columns) == list(TIMING_CREDIT_COLUMNS)
    assert "found: ['CLOSED_WON', 'opportunity_created']" in caplog.text


def test_credit_table_ignores_touches_years_before(world):
    touches, events = world
    conversions = _pipeline(events)
    old = touches.head(50).assign(
        journey_id="old", touched_at=START - pd.Timedelta(weeks=300), channel="legacy"
    )
    with_old = timing_credit_table(pd.concat([touches, old]), conversions)
    without_old = timing_credit_table(touches, conversions)
    assert "legacy" not in set(with_old["channel"])
    pd.testing.assert_frame_equal(with_old, without_old)


@pytest.fixture(scope="module")
def small_world() -> tuple[pd.DataFrame, pd.DataFrame]:
    return confounded_world(accounts=600, seed=5)


FIXED = TimingConfig(select_shapes=False)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("touches", "channel"),
        ("touches", "touched_at"),
        ("conversions", "opportunity_id"),
        ("conversions", "revenue"),
    ],
)
def test_credit_table_names_a_missing_column(small_world, table, column):
    touches, events = small_world
    frames = {"touches": touches, "conversions": _pipeline(events)}
    frames[table] = frames[table].drop(columns=column)
    with pytest.raises(AttributionInputError, match=rf"{table}: column\(s\) \['{column}'\]"):
        timing_credit_table(frames["touches"], frames["conversions"], FIXED)


@pytest.mark.parametrize(
    ("field", "row", "blank"),
    [
        ("channel", 3, None),
        ("channel", 3, ""),
        ("channel", 3, "  "),
        ("journey_id", 5, None),
    ],
)
def test_credit_table_rejects_a_blank_label(small_world, field, row, blank):
    # A blank channel used to become a channel named "" (with credit) or be dropped.
    touches, events = small_world
    touches = touches.reset_index(drop=True).astype({field: object})
    touches.loc[row, field] = blank
    with pytest.raises(AttributionInputError, match=f"touches, row {row}, field '{field}'"):
        timing_credit_table(touches, _pipeline(events), FIXED)


def test_credit_table_rejects_nan_won_revenue(small_world):
    # One NaN revenue used to turn every channel's revenue_credit into NaN.
    touches, events = small_world
    conversions = _pipeline(events)
    row = int(np.flatnonzero(conversions["conversion_type"] == "closed_won")[2])
    conversions.loc[row, "revenue"] = np.nan
    with pytest.raises(AttributionInputError, match=f"conversions, row {row}, field 'revenue'"):
        timing_credit_table(touches, conversions, FIXED)


def test_credit_table_accepts_missing_revenue_of_an_opportunity(small_world):
    touches, events = small_world
    conversions = _pipeline(events)
    opened = conversions["conversion_type"] == "opportunity_created"
    with_null = conversions.assign(revenue=conversions["revenue"].where(~opened))
    table = timing_credit_table(touches, with_null, FIXED)
    pd.testing.assert_frame_equal(table, timing_credit_table(touches, conversions, FIXED))
    assert np.isfinite(table.select_dtypes("number").to_numpy()).all()


@pytest.mark.parametrize(
    ("table", "field"), [("touches", "touched_at"), ("conversions", "converted_at")]
)
def test_credit_table_rejects_an_unreadable_time(small_world, table, field):
    touches, events = small_world
    frames = {"touches": touches.reset_index(drop=True), "conversions": _pipeline(events)}
    frame = frames[table].astype({field: object})
    frame.loc[1, field] = "last tuesday"
    frames[table] = frame
    with pytest.raises(AttributionInputError, match=f"{table}, row 1, field '{field}'"):
        timing_credit_table(frames["touches"], frames["conversions"], FIXED)


def test_credit_table_times_as_utc(small_world):
    touches, events = small_world
    conversions = _pipeline(events)
    expected = timing_credit_table(touches, conversions, FIXED)
    naive = timing_credit_table(
        touches.assign(touched_at=touches["touched_at"].dt.tz_localize(None)),
        conversions.assign(converted_at=conversions["converted_at"].astype(str)),
        FIXED,
    )
    pd.testing.assert_frame_equal(naive, expected)


def test_credit_table_matches_journeys_whatever_the_id_type(small_world):
    # Integer ids in one table and strings in the other used to fail on sorting.
    touches, events = small_world
    conversions = _pipeline(events)
    expected = timing_credit_table(touches, conversions, FIXED)
    numeric = timing_credit_table(
        touches.assign(journey_id=touches["journey_id"].astype(int)), conversions, FIXED
    )
    pd.testing.assert_frame_equal(numeric, expected)


def test_credit_table_keeps_opportunities_before_the_first_touch(small_world):
    # Weeks used to start at the first touch, so earlier opportunities were dropped.
    touches, events = small_world
    early = events.head(3).assign(
        journey_id=["e1", "e2", "e3"], event_at=START - pd.Timedelta(weeks=8)
    )
    conversions = _pipeline(pd.concat([events, early], ignore_index=True))
    table = timing_credit_table(touches, conversions, FIXED)
    assert (table["opportunities"] == len(events) + 3).all()
    assert (table["credited_deals"] == len(events) + 3).all()


@pytest.mark.parametrize(
    ("table", "column"), [("touches", "channel"), ("events", "event_at"), ("credited", "value")]
)
def test_timing_attribution_names_a_missing_column(small_world, table, column):
    touches, events = small_world
    frames = {"touches": touches, "events": events, "credited": events}
    frames[table] = frames[table].drop(columns=column)
    end = START + pd.Timedelta(weeks=WEEKS)
    with pytest.raises(AttributionInputError, match=rf"{table}: column\(s\) \['{column}'\]"):
        timing_attribution(
            frames["touches"], frames["events"], frames["credited"], START, end, FIXED
        )


def test_timing_attribution_rejects_nan_value(small_world):
    touches, events = small_world
    credited = events.reset_index(drop=True).assign(value=lambda f: f["value"].where(f.index != 4))
    end = START + pd.Timedelta(weeks=WEEKS)
    with pytest.raises(AttributionInputError, match="credited, row 4, field 'value'"):
        timing_attribution(touches, events, credited, START, end, FIXED)


def test_credit_table_ends_at_the_last_conversion(small_world):
    # The window used to end at the last touch, so one touch dated a year after every
    # conversion added a year in which credited accounts "would have" opened anyway and
    # cut the net credit by three quarters.
    touches, events = small_world
    conversions = _pipeline(events)
    stray = pd.DataFrame(
        {
            "journey_id": ["0"],
            "touched_at": [conversions["converted_at"].max() + pd.Timedelta(days=365)],
            "channel": ["chat"],
        }
    )
    expected = timing_credit_table(touches, conversions, FIXED)
    with_stray = timing_credit_table(pd.concat([touches, stray]), conversions, FIXED)
    pd.testing.assert_frame_equal(with_stray, expected)


def test_timing_attribution_reports_opportunities_outside_the_window(small_world, caplog):
    touches, events = small_world
    late = events.head(2).assign(event_at=START + pd.Timedelta(weeks=WEEKS + 3))
    both = pd.concat([events, late], ignore_index=True)
    end = START + pd.Timedelta(weeks=WEEKS)
    with caplog.at_level("WARNING", logger="ml.attribution.timing"):
        result = timing_attribution(touches, both, both, START, end, FIXED)
    assert result.events == len(events)
    assert result.credited_events == len(events)
    assert f"2 of {len(both)} opportunities fall outside" in caplog.text
    assert f"2 of {len(both)} credited opportunities fall outside" in caplog.text


def test_credit_table_does_not_pair_missing_opportunity_ids(small_world):
    # pandas merges a missing key with a missing key, which timed a won deal without an
    # opportunity_id at an unrelated opportunity that also lacked one.
    touches, events = small_world
    conversions = _pipeline(events).astype({"opportunity_id": object})
    journey = conversions.loc[0, "journey_id"]
    conversions.loc[conversions["journey_id"] == journey, "opportunity_id"] = None
    table = timing_credit_table(touches, conversions, FIXED)
    assert (table["opportunities"] == len(events)).all()
    assert (table["credited_deals"] == len(events) - 1).all()


def test_credit_table_rejects_a_repeated_opportunity(small_world):
    # A repeated row used to pair every copy of a won deal with every copy of its
    # opportunity, so two copies of each row quadrupled the credit.
    touches, events = small_world
    conversions = _pipeline(events)
    repeated = pd.concat([conversions, conversions.iloc[[2]]], ignore_index=True)
    with pytest.raises(
        AttributionInputError,
        match=f"conversions, row {len(conversions)}, field 'opportunity_id'",
    ):
        timing_credit_table(touches, repeated, FIXED)


def test_credit_table_warns_of_early_win(small_world, caplog):
    # A deal whose close time precedes its opportunity's creation (a clock error) counts as
    # opened after the account's first win, so both rows are left out. A warning counts them.
    touches, events = small_world
    conversions = _pipeline(events)
    won = int(np.flatnonzero(conversions["conversion_type"] == "closed_won")[0])
    conversions.loc[won, "converted_at"] -= pd.Timedelta(days=10)
    with caplog.at_level("WARNING", logger="ml.attribution.timing"):
        table = timing_credit_table(touches, conversions, FIXED)
    assert (table["opportunities"] == len(events) - 1).all()
    assert (table["credited_deals"] == len(events) - 1).all()
    assert "1 won deal(s) closed before their opportunity opened, first 'd0'" in caplog.text


def test_close_times_mix_dates_and_times(world):
    # pandas infers one format from the first string, so a date without a time among full
    # ISO 8601 time stamps used to be rejected as "not a time stamp".
    touches, events = world
    credited = events.head(20).reset_index(drop=True)
    closed = credited["event_at"] + pd.Timedelta(days=30)
    text = [
        moment.strftime("%Y-%m-%d") if row % 2 else moment.isoformat()
        for row, moment in enumerate(closed.dt.normalize())
    ]
    end = START + pd.Timedelta(weeks=WEEKS)
    with_text = credited.assign(closed_at=text)
    with_times = credited.assign(closed_at=closed.dt.normalize())
    as_text = timing_attribution(touches, events, with_text, START, end, FIXED)
    as_times = timing_attribution(touches, events, with_times, START, end, FIXED)
    assert as_text.credited_conversions == as_times.credited_conversions


@pytest.mark.parametrize("late", ["2099-01-01", "9999-12-31"])
def test_credit_table_leaves_out_future_conversions(small_world, caplog, late):
    # The window ends a day after the last conversion. One won deal with a CRM close date in
    # 2099 stretched it by 70 years, and the net credit fell to nearly 0 without a warning.
    # A close date of 9999-12-31 overflowed pandas' nanosecond time stamps.
    touches, events = small_world
    conversions = _pipeline(events)
    as_of = conversions["converted_at"].max() + pd.Timedelta(days=3)
    won = int(np.flatnonzero(conversions["conversion_type"] == "closed_won")[0])
    # Microseconds, as DuckDB returns `marts.fct_conversions.converted_at`.
    dated = conversions.astype({"converted_at": "datetime64[us, UTC]"})
    dated.loc[won, "converted_at"] = pd.Timestamp(late, tz="UTC")
    expected = timing_credit_table(touches, conversions.drop(index=won), FIXED, as_of=as_of)
    with caplog.at_level("WARNING", logger="ml.attribution.timing"):
        table = timing_credit_table(touches, dated, FIXED, as_of=as_of)
    pd.testing.assert_frame_equal(table, expected)
    assert "1 conversion(s) dated more than a day after" in caplog.text
    assert "first closed_won 'd0'" in caplog.text


def test_credit_table_rejects_a_repeated_touch(small_world):
    # A repeated touch row (a join that fanned out, say) raised the exposure and changed the
    # credit without any message. Touches without a touch_id cannot be distinguished.
    touches, events = small_world
    touches = touches.assign(touch_id="t" + touches.index.astype(str))
    repeated = pd.concat([touches, touches.iloc[[5]]], ignore_index=True)
    with pytest.raises(
        AttributionInputError, match=f"touches, row {len(touches)}, field 'touch_id': value 't5'"
    ):
        timing_credit_table(repeated, _pipeline(events), FIXED)
