"""Governance over the warehouse: register the conversion model, review it, monitor bias.

`register_conversion_model` runs right after member scoring trains the conversion propensity
model. `run_model_review` is the scheduled review: it rebuilds labelled snapshots from the
marts exactly as training did, scores them with the registered champion, and writes one row
to `governance.model_reviews` and the per-group rows to `governance.bias_metrics`.
"""

import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass, field

import duckdb
import pandas as pd

from ml.governance.bias import BiasConfig, bias_metrics
from ml.governance.drift import profile_features
from ml.governance.feedback import FEEDBACK_COLUMNS, summarise_score_feedback
from ml.governance.registry import (
    SCHEMA,
    ModelRegistration,
    load_champion,
    register_model,
)
from ml.governance.review import ReviewConfig, ReviewResult, review_model
from ml.io import read_table, table_exists, transaction
from ml.metadata import current_git_commit
from ml.scoring.propensity import build_snapshots
from ml.scoring.warehouse import (
    MemberScoring,
    MemberScoringConfig,
    build_member_table,
    conversion_inputs,
    known_activities,
)

logger = logging.getLogger(__name__)

MODEL_NAME = "conversion_propensity"
DIMENSIONS = ["segment", "source", "region"]
# Region of each HubSpot company country; an unlisted country becomes "other".
COUNTRY_REGIONS = {
    "United States": "NA",
    "Canada": "NA",
    "United Kingdom": "EMEA",
    "Germany": "EMEA",
    "France": "EMEA",
    "Netherlands": "EMEA",
    "Spain": "EMEA",
    "Italy": "EMEA",
    "Nigeria": "EMEA",
    "India": "APAC",
    "Japan": "APAC",
    "Australia": "APAC",
    "Singapore": "APAC",
    "Brazil": "LATAM",
    "Mexico": "LATAM",
}
REVIEW_DDL = f"""
create table if not exists {SCHEMA}.model_reviews (
    reviewed_at timestamptz not null, model_name varchar not null, version varchar not null,
    review_start date, review_end date, rows bigint, positives bigint,
    auc double, brier double, ece double, base_rate double,
    registered_auc double, registered_brier double, registered_ece double,
    auc_drop double, brier_increase double, ece_increase double,
    max_psi double, max_psi_feature varchar, drifted_features varchar, psi_by_feature varchar,
    feedback_score_wrong bigint, feedback_score_right bigint, feedback_unresolved bigint,
    feedback_wrong_share double, flags varchar, is_flagged boolean, thresholds varchar
)
"""
BIAS_DDL = f"""
create table if not exists {SCHEMA}.bias_metrics (
    reviewed_at timestamptz not null, model_name varchar not null, version varchar not null,
    review_end date, dimension varchar not null, group_value varchar not null,
    rows bigint, positives bigint, positive_rate double, mean_score double,
    calibration_gap double, auc double, overall_auc double, overall_calibration_gap double,
    auc_gap double, calibration_gap_difference double, is_flagged boolean, flag_reasons varchar
)
"""


@dataclass(frozen=True)
class GroupConfig:
    """Sources of the bias dimensions.

    Attributes:
        region_level: "region" groups by `country_regions[country]` of the member's HubSpot
            company; "country" groups by the country itself.
        country_regions: Country (as HubSpot writes it) to region.
    """

    region_level: str = "region"
    country_regions: dict[str, str] = field(default_factory=lambda: dict(COUNTRY_REGIONS))


@dataclass(frozen=True)
class ScoringInputs:
    """Mart frames that conversion propensity is built from."""

    activities: pd.DataFrame
    members: pd.DataFrame
    accounts: pd.DataFrame
    opportunities: pd.DataFrame


@dataclass(frozen=True)
class ReviewOutcome:
    """A finished review: the review result and the bias rows written."""

    review: ReviewResult
    bias: pd.DataFrame


def read_scoring_inputs(con: duckdb.DuckDBPyConnection) -> ScoringInputs:
    """Read fct_activities, dim_members, dim_accounts and fct_opportunities from the marts."""
    tables = ("fct_activities", "dim_members", "dim_accounts", "fct_opportunities")
    return ScoringInputs(*(read_table(con, "marts", table) for table in tables))


