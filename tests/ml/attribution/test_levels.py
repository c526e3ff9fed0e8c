import pandas as pd
import pytest

from ml.attribution import AttributionConfig
from ml.attribution.config import HEURISTIC_MODELS, NO_CHANNEL
from ml.attribution.journeys import AttributionInputError
from ml.attribution.levels import (
    ACCOUNT_LEVEL,
    PERSON_LEVEL,
    attribute_levels,
    consent_shift_levels,
    person_journeys,
)

HEURISTICS = AttributionConfig(models=HEURISTIC_MODELS, lookback_days=10)


def with_people(touches: pd.DataFrame, people: list[str | None]) -> pd.DataFrame:
    return touches.assign(person_id=people)


def shares(credits: pd.DataFrame, level: str, model: str, conversion_id: str) -> dict:
    rows = credits[
        (credits["level"] == level)
        & (credits["model"] == model)
        & (credits["conversion_id"] == conversion_id)
    ]
    return dict(zip(rows["touch_id"], rows["share"], strict=True))


def account_with_two_people(touches_factory, conversions_factory):
    # Account acc1: Ann touches on days 0 and 4, Bob on day 2 and after the deal on day 9.
    touches = with_people(
        touches_factory(
            [
                ("acc1", "t1", 0, "webinar"),
                ("acc1", "t2", 2, "event"),
                ("acc1", "t3", 4, "chat"),
                ("acc1", "t4", 9, "event"),
            ]
        ),
        ["ann", "bob", "ann", "bob"],
    )
    conversions = conversions_factory([("c1", "acc1", "closed_won", 5, 600.0)])
    return touches, conversions


def test_person_level_hand_computed(touches_factory, conversions_factory):
    touches, conversions = account_with_two_people(touches_factory, conversions_factory)
    people = pd.DataFrame({"conversion_id": ["c1", "c1"], "person_id": ["ann", "bob"]})
    credits = attribute_levels(touches, conversions, people, HEURISTICS)

    # Account level: one journey t1, t2, t3 (t4 is after the conversion).
    assert shares(credits, ACCOUNT_LEVEL, "last_touch", "c1") == {"t1": 0, "t2": 0, "t3": 1}
    # Person level: half the conversion on Ann's path (t1, t3), half on Bob's (t2 only).
    assert shares(credits, PERSON_LEVEL, "last_touch", "c1") == {"t1": 0, "t3": 0.5, "t2": 0.5}
    assert shares(credits, PERSON_LEVEL, "first_touch", "c1") == {"t1": 0.5, "t3": 0, "t2": 0.5}
    assert shares(credits, PERSON_LEVEL, "linear", "c1") == pytest.approx(
        {"t1": 0.25, "t3": 0.25, "t2": 0.5}
    )
    person = credits[credits["level"] == PERSON_LEVEL]
    assert set(person.loc[person["touch_id"] == "t2", "journey_id"]) == {"bob"}
    assert "t4" not in set(credits["touch_id"])


def test_person_level_sums_to_revenue(touches_factory, conversions_factory):
    touches, conversions = account_with_two_people(touches_factory, conversions_factory)
    people = pd.DataFrame({"conversion_id": ["c1", "c1"], "person_id": ["ann", "bob"]})
    credits = attribute_levels(touches, conversions, people, AttributionConfig())

    totals = credits.groupby(["level", "model", "conversion_id"])
    assert totals["revenue_credit"].sum().to_numpy() == pytest.approx(600.0)
    assert totals["share"].sum().to_numpy() == pytest.approx(1.0)
    assert set(credits["level"]) == {ACCOUNT_LEVEL, PERSON_LEVEL}


