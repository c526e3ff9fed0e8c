"""Member segments and the next-best action for each member who consented to outreach.

Input: one row per member with the columns in `MEMBER_COLUMNS` (counts over trailing
windows ending at the scoring date, flags and propensities). Each member gets the first
segment whose rule matches, in this order:

1. `at_risk_member`: a customer with churn_propensity >= at_risk_churn_propensity, or
   any member whose activities in the last 90 days fell below at_risk_activity_ratio
   times those of the 90 days before, when the earlier window had at least
   at_risk_min_prior_activities.
2. `expansion_potential_customer`: a customer with
   expansion_propensity >= expansion_propensity.
3. `evaluation_stage_prospect`: not a customer, and an open opportunity, or at least
   evaluation_min_signals evaluation signals (pricing page, sign-up, trial, demo request)
   in the last 30 days, or conversion_propensity >= evaluation_propensity.
4. `emerging_advocate`: at least advocate_min_contributions contributions (posts,
   replies, pull requests, talks) in the last 90 days across at least
   advocate_min_channels community channels.
5. `new_observer`: first seen at most new_member_days ago, with no contribution.
6. `unsegmented`: none of the above.

A missing propensity (NaN) never meets a threshold, so rules that need it do not match.

Next-best actions (`next_best_actions`), produced only for members whose `consent` is
True. Flags accept booleans, 1/0 and true/false text; a missing consent counts as no
consent:
    at_risk_member -> retention_outreach; expansion_potential_customer -> sales_routing;
    evaluation_stage_prospect -> sales_routing with an open opportunity or
    conversion_propensity >= sales_routing_propensity, demo_invite otherwise;
    emerging_advocate -> ambassador_referral_programme; new_observer ->
    educational_content below observer_active_activities activities in the last 90 days,
    invitation_to_participate from there on; unsegmented -> no action.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.errors import DataQualityError

logger = logging.getLogger(__name__)

MEMBER_COLUMNS = (
    "person_id",
    "consent",
    "is_customer",
    "has_open_opportunity",
    "days_since_first_seen",
    "activities_90d",
    "activities_prior_90d",
    "contributions_90d",
    "community_channels_90d",
    "evaluation_signals_30d",
    "conversion_propensity",
    "churn_propensity",
    "expansion_propensity",
)
SEGMENTS = (
    "at_risk_member",
    "expansion_potential_customer",
    "evaluation_stage_prospect",
    "emerging_advocate",
    "new_observer",
    "unsegmented",
)
ACTIONS = (
    "educational_content",
    "invitation_to_participate",
    "demo_invite",
    "sales_routing",
    "ambassador_referral_programme",
    "retention_outreach",
)


@dataclass(frozen=True)
class SegmentConfig:
    """Thresholds of the segment rules and the action choice (see the module docstring)."""

    at_risk_churn_propensity: float = 0.3
    at_risk_activity_ratio: float = 0.5
    at_risk_min_prior_activities: int = 4
    expansion_propensity: float = 0.3
    evaluation_min_signals: int = 1
    evaluation_propensity: float = 0.3
    sales_routing_propensity: float = 0.6
    advocate_min_contributions: int = 3
    advocate_min_channels: int = 2
    new_member_days: int = 30
    observer_active_activities: int = 3


_TRUE_VALUES = {True, "true", "t", "yes", "1"}
_FALSE_VALUES = {False, "false", "f", "no", "0", ""}


def _to_flag(value: object, column: str, row: int) -> bool:
    """Read a boolean flag; missing values are False, unknown text raises."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    normalised = value.strip().lower() if isinstance(value, str) else value
    if normalised in _TRUE_VALUES:
        return True
    if normalised in _FALSE_VALUES:
        return False
    raise DataQualityError(
        f"member features, row {row}, field {column!r}: invalid value {value!r}; "
        "expected true/false, 1/0 or empty"
    )


def _validated(members: pd.DataFrame) -> pd.DataFrame:
    """Check the required columns and return a copy with typed flags and numbers."""
    missing = [column for column in MEMBER_COLUMNS if column not in members.columns]
    if missing:
        raise DataQualityError(
            f"member features: missing column(s) {missing}; expected {list(MEMBER_COLUMNS)}"
        )
    frame = members[list(MEMBER_COLUMNS)].copy()
    if frame["person_id"].duplicated().any():
        duplicate = frame.loc[frame["person_id"].duplicated(), "person_id"].iloc[0]
        raise DataQualityError(
            f"member features, field 'person_id': duplicate value {duplicate!r}; "
            "expected one row per member"
        )
    for column in ("consent", "is_customer", "has_open_opportunity"):
        frame[column] = [
            _to_flag(value, column, row) for row, value in enumerate(frame[column].tolist())
        ]
    for column in MEMBER_COLUMNS[4:]:
        frame[column] = _parse_numbers(frame[column], column)
    return frame


_COUNT_COLUMNS = (
    "activities_90d",
    "activities_prior_90d",
    "contributions_90d",
    "community_channels_90d",
    "evaluation_signals_30d",
)
_PROPENSITY_COLUMNS = ("conversion_propensity", "churn_propensity", "expansion_propensity")


