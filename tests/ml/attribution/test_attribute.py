import pandas as pd
import pytest

from ml.attribution import AttributionConfig, attribute, summarize_channels
from ml.attribution.config import ALL_MODELS, BASELINE, HEURISTIC_MODELS, NO_CHANNEL
from ml.attribution.journeys import AttributionInputError

HEURISTICS = AttributionConfig(models=HEURISTIC_MODELS, half_life_days=1.0)


def credit_of(credits: pd.DataFrame, model: str, conversion_id: str) -> dict[str, float]:
    rows = credits[(credits["model"] == model) & (credits["conversion_id"] == conversion_id)]
    return dict(zip(rows["touch_id"], rows["share"], strict=True))


def test_attribute_single_touch_gets_everything(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "webinar"), ("j2", "t2", 0, "direct")])
    conversions = conversions_factory([("c1", "j1", "closed_won", 1, 500.0)])
    credits = attribute(touches, conversions, AttributionConfig(counterfactual_baseline=False))
    for model in ALL_MODELS:
        rows = credits[credits["model"] == model]
        assert list(rows["touch_id"]) == ["t1"], model
        assert rows["share"].iloc[0] == pytest.approx(1.0), model
        assert rows["revenue_credit"].iloc[0] == pytest.approx(500.0), model


def test_attribute_repeated_channel_hand_computed(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "a"), ("j1", "t2", 1, "b"), ("j1", "t3", 2, "a")])
    conversions = conversions_factory([("c1", "j1", "closed_won", 3, 300.0)])
    credits = attribute(touches, conversions, HEURISTICS)

    assert credit_of(credits, "first_touch", "c1") == {"t1": 1.0, "t2": 0.0, "t3": 0.0}
    assert credit_of(credits, "last_touch", "c1") == {"t1": 0.0, "t2": 0.0, "t3": 1.0}
    assert credit_of(credits, "linear", "c1") == pytest.approx(
        {"t1": 1 / 3, "t2": 1 / 3, "t3": 1 / 3}
    )
    assert credit_of(credits, "position_u", "c1") == pytest.approx(
        {"t1": 0.4, "t2": 0.2, "t3": 0.4}
    )
    # Ages 3, 2 and 1 days with a one-day half-life weigh 1/8, 1/4 and 1/2.
    assert credit_of(credits, "time_decay", "c1") == pytest.approx(
        {"t1": 1 / 7, "t2": 2 / 7, "t3": 4 / 7}
    )
    linear = credits[credits["model"] == "linear"]
    assert linear.groupby("channel")["revenue_credit"].sum().to_dict() == pytest.approx(
        {"a": 200.0, "b": 100.0}
    )


def test_attribute_touch_after_conversion_earns_nothing(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "a"), ("j1", "t2", 2, "b"), ("j1", "t3", 2.5, "c")])
    conversions = conversions_factory([("c1", "j1", "closed_won", 2, 100.0)])
    credits = attribute(touches, conversions, AttributionConfig())
    assert "t3" not in set(credits["touch_id"])
    last = credit_of(credits, "last_touch", "c1")
    assert last == {"t1": 0.0, "t2": 1.0}


def test_attribute_tie_order_deterministic(touches_factory, conversions_factory):
    touches = touches_factory(
        [("j1", "t9", 0, "zeta"), ("j1", "t2", 0, "alpha"), ("j1", "t1", 0, "alpha")]
    )
    conversions = conversions_factory([("c1", "j1", "closed_won", 1, 10.0)])
    credits = attribute(touches, conversions, HEURISTICS)
    assert credit_of(credits, "first_touch", "c1")["t1"] == 1.0
    assert credit_of(credits, "last_touch", "c1")["t9"] == 1.0


def test_attribute_lookback_and_no_touch_gives_none_row(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "a"), ("j1", "t2", 199, "b")])
    conversions = conversions_factory(
        [("c1", "j1", "closed_won", 200, 70.0), ("c2", "j2", "closed_won", 5, 30.0)]
    )
    credits = attribute(touches, conversions, AttributionConfig(lookback_days=30))
    assert credit_of(credits, "first_touch", "c1") == {"t2": 1.0}
    none_rows = credits[credits["conversion_id"] == "c2"]
    assert len(none_rows) == len(ALL_MODELS)
    assert set(none_rows["channel"]) == {NO_CHANNEL}
    assert none_rows["revenue_credit"].tolist() == [30.0] * len(ALL_MODELS)


def test_attribute_w_shape_uses_opportunity_touch(touches_factory, conversions_factory):
    touches = touches_factory([("j1", f"t{day}", day, f"ch{day}") for day in range(5)])
    conversions = conversions_factory(
        [("opp", "j1", "opportunity_created", 2, 0.0), ("won", "j1", "closed_won", 5, 1000.0)]
    )
    credits = attribute(touches, conversions, HEURISTICS)
    assert credit_of(credits, "position_w", "won") == pytest.approx(
        {"t0": 0.3, "t1": 0.05, "t2": 0.3, "t3": 0.05, "t4": 0.3}
    )
    # The opportunity's own milestone is its last touch, so the U shape applies.
    assert credit_of(credits, "position_w", "opp") == pytest.approx(
        {"t0": 0.4, "t1": 0.2, "t2": 0.4}
    )


def test_attribute_channel_grouping_renames(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "slack"), ("j1", "t2", 1, "discord")])
    conversions = conversions_factory([("c1", "j1", "closed_won", 2, 10.0)])
    config = AttributionConfig(
        models=("linear",), channel_grouping={"slack": "chat", "discord": "chat"}
    )
    credits = attribute(touches, conversions, config)
    assert set(credits["channel"]) == {"chat"}