def test_person_level_lookback_and_refund(touches_factory, conversions_factory):
    # Ann's only touch is 30 days before the deal, outside a 10-day lookback; Bob's is inside.
    touches = with_people(
        touches_factory([("acc1", "t1", 0, "webinar"), ("acc1", "t2", 25, "event")]),
        ["ann", "bob"],
    )
    # Net revenue after a refund: 400 booked, 100 refunded.
    conversions = conversions_factory([("c1", "acc1", "closed_won", 30, 300.0)])
    people = pd.DataFrame({"conversion_id": ["c1", "c1"], "person_id": ["ann", "bob"]})
    credits = attribute_levels(touches, conversions, people, HEURISTICS)
    person = credits[(credits["level"] == PERSON_LEVEL) & (credits["model"] == "linear")]

    by_channel = person.groupby("channel")["revenue_credit"].sum().to_dict()
    assert by_channel == pytest.approx({NO_CHANNEL: 150.0, "event": 150.0})


def test_person_level_ties_are_deterministic(touches_factory, conversions_factory):
    rows = [("acc1", "t2", 1, "webinar"), ("acc1", "t1", 1, "event")]
    conversions = conversions_factory([("c1", "acc1", "closed_won", 2, 100.0)])
    people = pd.DataFrame({"conversion_id": ["c1"], "person_id": ["ann"]})
    forward = attribute_levels(
        with_people(touches_factory(rows), ["ann", "ann"]), conversions, people, HEURISTICS
    )
    backward = attribute_levels(
        with_people(touches_factory(rows[::-1]), ["ann", "ann"]), conversions, people, HEURISTICS
    )

    # Same moment: `event` sorts before `webinar`, so t1 is first whatever the input order.
    for credits in (forward, backward):
        assert shares(credits, PERSON_LEVEL, "first_touch", "c1") == {"t1": 1.0, "t2": 0.0}


def test_conversion_without_people_keeps_journey(touches_factory, conversions_factory):
    touches = with_people(
        touches_factory([("lead1", "t1", 0, "paid"), ("acc1", "t2", 0, "chat")]), [None, "ann"]
    )
    conversions = conversions_factory(
        [("c1", "lead1", "closed_won", 1, 50.0), ("c2", "acc1", "closed_won", 1, 80.0)]
    )
    people = pd.DataFrame({"conversion_id": [], "person_id": []})
    credits = attribute_levels(touches, conversions, people, HEURISTICS)

    # lead1's touch has no person, so it stays on its journey; acc1's touch moved to Ann.
    assert shares(credits, PERSON_LEVEL, "linear", "c1") == {"t1": 1.0}
    person_c2 = credits[(credits["level"] == PERSON_LEVEL) & (credits["conversion_id"] == "c2")]
    assert set(person_c2["channel"]) == {NO_CHANNEL}


def test_conversion_people_unknown_id_rejected(touches_factory, conversions_factory):
    touches, conversions = account_with_two_people(touches_factory, conversions_factory)
    people = pd.DataFrame({"conversion_id": ["c1", "c9"], "person_id": ["ann", "bob"]})
    with pytest.raises(AttributionInputError, match=r"row 1, field 'conversion_id'.*'c9'"):
        person_journeys(touches, conversions, people)


def test_consent_shift_levels_equal_difference(touches_factory, conversions_factory):
    touches, conversions = account_with_two_people(touches_factory, conversions_factory)
    touches["consented"] = [True, False, True, True]
    people = pd.DataFrame({"conversion_id": ["c1", "c1"], "person_id": ["ann", "bob"]})
    report = consent_shift_levels(touches, conversions, people, HEURISTICS, ("last_touch",))
    person = report[report["level"] == PERSON_LEVEL].set_index("channel")

    # Bob's only eligible touch (event) is dropped, so his half moves to `(none)`.
    assert person.loc["event", "revenue_shift"] == pytest.approx(-300.0)
    assert person.loc[NO_CHANNEL, "revenue_shift"] == pytest.approx(300.0)
    assert person.loc["event", "touches_dropped"] == 1
    account = report[report["level"] == ACCOUNT_LEVEL].set_index("channel")
    # At account level the last touch is Ann's chat touch either way.
    assert account["revenue_shift"].abs().max() == pytest.approx(0.0)