def _parse_numbers(values: pd.Series, column: str) -> pd.Series:
    """Parse a numeric column. Missing values stay NaN, and any other unreadable value raises.

    Counts must not be negative and propensities must lie in [0, 1], so a score on another
    scale cannot pass a threshold meant for probabilities.
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    for row, (given, number) in enumerate(zip(values.tolist(), numbers.tolist(), strict=True)):
        if np.isnan(number):
            if pd.isna(given):
                continue
            expected = "a number or empty"
        elif column in _COUNT_COLUMNS and number < 0:
            expected = "a count of 0 or more"
        elif column in _PROPENSITY_COLUMNS and not 0.0 <= number <= 1.0:
            expected = "a probability between 0 and 1, or empty"
        else:
            continue
        raise DataQualityError(
            f"member features, row {row}, field {column!r}: invalid value {given!r}; "
            f"expected {expected}"
        )
    return numbers


def _rule_masks(frame: pd.DataFrame, config: SegmentConfig) -> dict[str, pd.Series]:
    """Boolean mask per segment rule, before the first-match priority is applied."""
    customer = frame["is_customer"]
    activity_dropped = (frame["activities_prior_90d"] >= config.at_risk_min_prior_activities) & (
        frame["activities_90d"] < config.at_risk_activity_ratio * frame["activities_prior_90d"]
    )
    return {
        "at_risk_member": (
            customer & (frame["churn_propensity"] >= config.at_risk_churn_propensity)
        )
        | activity_dropped,
        "expansion_potential_customer": customer
        & (frame["expansion_propensity"] >= config.expansion_propensity),
        "evaluation_stage_prospect": ~customer
        & (
            frame["has_open_opportunity"]
            | (frame["evaluation_signals_30d"] >= config.evaluation_min_signals)
            | (frame["conversion_propensity"] >= config.evaluation_propensity)
        ),
        "emerging_advocate": (frame["contributions_90d"] >= config.advocate_min_contributions)
        & (frame["community_channels_90d"] >= config.advocate_min_channels),
        "new_observer": (frame["days_since_first_seen"] <= config.new_member_days)
        & (frame["contributions_90d"] == 0),
    }


def assign_segments(members: pd.DataFrame, config: SegmentConfig) -> pd.DataFrame:
    """Assign every member the first segment whose rule matches.

    Segments are assigned to every member, consented or not, because they feed
    aggregate reporting; only `next_best_actions` is limited to consented members.

    Args:
        members: One row per member with the columns in `MEMBER_COLUMNS`.
        config: Rule thresholds.

    Returns:
        Columns person_id, consent, segment, in input order.

    Raises:
        DataQualityError: on a missing column, a repeated person_id, an unreadable flag
            or number, a negative count or a propensity outside [0, 1].
    """
    frame = _validated(members)
    masks = _rule_masks(frame, config)
    segment = pd.Series("unsegmented", index=frame.index, dtype=object)
    for name in reversed(SEGMENTS[:-1]):
        segment = segment.mask(masks[name], name)
    result = frame[["person_id", "consent"]].assign(segment=segment.to_numpy())
    logger.info("segments: %s", result["segment"].value_counts().to_dict())
    return result.reset_index(drop=True)


def _choose_action(row: pd.Series, config: SegmentConfig) -> str | None:
    """Next-best action of one segmented member, None for unsegmented members."""
    segment = row["segment"]
    if segment == "at_risk_member":
        return "retention_outreach"
    if segment == "expansion_potential_customer":
        return "sales_routing"
    if segment == "evaluation_stage_prospect":
        ready = row["has_open_opportunity"] or (
            row["conversion_propensity"] >= config.sales_routing_propensity
        )
        return "sales_routing" if ready else "demo_invite"
    if segment == "emerging_advocate":
        return "ambassador_referral_programme"
    if segment == "new_observer":
        if row["activities_90d"] >= config.observer_active_activities:
            return "invitation_to_participate"
        return "educational_content"
    return None


def next_best_actions(members: pd.DataFrame, config: SegmentConfig) -> pd.DataFrame:
    """Choose one next-best action per consented, segmented member.

    Members without consent get no row at all, so no downstream step can act on them.

    Args:
        members: One row per member with the columns in `MEMBER_COLUMNS`.
        config: Rule thresholds.

    Returns:
        Columns person_id, segment, action; only members with consent True and a
        segment other than unsegmented.

    Raises:
        DataQualityError: on a missing column, a repeated person_id, an unreadable flag
            or number, a negative count or a propensity outside [0, 1].
    """
    frame = _validated(members)
    frame["segment"] = assign_segments(members, config)["segment"].to_numpy()
    eligible = frame[frame["consent"] & (frame["segment"] != "unsegmented")]
    actions = [_choose_action(row, config) for _, row in eligible.iterrows()]
    result = pd.DataFrame(
        {
            "person_id": eligible["person_id"].to_numpy(),
            "segment": eligible["segment"].to_numpy(),
            "action": np.array(actions, dtype=object),
        }
    )
    withheld = int((~frame["consent"] & (frame["segment"] != "unsegmented")).sum())
    logger.info(
        "next-best actions: %s members, %s withheld for lack of consent", len(result), withheld
    )
    return result
