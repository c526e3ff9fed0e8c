import pandas as pd
import pytest

from ml.attribution import AttributionConfig
from ml.attribution.journeys import AttributionInputError
from ml.attribution.sensitivity import (
    SENSITIVITY_COLUMNS,
    consent_shift,
    threshold_sensitivity,
    touch_records_from_activities,
    touches_under_clustering,
    with_main_clustering,
)
from ml.identity.accounts import make_account_id
from tests.ml.attribution.conftest import DAY0, make_conversions, make_touches

LINEAR = AttributionConfig(models=("linear",))


def touch_records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "touch_id": ["t1", "t2", "t3"],
            "record_id": ["r1", "r2", "r3"],
            "touched_at": [DAY0 + pd.Timedelta(days=day) for day in range(3)],
            "channel": ["webinar", "community_chat", "github"],
            "program": [None, None, None],
        }
    )


def identity_records() -> pd.DataFrame:
    # r2 is a personal mailbox: it joins the acme.com account only when merged with r1.
    return pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3"],
            "email": ["ann@acme.com", "ann.b@gmail.com", "bo@beta.io"],
            "company_domain": [None, None, None],
        }
    )


def threshold_clusters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "threshold": [0.5, 0.5, 0.5, 0.99, 0.99, 0.99],
            "record_id": ["r1", "r2", "r3"] * 2,
            "person_id": ["p1", "p1", "p3", "p1", "p2", "p3"],
        }
    )


def test_touches_under_clustering_maps_accounts():
    clusters = pd.DataFrame({"record_id": ["r1", "r2", "r3"], "person_id": ["p1", "p1", "p3"]})
    accounts = pd.DataFrame({"person_id": ["p1"], "account_id": ["acme"]})
    touches = touches_under_clustering(touch_records(), clusters, accounts)
    assert list(touches["touch_id"]) == ["t1", "t2"]
    assert set(touches["journey_id"]) == {"acme"}
    assert set(touches["person_id"]) == {"p1"}


def test_threshold_sensitivity_moves_merged_touch():
    conversions = make_conversions([("c1", make_account_id("acme.com"), "closed_won", 5, 100.0)])
    report = threshold_sensitivity(
        touch_records(),
        threshold_clusters(),
        identity_records(),
        conversions,
        LINEAR,
        model="linear",
    )
    credit = report.set_index(["threshold", "channel"])["revenue_credit"]
    assert list(report.columns) == SENSITIVITY_COLUMNS
    assert set(report["model"]) == {"linear"}
    assert credit[(0.5, "webinar")] == pytest.approx(50.0)
    assert credit[(0.5, "community_chat")] == pytest.approx(50.0)
    assert credit[(0.99, "webinar")] == pytest.approx(100.0)
    assert (0.99, "community_chat") not in credit.index


def test_threshold_sensitivity_keeps_other_touches():
    olist = make_touches([("olist:1", "o1", 0, "paid_search")])
    conversions = make_conversions([("c9", "olist:1", "closed_won", 1, 40.0)])
    report = threshold_sensitivity(
        touch_records(),
        threshold_clusters(),
        identity_records(),
        conversions,
        LINEAR,
        touches=olist,
        model="linear",
    )
    paid = report[report["channel"] == "paid_search"]
    assert list(paid["threshold"]) == [0.5, 0.99]
    assert paid["revenue_credit"].tolist() == pytest.approx([40.0, 40.0])


def test_consent_shift_moves_credit_to_consented():
    touches = make_touches([("j1", "t1", 0, "webinar"), ("j1", "t2", 1, "community_chat")])
    touches["consented"] = [True, False]
    conversions = make_conversions([("c1", "j1", "closed_won", 2, 100.0)])
    report = consent_shift(touches, conversions, LINEAR, models=("linear",))
    rows = report.set_index("channel")
    assert rows.loc["webinar", "revenue_credit_all"] == pytest.approx(50.0)
    assert rows.loc["webinar", "revenue_credit_consented"] == pytest.approx(100.0)
    assert rows.loc["webinar", "revenue_shift"] == pytest.approx(50.0)
    assert rows.loc["community_chat", "revenue_shift"] == pytest.approx(-50.0)
    assert rows.loc["community_chat", "share_consented"] == pytest.approx(0.0)
    assert rows.loc["community_chat", "touches_dropped"] == 1
    assert rows.loc["webinar", "touches_dropped"] == 0


def test_consent_shift_only_dropped_touch_goes_to_none():
    touches = make_touches([("j1", "t1", 0, "webinar")])
    touches["consented"] = [False]
    conversions = make_conversions([("c1", "j1", "closed_won", 2, 100.0)])
    rows = consent_shift(touches, conversions, LINEAR, models=("linear",)).set_index("channel")
    assert rows.loc["(none)", "revenue_credit_consented"] == pytest.approx(100.0)
    assert rows.loc["webinar", "revenue_credit_consented"] == pytest.approx(0.0)


def test_consent_shift_rejects_missing_flag():
    touches = make_touches([("j1", "t1", 0, "webinar")])
    conversions = make_conversions([("c1", "j1", "closed_won", 2, 100.0)])
    with pytest.raises(AttributionInputError, match="consented"):
        consent_shift(touches, conversions, LINEAR)
    touches["consented"] = [None]
    with pytest.raises(AttributionInputError, match="row 0"):
        consent_shift(touches, conversions, LINEAR)


def test_touch_records_from_activities_keeps_resolved_touches():
    activities = pd.DataFrame(
        {
            "activity_id": ["a1", "a2", "a3", "a4"],
            "record_id": ["r1", None, "r3", "r4"],
            "occurred_at": [DAY0, DAY0, DAY0, None],
            "channel": ["github", "direct", "webinar", "event"],
            "program": [None, None, "w1", None],
            "is_touch": [True, True, False, True],
        }
    )
    records = touch_records_from_activities(activities)
    assert list(records["touch_id"]) == ["a1"]
    assert list(records.columns) == ["touch_id", "record_id", "touched_at", "channel", "program"]


def test_with_main_clustering_replaces_same_threshold():
    main = pd.DataFrame({"record_id": ["r1", "r2", "r3"], "person_id": ["m1", "m1", "m3"]})
    combined = with_main_clustering(threshold_clusters(), main, 0.99)
    assert sorted(combined["threshold"].unique()) == [0.5, 0.99]
    at_main = combined[combined["threshold"] == 0.99]
    assert list(at_main["person_id"]) == ["m1", "m1", "m3"]
