from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ml.attribution.attribute import CREDIT_COLUMNS
from ml.attribution.journeys import AttributionInputError
from ml.attribution.timing import (
    TimingConfig,
    _DealCredit,
    decayed_counts,
    timing_credit_table,
    weekly_counts,
)
from ml.attribution.timing_touches import _touch_rows, timing_credit_tables, timing_touch_credit

START = pd.Timestamp("2025-01-06", tz="UTC")
FIXED = TimingConfig(select_shapes=False)


def _touch(journey: str, channel: str, week: int, touch_id: str) -> dict[str, object]:
    return {
        "journey_id": journey,
        "channel": channel,
        "touched_at": START + pd.Timedelta(days=7 * week + 2),
        "touch_id": touch_id,
        "program": f"{channel}-program",
        "person_id": f"{touch_id}-person",
    }


@pytest.fixture
def hand_case() -> tuple[pd.DataFrame, pd.DataFrame, _DealCredit]:
    """Two channels; deal d1 of acme opened in week 5, deal d2 of beta with no credit.

    Chat (decay 0.5) has touches in weeks 1 and 3, one in week 5 (the opportunity's week)
    and one in week 7; event (decay 0.8) has one in week 4. Beta's chat touch in week 2
    belongs to another account.
    """
    touches = pd.DataFrame(
        [
            _touch("acme", "chat", 1, "t1"),
            _touch("acme", "chat", 3, "t2"),
            _touch("acme", "chat", 5, "t3"),
            _touch("acme", "chat", 7, "t4"),
            _touch("acme", "event", 4, "t5"),
            _touch("beta", "chat", 2, "t6"),
        ]
    )
    credited = pd.DataFrame(
        {
            "conversion_id": ["d1", "d2"],
            "conversion_type": "closed_won",
            "journey_id": ["acme", "beta"],
            "value": [1000.0, 500.0],
        }
    )
    deals = _DealCredit(
        rows=np.array([0, 1]),
        journeys=pd.Index(["acme", "beta"]),
        journey=np.array([0, 1]),
        week=np.array([5, 4]),
        net_share=np.array([[0.3, 0.0], [0.1, 0.0]]),
        channels=["chat", "event"],
        decays=np.array([0.5, 0.8]),
        start=START,
        weeks=10,
    )
    return touches, credited, deals


def test_touch_split_hand_computed(hand_case):
    touches, credited, deals = hand_case
    table = _touch_rows(touches, credited, deals)
    rows = table.set_index(["conversion_id", "channel"])
    acme = rows.loc["d1"].reset_index().set_index("touch_id", drop=False)

    # Chat's decayed count at week 5 is 0.5 ** 3 + 0.5 ** 1 = 0.625, so t1 gets
    # 0.3 x 0.125 / 0.625 and t2 gets 0.3 x 0.5 / 0.625. The event touch is the only one of
    # its channel and gets all of event's 0.1; the rest, 0.6, is the baseline.
    assert list(table.columns) == CREDIT_COLUMNS
    assert acme.loc["t1", "share"] == pytest.approx(0.06, abs=1e-12)
    assert acme.loc["t2", "share"] == pytest.approx(0.24, abs=1e-12)
    assert acme.loc["t5", "share"] == pytest.approx(0.1, abs=1e-12)
    assert acme.loc["t1", "revenue_credit"] == pytest.approx(60.0)
    assert acme.loc["t2", "revenue_credit"] == pytest.approx(240.0)
    assert acme.loc["t5", "revenue_credit"] == pytest.approx(100.0)
    assert "t3" not in acme.index
    assert "t4" not in acme.index
    assert "t6" not in acme.index
    baseline = rows.loc[("d1", "(baseline)")]
    assert baseline["share"] == pytest.approx(0.6, abs=1e-12)
    assert baseline["revenue_credit"] == pytest.approx(600.0)
    assert baseline["touch_id"] is None
    assert acme.loc["t2", "program"] == "chat-program"
    assert acme.loc["t2", "person_id"] == "t2-person"
    assert (acme["journey_id"] == "acme").all()
    assert (acme["conversion_type"] == "closed_won").all()
    assert (acme["model"] == "timing").all()


def test_touch_split_without_credit_is_baseline(hand_case):
    touches, credited, deals = hand_case
    rows = _touch_rows(touches, credited, deals)
    beta = rows[rows["conversion_id"] == "d2"]

    assert beta["channel"].tolist() == ["(baseline)"]
    assert beta["share"].tolist() == [1.0]
    assert beta["revenue_credit"].tolist() == [500.0]


def test_touch_split_over_one_has_no_baseline(hand_case):
    touches, credited, deals = hand_case
    # Removing chat alone would lose 0.7 of d1 and removing event alone 0.6: the channels'
    # shares overlap, so they add up to more than the deal and no baseline row is left.
    overlapping = replace(deals, net_share=np.array([[0.7, 0.0], [0.6, 0.0]]))
    rows = _touch_rows(touches, credited, overlapping)
    acme = rows[rows["conversion_id"] == "d1"].set_index("touch_id")

    assert "(baseline)" not in set(acme["channel"])
    assert acme["share"].sum() == pytest.approx(1.3)
    assert acme.loc["t2", "share"] == pytest.approx(0.7 * 0.8)
    assert acme.loc["t5", "revenue_credit"] == pytest.approx(600.0)