def model_parameters(config: MemberScoringConfig) -> dict[str, object]:
    """Return the settings that define the conversion model, which are part of its version id."""
    propensity = config.propensity
    return {
        "horizon_days": propensity.horizon_days,
        "windows_days": list(propensity.windows_days),
        "test_cutoffs": propensity.test_cutoffs,
        "classifier": asdict(propensity.classifier),
        "cutoff_spacing_days": config.cutoff_spacing_days,
        "max_cutoffs": config.max_cutoffs,
        "seed": config.seed,
    }


def latest_labelled_cutoffs(
    as_of: pd.Timestamp, config: MemberScoringConfig, count: int
) -> list[pd.Timestamp]:
    """Return the latest `count` cutoffs whose label window has closed, spaced as in training."""
    last = as_of - pd.Timedelta(days=config.propensity.horizon_days)
    spacing = pd.Timedelta(days=config.cutoff_spacing_days)
    return [last - index * spacing for index in reversed(range(count))]


def labelled_snapshots(
    inputs: ScoringInputs, config: MemberScoringConfig, cutoffs: list[pd.Timestamp]
) -> pd.DataFrame:
    """Build conversion snapshots (features and labels) at the cutoffs, as training does."""
    known, _ = known_activities(inputs.activities)
    table = build_member_table(inputs.members, inputs.accounts, inputs.opportunities)
    entity_activities, events, eligibility = conversion_inputs(known, table)
    return build_snapshots(entity_activities, events, eligibility, cutoffs, config.propensity)