def test_attribute_credits_sum_to_revenue(touches_factory, conversions_factory):
    touches = touches_factory(
        [
            ("j1", "t1", 0, "a"),
            ("j1", "t2", 1, "b"),
            ("j1", "t3", 1, "a"),
            ("j2", "t4", 0, "b"),
            ("j3", "t5", 0, "a"),
            ("j3", "t6", 3, "c"),
            ("j4", "t7", 0, "c"),
            ("j5", "t8", 2, "a"),
        ]
    )
    conversions = conversions_factory(
        [
            ("c1", "j1", "closed_won", 2, 120.0),
            ("c2", "j2", "closed_won", 1, -20.0),
            ("c3", "j3", "closed_won", 4, 0.0),
            ("c4", "j1", "opportunity_created", 1, 0.0),
        ]
    )
    credits = attribute(touches, conversions, AttributionConfig())
    revenue = conversions.set_index("conversion_id")["revenue"]
    totals = credits.groupby(["model", "conversion_id"]).agg(
        share=("share", "sum"), revenue=("revenue_credit", "sum")
    )
    assert len(totals) == len(ALL_MODELS) * len(conversions)
    for (model, conversion_id), row in totals.iterrows():
        assert row["share"] == pytest.approx(1.0), (model, conversion_id)
        assert row["revenue"] == pytest.approx(revenue[conversion_id]), (model, conversion_id)


def test_summarize_channels_totals(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "a"), ("j1", "t2", 1, "b"), ("j2", "t3", 0, "b")])
    conversions = conversions_factory(
        [("c1", "j1", "closed_won", 2, 100.0), ("c2", "j2", "closed_won", 1, 50.0)]
    )
    credits = attribute(touches, conversions, AttributionConfig(models=("linear",)))
    summary = summarize_channels(credits).set_index("channel")
    assert summary.loc["a", "conversions"] == pytest.approx(0.5)
    assert summary.loc["b", "conversions"] == pytest.approx(1.5)
    assert summary.loc["b", "revenue_credit"] == pytest.approx(100.0)
    assert summary.loc["b", "share"] == pytest.approx(0.75)


def test_attribute_missing_column_raises(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "a")]).drop(columns=["channel"])
    conversions = conversions_factory([("c1", "j1", "closed_won", 2, 100.0)])
    with pytest.raises(AttributionInputError, match="channel"):
        attribute(touches, conversions, AttributionConfig())


def test_attribute_duplicate_conversion_raises(touches_factory, conversions_factory):
    touches = touches_factory([("j1", "t1", 0, "a")])
    conversions = conversions_factory(
        [("c1", "j1", "closed_won", 2, 100.0), ("c1", "j1", "closed_won", 3, 100.0)]
    )
    with pytest.raises(AttributionInputError, match="row 1, field 'conversion_id'"):
        attribute(touches, conversions, AttributionConfig())


def test_baseline_share_hand_computed(touches_factory, conversions_factory):
    # One channel, paths of one and of three touches. With (almost) no penalty the logistic
    # fit is saturated: p = 1/4 on one touch and 3/4 on three, so the slope on log(1 + n) is
    # 2 ln 3 / ln 2, the intercept -3 ln 3 and p0 = 1/28. Baseline shares are p0 / p: 1/7
    # and 1/21.
    touch_rows, conversion_rows = [], []
    for index in range(4):
        touch_rows.append((f"one{index}", f"one{index}-t", 0, "a"))
        if index == 0:
            conversion_rows.append(("c-one", "one0", "closed_won", 5, 700.0))
    for index in range(4):
        touch_rows.extend((f"three{index}", f"three{index}-t{k}", k, "a") for k in range(3))
        if index < 3:
            conversion_rows.append((f"c-three{index}", f"three{index}", "closed_won", 5, 210.0))
    config = AttributionConfig(models=("counterfactual",), counterfactual_regularization=1e9)
    credits = attribute(touches_factory(touch_rows), conversions_factory(conversion_rows), config)

    one = credits[credits["conversion_id"] == "c-one"].set_index("channel")
    assert one.loc[BASELINE, "share"] == pytest.approx(1 / 7, rel=1e-6)
    assert one.loc["a", "share"] == pytest.approx(6 / 7, rel=1e-6)
    assert one.loc[BASELINE, "revenue_credit"] == pytest.approx(100.0, rel=1e-6)
    three = credits[credits["conversion_id"] == "c-three0"]
    baseline = three[three["channel"] == BASELINE]
    assert baseline["touch_id"].isna().all()
    assert baseline["share"].sum() == pytest.approx(1 / 21, rel=1e-6)
    touch_shares = three.loc[three["channel"] == "a", "share"]
    assert touch_shares.to_numpy() == pytest.approx([20 / 63] * 3, rel=1e-6)
    totals = credits.groupby("conversion_id")["revenue_credit"].sum()
    revenue = conversions_factory(conversion_rows).set_index("conversion_id")["revenue"]
    assert totals.to_dict() == pytest.approx(revenue.to_dict())


def test_baseline_off_credits_touches_only(touches_factory, conversions_factory):
    touches = touches_factory(
        [("j1", "t1", 0, "a"), ("j2", "t2", 0, "a"), ("j3", "t3", 0, "b"), ("j3", "t4", 1, "a")]
    )
    conversions = conversions_factory([("c1", "j1", "closed_won", 2, 100.0)])
    config = AttributionConfig(models=("counterfactual",), counterfactual_baseline=False)
    credits = attribute(touches, conversions, config)

    assert BASELINE not in set(credits["channel"])
    assert credits["share"].sum() == pytest.approx(1.0)
