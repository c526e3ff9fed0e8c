"""Governance: the scheduled review of the registered conversion model and its bias check."""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ml.governance.bias import BiasConfig
from ml.governance.review import ReviewConfig
from ml.governance.warehouse import GroupConfig, run_model_review
from ml.scoring.warehouse import MemberScoringConfig
from orchestration.resources import WarehouseResource

GOVERNANCE_GROUP = "governance"
REVIEW_DEPS = [
    AssetKey(["governance", "model_registry"]),
    AssetKey(["scoring", "member_segments"]),
    AssetKey(["marts", "fct_activities"]),
    AssetKey(["marts", "dim_members"]),
    AssetKey(["marts", "dim_accounts"]),
    AssetKey(["marts", "fct_opportunities"]),
    AssetKey(["marts", "fct_model_feedback"]),
    AssetKey(["staging", "stg_hubspot__companies"]),
    AssetKey(["intermediate", "int_revenue__company_accounts_mapped"]),
]
_REVIEW = ReviewConfig()
_BIAS = BiasConfig()


class ModelReviewConfig(Config):
    """Thresholds of the model review and bias check (defaults in ml/governance)."""

    auc_tolerance: float = _REVIEW.auc_tolerance
    brier_tolerance: float = _REVIEW.brier_tolerance
    ece_tolerance: float = _REVIEW.ece_tolerance
    psi_threshold: float = _REVIEW.psi_threshold
    min_rows: int = _REVIEW.min_rows
    min_positives: int = _REVIEW.min_positives
    min_score_feedback: int = _REVIEW.min_score_feedback
    max_wrong_share: float = _REVIEW.max_wrong_share
    review_cutoffs: int = _REVIEW.review_cutoffs
    bias_auc_gap_tolerance: float = _BIAS.auc_gap_tolerance
    bias_calibration_gap_tolerance: float = _BIAS.calibration_gap_tolerance
    bias_min_rows: int = _BIAS.min_rows
    region_level: str = "region"


@multi_asset(
    specs=[
        AssetSpec(
            ["governance", "model_reviews"],
            group_name=GOVERNANCE_GROUP,
            deps=REVIEW_DEPS,
            description="One row per review of a registered model: live metrics, PSI, flags.",
        ),
        AssetSpec(
            ["governance", "bias_metrics"],
            group_name=GOVERNANCE_GROUP,
            deps=REVIEW_DEPS,
            description="Per review, model metrics by segment, source and region, gaps flagged.",
        ),
    ]
)
def model_review(
    context: AssetExecutionContext, config: ModelReviewConfig, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[None]]:
    """Score the latest labelled members with the champion conversion model, without retraining.

    Compares AUC, Brier score and calibration with the registered figures, measures feature
    drift (PSI) against the registered profile, counts "score was wrong" feedback, and checks
    the metrics by segment, source and region. See docs/model-governance.md.
    """
    review_config = ReviewConfig(
        **{name: getattr(config, name) for name in ReviewConfig.__dataclass_fields__}
    )
    bias_config = BiasConfig(
        auc_gap_tolerance=config.bias_auc_gap_tolerance,
        calibration_gap_tolerance=config.bias_calibration_gap_tolerance,
        min_rows=config.bias_min_rows,
    )
    with warehouse.get_connection() as con:
        outcome = run_model_review(
            con,
            MemberScoringConfig(),
            review_config,
            bias_config,
            GroupConfig(region_level=config.region_level),
        )
    if outcome is None:
        context.log.info("no registered conversion model; nothing reviewed")
        for name in ("model_reviews", "bias_metrics"):
            yield MaterializeResult(
                asset_key=["governance", name],
                metadata={"rows": 0, "note": "no registered conversion model to review"},
            )
        return

    row = outcome.review.row
    context.log.info(
        f"reviewed version {row['version']} on {row['rows']} rows: flags {row['flags'] or 'none'}"
    )
    yield MaterializeResult(
        asset_key=["governance", "model_reviews"],
        metadata={
            "version": row["version"],
            "rows_scored": row["rows"],
            "positives": row["positives"],
            "auc": row["auc"],
            "registered_auc": row["registered_auc"],
            "brier": row["brier"],
            "ece": row["ece"],
            "max_psi": row["max_psi"],
            "max_psi_feature": row["max_psi_feature"] or "",
            "feedback_score_wrong": row["feedback_score_wrong"],
            "feedback_score_right": row["feedback_score_right"],
            "flags": row["flags"] or "none",
        },
    )
    bias = outcome.bias
    flagged = bias[bias["is_flagged"]]
    yield MaterializeResult(
        asset_key=["governance", "bias_metrics"],
        metadata={
            "rows": len(bias),
            "groups_flagged": len(flagged),
            "flagged_groups": MetadataValue.md(
                "\n".join(
                    f"- {item.dimension}={item.group_value}: {item.flag_reasons}"
                    for item in flagged.itertuples()
                )
                or "none"
            ),
        },
    )
