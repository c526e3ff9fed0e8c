import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.scoring.segments import SegmentConfig, assign_segments, next_best_actions

CONFIG = SegmentConfig()
QUIET_MEMBER = {
    "person_id": "p",
    "consent": True,
    "is_customer": False,
    "has_open_opportunity": False,
    "days_since_first_seen": 200,
    "activities_90d": 2,
    "activities_prior_90d": 2,
    "contributions_90d": 0,
    "community_channels_90d": 1,
    "evaluation_signals_30d": 0,
    "conversion_propensity": 0.05,
    "churn_propensity": np.nan,
    "expansion_propensity": np.nan,
}


def members(*overrides: dict) -> pd.DataFrame:
    rows = []
    for index, override in enumerate(overrides):
        rows.append({**QUIET_MEMBER, "person_id": f"p{index}", **override})
    return pd.DataFrame(rows)


def segment_of(**override) -> str:
    return assign_segments(members(override), CONFIG)["segment"].iloc[0]


def action_of(**override) -> str | None:
    actions = next_best_actions(members(override), CONFIG)
    return actions["action"].iloc[0] if len(actions) else None


def test_segment_quiet_member_unsegmented():
    assert segment_of() == "unsegmented"


def test_segment_customer_high_churn_at_risk():
    assert segment_of(is_customer=True, churn_propensity=0.3) == "at_risk_member"


def test_segment_customer_low_churn_not_at_risk():
    assert segment_of(is_customer=True, churn_propensity=0.29) == "unsegmented"


def test_segment_activity_drop_at_risk():
    assert segment_of(activities_prior_90d=10, activities_90d=4) == "at_risk_member"


def test_segment_activity_drop_needs_prior_activity():
    assert segment_of(activities_prior_90d=3, activities_90d=0) == "unsegmented"


def test_segment_expansion_potential_customer():
    assert segment_of(is_customer=True, expansion_propensity=0.4) == "expansion_potential_customer"


def test_segment_at_risk_wins_over_expansion():
    segment = segment_of(is_customer=True, expansion_propensity=0.9, churn_propensity=0.5)
    assert segment == "at_risk_member"


def test_segment_evaluation_by_signal():
    assert segment_of(evaluation_signals_30d=1) == "evaluation_stage_prospect"


def test_segment_evaluation_by_open_opportunity():
    assert segment_of(has_open_opportunity=True) == "evaluation_stage_prospect"


def test_segment_evaluation_by_propensity():
    assert segment_of(conversion_propensity=0.3) == "evaluation_stage_prospect"


def test_segment_customer_not_evaluation_prospect():
    assert segment_of(is_customer=True, evaluation_signals_30d=5) == "unsegmented"


def test_segment_emerging_advocate():
    assert segment_of(contributions_90d=3, community_channels_90d=2) == "emerging_advocate"


def test_segment_advocate_needs_two_channels():
    assert segment_of(contributions_90d=10, community_channels_90d=1) == "unsegmented"


def test_segment_new_observer():
    assert segment_of(days_since_first_seen=30) == "new_observer"


def test_segment_new_member_who_contributes_not_observer():
    assert segment_of(days_since_first_seen=10, contributions_90d=1) == "unsegmented"


def test_segment_missing_propensity_never_matches():
    assert segment_of(is_customer=True, churn_propensity=np.nan) == "unsegmented"


def test_action_retention_outreach_for_at_risk():
    assert action_of(is_customer=True, churn_propensity=0.8) == "retention_outreach"


def test_action_sales_routing_for_expansion():
    assert action_of(is_customer=True, expansion_propensity=0.5) == "sales_routing"


def test_action_demo_invite_for_early_prospect():
    assert action_of(evaluation_signals_30d=2, conversion_propensity=0.2) == "demo_invite"


def test_action_sales_routing_for_ready_prospect():
    assert action_of(evaluation_signals_30d=2, conversion_propensity=0.6) == "sales_routing"


def test_action_sales_routing_for_open_opportunity():
    assert action_of(has_open_opportunity=True) == "sales_routing"


def test_action_ambassador_for_advocate():
    action = action_of(contributions_90d=4, community_channels_90d=3)
    assert action == "ambassador_referral_programme"


def test_action_educational_content_for_quiet_observer():
    assert action_of(days_since_first_seen=5, activities_90d=2) == "educational_content"


def test_action_invitation_for_active_observer():
    assert action_of(days_since_first_seen=5, activities_90d=3) == "invitation_to_participate"


def test_action_none_for_unsegmented():
    assert action_of() is None


@pytest.mark.parametrize("consent", [False, None, np.nan, "false", 0])
def test_action_none_without_consent(consent):
    frame = members(
        {"consent": consent, "is_customer": True, "churn_propensity": 0.9},
        {"consent": consent, "evaluation_signals_30d": 3},
        {"consent": consent, "contributions_90d": 5, "community_channels_90d": 3},
        {"consent": consent, "days_since_first_seen": 1},
    )
    assert next_best_actions(frame, CONFIG).empty
    assert (assign_segments(frame, CONFIG)["segment"] != "unsegmented").all()


def test_action_only_consented_rows_returned():
    frame = members(
        {"consent": True, "days_since_first_seen": 1},
        {"consent": False, "days_since_first_seen": 1},
        {"consent": "true", "days_since_first_seen": 1},
    )
    actions = next_best_actions(frame, CONFIG)
    assert actions["person_id"].tolist() == ["p0", "p2"]


def test_segments_invalid_consent_text_raises():
    with pytest.raises(DataQualityError, match=r"row 0, field 'consent'.*'maybe'"):
        assign_segments(members({"consent": "maybe"}), CONFIG)


def test_segments_missing_column_raises():
    with pytest.raises(DataQualityError, match="missing column"):
        assign_segments(members({}).drop(columns=["churn_propensity"]), CONFIG)


def test_segments_duplicate_person_raises():
    frame = pd.concat([members({}), members({})])
    with pytest.raises(DataQualityError, match="duplicate value 'p0'"):
        assign_segments(frame, CONFIG)


def test_segments_text_count_raises():
    # Coerced to NaN, the text used to leave the member unsegmented without a word.
    with pytest.raises(DataQualityError, match=r"row 0, field 'activities_90d'.*'a few'"):
        assign_segments(members({"activities_90d": "a few"}), CONFIG)


@pytest.mark.parametrize("value", [1.5, -0.2])
def test_segments_propensity_out_of_range_raises(value):
    with pytest.raises(DataQualityError, match=r"row 0, field 'churn_propensity'"):
        next_best_actions(members({"is_customer": True, "churn_propensity": value}), CONFIG)


def test_segments_negative_count_raises():
    with pytest.raises(DataQualityError, match=r"row 0, field 'contributions_90d'.*-3"):
        assign_segments(members({"contributions_90d": -3}), CONFIG)
