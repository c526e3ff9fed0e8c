import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.scoring.members import MemberFeatureConfig, build_member_features
from ml.scoring.segments import MEMBER_COLUMNS, SegmentConfig, next_best_actions

AS_OF = pd.Timestamp("2024-07-01T00:00:00Z")
CONFIG = MemberFeatureConfig()


def activity(person, activity_type, channel, occurred_at):
    return {
        "person_id": person,
        "activity_type": activity_type,
        "channel": channel,
        "occurred_at": occurred_at,
    }


def activities_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            activity("a", "forum_topic", "community_forum", "2024-06-20T10:00:00Z"),
            activity("a", "pull_request", "github", "2024-06-01T10:00:00Z"),
            activity("a", "forum_reply", "community_forum", "2024-05-01T10:00:00Z"),
            activity("a", "chat_message", "community_chat", "2024-02-01T10:00:00Z"),
            activity("a", "forum_topic", "community_forum", "2024-07-01T00:00:00Z"),
            activity("b", "pricing_page_visit", "direct", "2024-06-25T10:00:00Z"),
            activity(None, "web_session", "direct", "2024-06-25T10:00:00Z"),
        ]
    )


def members_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": ["a", "b", "c"],
            "consent": [True, False, True],
            "first_seen_at": ["2024-01-01", "2024-06-20", "2024-06-21"],
        }
    )


def test_build_member_features_counts_windows():
    features = build_member_features(activities_frame(), members_frame(), AS_OF, CONFIG)
    row = features.set_index("person_id").loc["a"]
    # The activity at exactly as_of is excluded; 1 Feb falls in the prior 90 days.
    assert row["activities_90d"] == 3
    assert row["activities_prior_90d"] == 1
    assert row["contributions_90d"] == 3
    assert row["community_channels_90d"] == 2


def test_build_member_features_evaluation_and_tenure():
    features = build_member_features(activities_frame(), members_frame(), AS_OF, CONFIG)
    row = features.set_index("person_id").loc["b"]
    assert row["evaluation_signals_30d"] == 1
    assert row["days_since_first_seen"] == pytest.approx(11.0)
    assert not row["consent"]


def test_build_member_features_defaults_for_missing_inputs():
    features = build_member_features(activities_frame(), members_frame(), AS_OF, CONFIG)
    row = features.set_index("person_id").loc["c"]
    assert row["activities_90d"] == 0
    assert not row["is_customer"]
    assert np.isnan(row["churn_propensity"])
    assert list(features.columns) == list(MEMBER_COLUMNS)


def test_build_member_features_joins_propensities():
    propensities = pd.DataFrame({"person_id": ["b"], "conversion_propensity": [0.7]})
    features = build_member_features(
        activities_frame(), members_frame(), AS_OF, CONFIG, propensities
    )
    by_person = features.set_index("person_id")
    assert by_person.loc["b", "conversion_propensity"] == 0.7
    assert np.isnan(by_person.loc["a", "conversion_propensity"])


def test_build_member_features_feed_actions():
    features = build_member_features(activities_frame(), members_frame(), AS_OF, CONFIG)
    actions = next_best_actions(features, SegmentConfig())
    # a is an emerging advocate; b is an evaluation prospect without consent; c is new.
    assert actions.set_index("person_id")["action"].to_dict() == {
        "a": "ambassador_referral_programme",
        "c": "educational_content",
    }


def test_build_member_features_missing_column_raises():
    with pytest.raises(DataQualityError, match="members: missing column"):
        build_member_features(
            activities_frame(), members_frame().drop(columns=["consent"]), AS_OF, CONFIG
        )


def test_member_features_repeated_propensity_raises():
    # Two scores for one person: drop_duplicates kept the first without a word.
    propensities = pd.DataFrame({"person_id": ["b", "b"], "conversion_propensity": [0.9, 0.1]})
    with pytest.raises(DataQualityError, match=r"propensities, field 'person_id'.*'b'"):
        build_member_features(activities_frame(), members_frame(), AS_OF, CONFIG, propensities)


def test_member_features_bad_time_names_row():
    activities = activities_frame()
    activities.loc[2, "occurred_at"] = "last Tuesday"
    with pytest.raises(DataQualityError, match=r"row 2, field 'occurred_at'.*'last Tuesday'"):
        build_member_features(activities, members_frame(), AS_OF, CONFIG)