def _model_features(snapshots: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Feature columns in model order; columns the rows lack count as 0, as in scoring."""
    frame = snapshots.reindex(columns=features)
    absent = [name for name in features if name not in snapshots.columns]
    frame[absent] = 0.0
    return frame


def data_fingerprint(
    evaluation: pd.DataFrame, features: list[str], metrics: dict[str, float]
) -> str:
    """Hash the evaluation rows (keys, features, labels) and the training metrics.

    The metrics include the training row count, and a model fitted on other training rows
    almost surely scores the evaluation rows differently, so a change in training data
    changes the fingerprint even where the evaluation rows are the same.
    """
    columns = ["entity_id", "cutoff", *features, "label"]
    hashed = pd.util.hash_pandas_object(evaluation[columns], index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    # Rounded, so that float noise in the last digits cannot change the version.
    rounded = {name: round(value, 6) for name, value in metrics.items() if math.isfinite(value)}
    digest.update(json.dumps(rounded, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:16]


def register_conversion_model(
    con: duckdb.DuckDBPyConnection,
    scoring: MemberScoring,
    config: MemberScoringConfig,
    inputs: ScoringInputs,
) -> tuple[str, bool] | None:
    """Register the conversion model that `scoring` trained; None when none was trained.

    The feature profile describes the evaluation rows (the latest cutoffs of training), the
    same rows the registered metrics were measured on, so a review on unchanged data finds
    no drift.

    Returns:
        The version id and whether it was newly registered, or None.
    """
    if scoring.propensity is None:
        return None
    result = scoring.propensity
    features = list(result.model.feature_names)
    evaluation = sorted(pd.to_datetime(result.test_predictions["cutoff"]).unique())
    rows = labelled_snapshots(inputs, config, list(evaluation))
    model_rows = pd.concat(
        [rows[["entity_id", "cutoff", "label"]], _model_features(rows, features)], axis=1
    )
    training = latest_labelled_cutoffs(scoring.as_of, config, config.max_cutoffs)
    registration = ModelRegistration(
        model_name=MODEL_NAME,
        features=features,
        parameters=model_parameters(config),
        training_start=training[0].date(),
        training_end=evaluation[0].date(),
        evaluation_start=evaluation[0].date(),
        evaluation_end=evaluation[-1].date(),
        metrics=dict(result.metrics),
        feature_profile=profile_features(model_rows, features),
        trained_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
        data_fingerprint=data_fingerprint(model_rows, features, dict(result.metrics)),
        git_commit=current_git_commit(),
    )
    return register_model(con, registration, result.model)


def member_groups(
    con: duckdb.DuckDBPyConnection, inputs: ScoringInputs, config: GroupConfig
) -> pd.DataFrame:
    """Look up the segment, first-touch source and region of every member.

    segment is the member's current segment in `scoring.member_segments`. source is the
    channel of the member's earliest activity. region comes from the country of the HubSpot
    company mapped to the member's account. Each is NULL where the data is missing.
    """
    members = inputs.members[["person_id", "account_id"]].copy()
    # NOTE: this is the segment at scoring time, not at the review cutoff, so a member who
    # converted since is grouped with customers.
    if table_exists(con, "scoring", "member_segments"):
        segments = read_table(con, "scoring", "member_segments").set_index("person_id")
        members["segment"] = members["person_id"].map(segments["segment"])
    else:
        members["segment"] = None
    known, _ = known_activities(inputs.activities)
    first = known.sort_values("occurred_at").groupby("person_id")["channel"].first()
    members["source"] = members["person_id"].map(first)
    members["region"] = members["account_id"].map(_account_regions(con, config))
    return members.drop(columns=["account_id"])


def _account_regions(con: duckdb.DuckDBPyConnection, config: GroupConfig) -> pd.Series:
    """Region (or country) per account id from HubSpot companies; empty without them."""
    needed = [
        ("staging", "stg_hubspot__companies"),
        ("intermediate", "int_revenue__company_accounts_mapped"),
    ]
    if not all(table_exists(con, schema, table) for schema, table in needed):
        return pd.Series(dtype="string")
    countries = con.execute(
        "select mapped.account_id, min(companies.country) as country "
        "from intermediate.int_revenue__company_accounts_mapped as mapped "
        "join staging.stg_hubspot__companies as companies using (company_id) "
        "where companies.country is not null group by mapped.account_id"
    ).df()
    # NOTE: the HubSpot company country is the only location in the warehouse, so members
    # without an account or whose account has no company get no region.
    values = countries.set_index("account_id")["country"]
    if config.region_level == "country":
        return values
    return values.map(lambda country: config.country_regions.get(country, "other"))


def _replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, row: dict[str, object]
) -> None:
    """Replace the rows of one review (model, version, review end) with `frame`."""
    try:
        with transaction(con):
            con.execute(
                f"delete from {SCHEMA}.{table} where model_name = ? and version = ? "
                "and review_end is not distinct from ?",
                [row["model_name"], row["version"], row["review_end"]],
            )
            con.register("_governance_rows", frame)
            con.execute(f"insert into {SCHEMA}.{table} by name select * from _governance_rows")
    finally:
        con.unregister("_governance_rows")


def run_model_review(
    con: duckdb.DuckDBPyConnection,
    scoring_config: MemberScoringConfig,
    review_config: ReviewConfig,
    bias_config: BiasConfig,
    group_config: GroupConfig,
) -> ReviewOutcome | None:
    """Review the champion conversion model and write its review and bias rows.

    A rerun on the same data replaces the rows of the earlier run, keyed by model, version and
    last review cutoff. Returns None when no model is registered.
    """
    registered = load_champion(con, MODEL_NAME)
    if registered is None:
        logger.info("model review skipped: no registered %s model", MODEL_NAME)
        return None
    inputs = read_scoring_inputs(con)
    _, as_of = known_activities(inputs.activities)
    cutoffs = latest_labelled_cutoffs(as_of, scoring_config, review_config.review_cutoffs)
    snapshots = labelled_snapshots(inputs, scoring_config, cutoffs)
    feedback_rows = (
        read_table(con, "marts", "fct_model_feedback")
        if table_exists(con, "marts", "fct_model_feedback")
        else pd.DataFrame(columns=list(FEEDBACK_COLUMNS))
    )
    reviewed_at = pd.Timestamp.now(tz="UTC")
    # NOTE: all score feedback counts, also statements about scores of earlier model versions,
    # because the warehouse keeps no history of the scores a submitter saw.
    review = review_model(
        registered, snapshots, summarise_score_feedback(feedback_rows), review_config, reviewed_at
    )

    groups = member_groups(con, inputs, group_config).rename(columns={"person_id": "entity_id"})
    scored = review.predictions.merge(groups, on="entity_id", how="left")
    bias = bias_metrics(scored, DIMENSIONS, bias_config).assign(
        reviewed_at=reviewed_at,
        model_name=review.row["model_name"],
        version=review.row["version"],
        review_end=review.row["review_end"],
    )

    con.execute(REVIEW_DDL)
    con.execute(BIAS_DDL)
    _replace_rows(con, "model_reviews", pd.DataFrame([review.row]), review.row)
    _replace_rows(con, "bias_metrics", bias, review.row)
    logger.info(
        "model review of %s: flags %s; %s of %s bias groups flagged",
        review.row["version"],
        review.row["flags"] or "none",
        int(bias["is_flagged"].sum()),
        len(bias),
    )
    return ReviewOutcome(review=review, bias=bias)
