"""Member scoring over warehouse marts: consent, segments, next-best actions, behaviour scores.

`score_members` takes frames read from the marts (activities, members, accounts,
opportunities) and returns typed output frames for the `scoring` schema. Every output keeps
its columns and dtypes when there are no members (a landing folder with only Olist data), so
the warehouse never gets NULL-typed columns.

Consent comes from `dim_members.consented`: the person's latest consent-management receipt
is `granted` (identity.person_consent). A person without a receipt has no consent.

Erasure happens upstream: the identity asset removes erased people from
`identity.person_clusters` and lists their hashed keys in `identity.erased_records`, which
staging filters on, so erased people never reach the marts. `check_members_current` rejects
marts built before the latest identity run, which could still hold a person erased since.
"""

import logging
from dataclasses import dataclass, field

import pandas as pd
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from ml.errors import DataQualityError
from ml.metadata import ModelMetadata, build_metadata
from ml.scoring.behaviour import VALUE_COLUMNS, BehaviourConfig, fit_action_values, score_behaviour
from ml.scoring.members import MemberFeatureConfig, build_member_features
from ml.scoring.propensity import (
    PropensityConfig,
    PropensityResult,
    build_snapshots,
    score_snapshots,
    train_propensity,
)
from ml.scoring.segments import SegmentConfig, assign_segments, next_best_actions

logger = logging.getLogger(__name__)

SEGMENT_DTYPES = {
    "person_id": "string",
    "segment": "string",
    "reason": "string",
    "consent": "boolean",
    "consent_basis": "string",
    "is_customer": "boolean",
    "has_open_opportunity": "boolean",
    "activities_90d": "Int64",
    "contributions_90d": "Int64",
    "evaluation_signals_30d": "Int64",
    "conversion_propensity": "Float64",
    "behaviour_score": "Float64",
    "scored_at": "datetime64[us, UTC]",
}
ACTION_DTYPES = {
    "person_id": "string",
    "segment": "string",
    "action": "string",
    "reason": "string",
    "scored_at": "datetime64[us, UTC]",
}
BEHAVIOUR_DTYPES = {
    "person_id": "string",
    "behaviour_score": "Float64",
    "scored_at": "datetime64[us, UTC]",
}
ACTION_VALUE_DTYPES = {
    "action": "string",
    "persons_with_action": "Int64",
    "conversion_rate_with": "Float64",
    "conversion_rate_without": "Float64",
    "lift": "Float64",
    "coefficient": "Float64",
    "points": "Float64",
}
# Consent basis of a member without a consent receipt. Otherwise the basis is the member's
# consent status (granted, denied, withdrawn, expired or unknown).
CONSENT_DEFAULT = "no_record"


