"""Member features for the segment rules, built from the activity mart.

`build_member_features` turns one row per activity (as in `marts.fct_activities`:
person_id, activity_type, channel, occurred_at) and one row per member into the columns
`ml.scoring.segments.MEMBER_COLUMNS` expects, counting over windows that end at `as_of`
(exclusive). Activity types come from the project's event taxonomy seed.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.errors import DataQualityError
from ml.parsing import parse_times
from ml.scoring.segments import MEMBER_COLUMNS

logger = logging.getLogger(__name__)

PROPENSITY_COLUMNS = ("conversion_propensity", "churn_propensity", "expansion_propensity")


@dataclass(frozen=True)
class MemberFeatureConfig:
    """Activity types and channels that count as contributions, evaluation and community.

    Attributes:
        contribution_types: Activity types that create content others can respond to.
        evaluation_types: Activity types that signal a buying evaluation.
        community_channels: Channels counted in community_channels_90d.
    """

    contribution_types: tuple[str, ...] = (
        "chat_reply",
        "forum_topic",
        "forum_reply",
        "issue_activity",
        "issue_comment",
        "pull_request",
        "discussion",
        "discussion_comment",
    )
    evaluation_types: tuple[str, ...] = (
        "pricing_page_visit",
        "trial_start",
        "demo_request",
        "product_signup",
    )
    community_channels: tuple[str, ...] = (
        "community_chat",
        "community_forum",
        "github",
        "event",
        "webinar",
        "community_referral",
    )


def _window(
    activities: pd.DataFrame, as_of: pd.Timestamp, start_days: int, end_days: int
) -> pd.DataFrame:
    """Activities in [as_of - start_days, as_of - end_days)."""
    occurred = activities["occurred_at"]
    return activities[
        (occurred >= as_of - pd.Timedelta(days=start_days))
        & (occurred < as_of - pd.Timedelta(days=end_days))
    ]


def build_member_features(
    activities: pd.DataFrame,
    members: pd.DataFrame,
    as_of: pd.Timestamp,
    config: MemberFeatureConfig,
    propensities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build one segment-input row per member from activities before `as_of`.

    Args:
        activities: person_id, activity_type, channel, occurred_at. Rows without a
            person_id (anonymous visitors) are ignored.
        members: person_id, consent, first_seen_at, and optionally is_customer and
            has_open_opportunity (False when absent).
        as_of: Scoring time; only activities strictly before it count. Naive times are
            read as UTC.
        config: Activity types and channels.
        propensities: Optional person_id plus any of conversion_propensity,
            churn_propensity, expansion_propensity; missing values stay NaN.

    Returns:
        The columns of `MEMBER_COLUMNS`, one row per member, in the members' order.

    Raises:
        DataQualityError: on a missing column, a time that cannot be parsed or a person
            repeated in `propensities`.
    """
    for name, frame, required in (
        ("activities", activities, {"person_id", "activity_type", "channel", "occurred_at"}),
        ("members", members, {"person_id", "consent", "first_seen_at"}),
    ):
        missing = required - set(frame.columns)
        if missing:
            raise DataQualityError(
                f"member features input {name}: missing column(s) {sorted(missing)}; "
                f"expected {sorted(required)}"
            )
    as_of = _as_utc(as_of)
    known = activities.assign(
        occurred_at=_member_times(activities["occurred_at"], "activities", "occurred_at")
    ).dropna(subset=["person_id"])
    last_90 = _window(known, as_of, 90, 0)
    prior_90 = _window(known, as_of, 180, 90)
    last_30 = _window(known, as_of, 30, 0)

    people = members["person_id"]
    features = pd.DataFrame(
        {"person_id": people.to_numpy(), "consent": members["consent"].to_numpy()}
    )
    for column in ("is_customer", "has_open_opportunity"):
        features[column] = members[column].to_numpy() if column in members else False
    first_seen = _member_times(members["first_seen_at"], "members", "first_seen_at")
    features["days_since_first_seen"] = ((as_of - first_seen).dt.total_seconds() / 86400).to_numpy()

    def count(frame: pd.DataFrame) -> np.ndarray:
        return frame.groupby("person_id").size().reindex(people, fill_value=0).to_numpy()

    features["activities_90d"] = count(last_90)
    features["activities_prior_90d"] = count(prior_90)
    features["contributions_90d"] = count(
        last_90[last_90["activity_type"].isin(config.contribution_types)]
    )
    community = last_90[last_90["channel"].isin(config.community_channels)]
    features["community_channels_90d"] = (
        community.groupby("person_id")["channel"].nunique().reindex(people, fill_value=0).to_numpy()
    )
    features["evaluation_signals_30d"] = count(
        last_30[last_30["activity_type"].isin(config.evaluation_types)]
    )

    scores = propensities if propensities is not None else pd.DataFrame({"person_id": []})
    repeated = scores.loc[scores["person_id"].duplicated(), "person_id"]
    if len(repeated):
        raise DataQualityError(
            f"member features input propensities, field 'person_id': duplicate value "
            f"{repeated.iloc[0]!r}; expected one row per person"
        )
    scores = scores.set_index("person_id")
    for column in PROPENSITY_COLUMNS:
        source = scores[column] if column in scores else pd.Series(dtype=float)
        features[column] = source.reindex(people).to_numpy(dtype=float)
    logger.info("member features for %s members as of %s", len(features), as_of)
    return features[list(MEMBER_COLUMNS)]


def _member_times(values: pd.Series, name: str, column: str) -> pd.Series:
    """Parse a time column of a member features input as UTC."""
    return parse_times(
        values, f"member features input {name}", column, "an ISO 8601 time", utc=True
    )


def _as_utc(moment: pd.Timestamp) -> pd.Timestamp:
    """Return the time as UTC, reading a naive time as UTC."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