def test_touch_split_weights_match_exposure_sum(hand_case):
    touches, _, deals = hand_case
    counts = weekly_counts(touches, deals.journeys, deals.channels, START, deals.weeks)
    chat = decayed_counts(counts[:, :1, :], 0.5)

    # The split's denominator is the decayed count the exposure is computed from.
    assert chat[0, 0, 5] == pytest.approx(0.5**3 + 0.5**1)


def test_touch_credit_sums_to_channel_credit(world_with_ids):
    touches, conversions = world_with_ids
    channels, rows = timing_credit_tables(touches, conversions, FIXED)
    by_channel = rows[rows["touch_id"].notna()].groupby("channel")[["share", "revenue_credit"]]
    expected = channels.set_index("channel")
    # A channel without credit (a coefficient at or below 0) has no touch rows.
    sums = by_channel.sum().reindex(expected.index, fill_value=0.0)

    assert (expected["credited_conversions"] > 0).any()
    for channel in expected.index:
        assert sums.loc[channel, "share"] == pytest.approx(
            expected.loc[channel, "credited_conversions"], rel=1e-9
        )
        assert sums.loc[channel, "revenue_credit"] == pytest.approx(
            expected.loc[channel, "revenue_credit"], rel=1e-9
        )


def test_touch_credit_sums_to_one_per_deal(world_with_ids):
    touches, conversions = world_with_ids
    rows = timing_touch_credit(touches, conversions, FIXED)
    won = conversions[conversions["conversion_type"] == "closed_won"].set_index("conversion_id")
    per_deal = rows.groupby("conversion_id")[["share", "revenue_credit"]].sum()
    touch_part = rows[rows["touch_id"].notna()].groupby("conversion_id")["share"].sum()
    baseline = rows[rows["channel"] == "(baseline)"].set_index("conversion_id")["share"]

    assert set(per_deal.index) == set(won.index)
    assert per_deal["share"].to_numpy() == pytest.approx(1.0, abs=1e-9)
    assert per_deal["revenue_credit"].to_numpy() == pytest.approx(
        won["revenue"].reindex(per_deal.index).to_numpy(), rel=1e-9
    )
    assert (touch_part < 1).all()
    assert (baseline > 0).all()
    assert (rows["share"] > 0).all()


def test_touch_credit_only_before_the_opportunity(world_with_ids):
    touches, conversions = world_with_ids
    rows = timing_touch_credit(touches, conversions, FIXED)
    credited = rows[rows["touch_id"].notna()].merge(
        touches[["touch_id", "touched_at"]], on="touch_id"
    )
    won = conversions[conversions["conversion_type"] == "closed_won"]
    opened = conversions[conversions["conversion_type"] == "opportunity_created"]
    deal_opened = won.merge(opened, on="opportunity_id", suffixes=("", "_opened"))
    opened_at = deal_opened.set_index("conversion_id")["converted_at_opened"]
    touch_person = touches.set_index("touch_id")

    assert len(credited) > 0
    assert (credited["touched_at"] < opened_at.reindex(credited["conversion_id"]).to_numpy()).all()
    # Program and person come from the credited touch.
    assert (
        credited["person_id"].to_numpy()
        == touch_person["person_id"].reindex(credited["touch_id"]).to_numpy()
    ).all()
    assert (
        credited["program"].to_numpy()
        == touch_person["program"].reindex(credited["touch_id"]).to_numpy()
    ).all()


def test_channel_table_unchanged_by_touch_split(world_with_ids):
    touches, conversions = world_with_ids
    channels, _ = timing_credit_tables(touches, conversions, FIXED)

    pd.testing.assert_frame_equal(channels, timing_credit_table(touches, conversions, FIXED))


@pytest.mark.parametrize(
    ("table", "column"),
    [("touches", "touch_id"), ("touches", "person_id"), ("conversions", "conversion_id")],
)
def test_touch_credit_names_a_missing_column(world_with_ids, table, column):
    touches, conversions = world_with_ids
    frames = {"touches": touches, "conversions": conversions}
    frames[table] = frames[table].drop(columns=column)

    with pytest.raises(AttributionInputError, match=rf"{table}.*{column}"):
        timing_touch_credit(frames["touches"], frames["conversions"], FIXED)


def test_touch_credit_without_won_deals_is_empty(world_with_ids):
    touches, conversions = world_with_ids
    opened = conversions[conversions["conversion_type"] == "opportunity_created"]
    channels, rows = timing_credit_tables(touches, opened, FIXED)

    assert channels.empty
    assert rows.empty
    assert list(rows.columns) == CREDIT_COLUMNS