@dataclass(frozen=True)
class MemberScoringConfig:
    """Settings of the member scoring run.

    Attributes:
        features: Activity types and channels of the member features.
        segments: Segment thresholds.
        behaviour: Behaviour score settings.
        propensity: Conversion propensity settings.
        cutoff_spacing_days: Days between training snapshot cutoffs.
        max_cutoffs: Latest cutoffs kept for training and testing.
        min_positive_labels: Fewer positive snapshots than this skips the propensity model.
        seed: Seed recorded with the propensity model (its classifier has its own seed).
    """

    features: MemberFeatureConfig = field(default_factory=MemberFeatureConfig)
    segments: SegmentConfig = field(default_factory=SegmentConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    propensity: PropensityConfig = field(default_factory=PropensityConfig)
    cutoff_spacing_days: int = 30
    max_cutoffs: int = 12
    min_positive_labels: int = 20
    seed: int = 20261204


@dataclass(frozen=True)
class MemberScoring:
    """Output frames of one scoring run, and the propensity model if one was trained."""

    member_segments: pd.DataFrame
    next_best_actions: pd.DataFrame
    behaviour_scores: pd.DataFrame
    action_values: pd.DataFrame
    propensity: PropensityResult | None
    propensity_skipped_reason: str | None
    as_of: pd.Timestamp


def typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Return the columns of `dtypes` in order, cast to those dtypes (also when empty)."""
    return pd.DataFrame(
        {column: frame[column].astype(dtype) for column, dtype in dtypes.items()},
        index=frame.index,
    ).reset_index(drop=True)


def check_members_current(members: pd.DataFrame, clusters: pd.DataFrame) -> None:
    """Raise unless every member's person id is in the latest identity clusters.

    The marts are tables built by dbt after the identity asset. When identity ran again
    since (an erasure, a split, a merge), `dim_members` still lists the old people, among
    them anyone erased in that run, and scoring them would give an erased person a score.

    Args:
        members: dim_members rows with person_id.
        clusters: identity.person_clusters rows with person_id.

    Raises:
        DataQualityError: Some members are not in the clusters.
    """
    stale = sorted(set(members["person_id"].dropna()) - set(clusters["person_id"].dropna()))
    if stale:
        raise DataQualityError(
            f"marts.dim_members: {len(stale)} person id(s) not in identity.person_clusters "
            f"(first: {stale[0]!r}); the marts are older than the last identity run. "
            "Rebuild the marts (dbt build) before scoring."
        )


def build_member_table(
    members: pd.DataFrame,
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
) -> pd.DataFrame:
    """Join members to their account's customer state and open deals, and derive consent.

    Args:
        members: dim_members rows: person_id, account_id, consent_status, consented,
            first_seen_at.
        accounts: dim_accounts rows: account_id, is_customer, first_won_at.
        opportunities: fct_opportunities rows: account_id, is_closed.

    Returns:
        person_id, consent, consent_basis, first_seen_at, is_customer, has_open_opportunity
        and converted_at (the account's first won deal, NaT if none).
    """
    table = members[
        ["person_id", "account_id", "consent_status", "consented", "first_seen_at"]
    ].merge(accounts[["account_id", "is_customer", "first_won_at"]], on="account_id", how="left")
    is_closed = opportunities["is_closed"].fillna(False).astype(bool)
    open_accounts = set(opportunities.loc[~is_closed, "account_id"])
    # NOTE: a member without a consent receipt has no consent, so no next-best action, also
    # where local rules would allow outreach without opt-in.
    table["consent"] = table["consented"].astype("boolean").fillna(False).astype(bool)
    status = table["consent_status"].astype("string").fillna(CONSENT_DEFAULT)
    table["consent_basis"] = status.astype(str)
    table["is_customer"] = table["is_customer"].astype("boolean").fillna(False).astype(bool)
    table["has_open_opportunity"] = table["account_id"].isin(open_accounts)
    table["converted_at"] = pd.to_datetime(table["first_won_at"], utc=True)
    return table.drop(columns=["account_id", "consent_status", "consented", "first_won_at"])


def _cutoffs(as_of: pd.Timestamp, config: MemberScoringConfig) -> list[pd.Timestamp]:
    """Training cutoffs spaced back from the last one whose label window has closed."""
    last = as_of - pd.Timedelta(days=config.propensity.horizon_days)
    spacing = pd.Timedelta(days=config.cutoff_spacing_days)
    return [last - index * spacing for index in reversed(range(config.max_cutoffs))]


def conversion_inputs(
    activities: pd.DataFrame, table: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Shape activities and the member table for `build_snapshots` of conversion propensity.

    Returns:
        Activities (entity_id, action, occurred_at), conversion events (entity_id,
        occurred_at) and eligibility (from first seen until converted).
    """
    entity_activities = activities.rename(
        columns={"person_id": "entity_id", "activity_type": "action"}
    )[["entity_id", "action", "occurred_at"]]
    converted = table.dropna(subset=["converted_at"])
    events = converted.rename(columns={"person_id": "entity_id", "converted_at": "occurred_at"})
    eligibility = pd.DataFrame(
        {
            "entity_id": table["person_id"],
            "eligible_from": pd.to_datetime(table["first_seen_at"], utc=True),
            "eligible_until": table["converted_at"],
        }
    )
    return entity_activities, events, eligibility


def known_activities(activities: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Keep activities of known persons (UTC times) and return them with the scoring time.

    The scoring time is the day after the latest activity of a known person, so a rerun on
    the same warehouse gives the same result.
    """
    known = activities.dropna(subset=["person_id"]).assign(
        occurred_at=lambda frame: pd.to_datetime(frame["occurred_at"], utc=True)
    )
    latest = known["occurred_at"].max() if not known.empty else pd.Timestamp("1970-01-01", tz="UTC")
    return known, latest.floor("D") + pd.Timedelta(days=1)


def fit_conversion_propensity(
    activities: pd.DataFrame, table: pd.DataFrame, as_of: pd.Timestamp, config: MemberScoringConfig
) -> tuple[pd.DataFrame, PropensityResult | None, str | None]:
    """Train conversion-within-horizon propensity and score members not yet converted at as_of.

    Returns:
        person_id and conversion_propensity (empty when skipped), the trained result or None,
        and the reason it was skipped or None.
    """
    empty = pd.DataFrame({"person_id": pd.Series(dtype="string"), "conversion_propensity": []})
    entity_activities, events, eligibility = conversion_inputs(activities, table)
    snapshots = build_snapshots(
        entity_activities, events, eligibility, _cutoffs(as_of, config), config.propensity
    )
    positives = int(snapshots["label"].sum()) if not snapshots.empty else 0
    if positives < config.min_positive_labels:
        reason = f"{positives} positive snapshots; at least {config.min_positive_labels} needed"
        logger.info("conversion propensity skipped: %s", reason)
        return empty, None, reason
    try:
        # One OpenMP thread, because on a 2-core machine at load average 5 the default thread
        # count made one 300-iteration boosting fit on 3,125 rows take 20 s instead of 1.7 s.
        with threadpool_limits(limits=1):
            result = train_propensity(snapshots, config.propensity)
    except DataQualityError as error:
        logger.info("conversion propensity skipped: %s", error)
        return empty, None, str(error)

    current = build_snapshots(entity_activities, events, eligibility, [as_of], config.propensity)
    if current.empty:
        return empty, result, None
    with threadpool_limits(limits=1):
        scores = score_snapshots(result.model, current)
    return (
        pd.DataFrame(
            {
                "person_id": scores["entity_id"].astype("string"),
                "conversion_propensity": scores["probability"].astype(float),
            }
        ),
        result,
        None,
    )


def fit_behaviour_scores(
    activities: pd.DataFrame, table: pd.DataFrame, as_of: pd.Timestamp, config: BehaviourConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit action values on conversion and score every member with activity.

    Returns:
        The action values (empty when all members share one outcome) and person_id,
        behaviour_score.
    """
    outcomes = table[["person_id", "converted_at"]]
    actions = activities.rename(columns={"activity_type": "action"})
    no_scores = pd.DataFrame({"person_id": [], "behaviour_score": []})
    if outcomes.empty or actions.empty:
        return pd.DataFrame({column: [] for column in VALUE_COLUMNS}), no_scores
    try:
        values = fit_action_values(actions, outcomes, as_of, config)
    except DataQualityError as error:
        logger.info("behaviour values skipped: %s", error)
        values = pd.DataFrame({column: [] for column in VALUE_COLUMNS})
    if values.empty:
        return values, no_scores
    in_scope = actions[actions["person_id"].isin(table["person_id"])]
    return values, score_behaviour(in_scope, values, as_of)


def explain_segment(row: pd.Series, config: SegmentConfig) -> str:
    """Say which figures put one member in their segment, in the rule order of `segments`."""
    segment = row["segment"]
    if segment == "at_risk_member":
        if row["is_customer"] and row["churn_propensity"] >= config.at_risk_churn_propensity:
            return f"customer with churn propensity {row['churn_propensity']:.2f}"
        return (
            f"{row['activities_90d']:.0f} activities in the last 90 days after "
            f"{row['activities_prior_90d']:.0f} in the 90 days before"
        )
    if segment == "expansion_potential_customer":
        return f"customer with expansion propensity {row['expansion_propensity']:.2f}"
    if segment == "evaluation_stage_prospect":
        if row["has_open_opportunity"]:
            return "not a customer, account has an open opportunity"
        if row["evaluation_signals_30d"] >= config.evaluation_min_signals:
            return f"{row['evaluation_signals_30d']:.0f} evaluation signals in the last 30 days"
        return f"conversion propensity {row['conversion_propensity']:.2f}"
    if segment == "emerging_advocate":
        return (
            f"{row['contributions_90d']:.0f} contributions in 90 days across "
            f"{row['community_channels_90d']:.0f} community channels"
        )
    if segment == "new_observer":
        return (
            f"first seen {row['days_since_first_seen']:.0f} days ago, "
            f"{row['activities_90d']:.0f} activities and no contribution"
        )
    return "no segment rule matched"


def score_members(
    activities: pd.DataFrame,
    members: pd.DataFrame,
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    config: MemberScoringConfig,
) -> MemberScoring:
    """Score every member: consent, propensity, behaviour score, segment and next-best action.

    The scoring time is the day after the latest activity of a known person, so a rerun on
    the same warehouse gives the same result.

    Args:
        activities: fct_activities rows: person_id, activity_type, channel, occurred_at.
        members: dim_members rows: person_id, account_id, consent_status, consented,
            first_seen_at.
        accounts: dim_accounts rows: account_id, is_customer, first_won_at.
        opportunities: fct_opportunities rows: account_id, is_closed.
        config: Settings of every step.

    Returns:
        Typed output frames (columns as in the `*_DTYPES` constants, also when empty) and the
        propensity model, or the reason it was skipped.
    """
    known, as_of = known_activities(activities)
    table = build_member_table(members, accounts, opportunities)

    propensities, propensity, skipped = fit_conversion_propensity(known, table, as_of, config)
    values, behaviour = fit_behaviour_scores(known, table, as_of, config.behaviour)
    features = build_member_features(
        known, table, as_of, config.features, propensities=propensities
    )
    features["consent"] = features["consent"].astype(bool)
    features["segment"] = assign_segments(features, config.segments)["segment"].to_numpy()
    features["reason"] = [explain_segment(row, config.segments) for _, row in features.iterrows()]
    # Lookups by person_id rather than merges: empty frames carry mismatched key dtypes.
    people = features["person_id"]
    features["behaviour_score"] = people.map(behaviour.set_index("person_id")["behaviour_score"])
    features["consent_basis"] = people.map(table.set_index("person_id")["consent_basis"])
    features["scored_at"] = as_of

    actions = next_best_actions(features, config.segments)
    reasons = actions["person_id"].map(features.set_index("person_id")["reason"])
    actions["reason"] = actions["segment"] + ": " + reasons
    actions["scored_at"] = as_of
    behaviour = behaviour.assign(scored_at=as_of)
    logger.info(
        "scored %s members as of %s: %s actions, %s behaviour scores",
        len(features),
        as_of,
        len(actions),
        len(behaviour),
    )
    return MemberScoring(
        member_segments=typed(features, SEGMENT_DTYPES),
        next_best_actions=typed(actions, ACTION_DTYPES),
        behaviour_scores=typed(behaviour, BEHAVIOUR_DTYPES),
        action_values=typed(values, ACTION_VALUE_DTYPES),
        propensity=propensity,
        propensity_skipped_reason=skipped,
        as_of=as_of,
    )


def propensity_metadata(scoring: MemberScoring, config: MemberScoringConfig) -> ModelMetadata:
    """Describe the trained conversion propensity model for `ml.metadata.write_metadata`.

    The training window runs from the first snapshot cutoff to the first test cutoff.

    Raises:
        DataQualityError: when no propensity model was trained.
    """
    if scoring.propensity is None:
        raise DataQualityError(
            f"member scoring as of {scoring.as_of}: no propensity model was trained "
            f"({scoring.propensity_skipped_reason}); expected a trained model"
        )
    result = scoring.propensity
    return build_metadata(
        "conversion_propensity",
        list(result.model.feature_names),
        training_start=_cutoffs(scoring.as_of, config)[0].date(),
        training_end=pd.Timestamp(result.test_predictions["cutoff"].min()).date(),
        seed=config.seed,
        row_counts={
            "train": int(result.metrics["train_rows"]),
            "test": int(result.metrics["test_rows"]),
        },
        metrics=result.metrics,
        parameters={
            "horizon_days": config.propensity.horizon_days,
            "windows_days": list(config.propensity.windows_days),
            "cutoff_spacing_days": config.cutoff_spacing_days,
            "max_cutoffs": config.max_cutoffs,
            "as_of": scoring.as_of.isoformat(),
        },
    )
