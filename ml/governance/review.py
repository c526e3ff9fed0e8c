"""Review of a registered model on the latest labelled data, without retraining.

`review_model` scores labelled snapshot rows with the registered model, measures AUC, Brier
score and ECE, compares them with the registered evaluation metrics, computes each feature's
PSI against the registered profile and adds the score feedback counts. Every check that fails
becomes a flag; thresholds are `ReviewConfig` fields.
"""

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from ml.errors import ConfigurationError
from ml.governance.drift import feature_psi
from ml.governance.feedback import ScoreFeedback
from ml.governance.registry import RegisteredModel
from ml.scoring.calibration import brier_score, expected_calibration_error
from ml.scoring.propensity import score_snapshots

logger = logging.getLogger(__name__)

FLAG_FEW_ROWS = "too_few_labelled_rows"
FLAG_AUC = "auc_decay"
FLAG_BRIER = "brier_decay"
FLAG_ECE = "calibration_decay"
FLAG_DRIFT = "feature_drift"
FLAG_FEEDBACK = "feedback_score_wrong"


@dataclass(frozen=True)
class ReviewConfig:
    """Thresholds of the model review.

    Attributes:
        auc_tolerance: Flag when live AUC is more than this below the registered AUC.
        brier_tolerance: Flag when the live Brier score is more than this above the registered.
        ece_tolerance: Flag when live ECE is more than this above the registered ECE.
        psi_threshold: Flag a feature whose PSI exceeds this (0.2 is the common "major
            shift" reading).
        min_rows: Fewer labelled rows than this flag the review as too small to judge
            performance (drift is still judged).
        min_positives: Fewer positive labels than this do the same.
        min_score_feedback: Resolved score feedback rows needed before feedback can flag.
        max_wrong_share: Flag when more than this share of resolved score feedback states
            "wrong".
        review_cutoffs: Latest labelled snapshot cutoffs scored in a review.
    """

    auc_tolerance: float = 0.05
    brier_tolerance: float = 0.02
    ece_tolerance: float = 0.05
    psi_threshold: float = 0.2
    min_rows: int = 100
    min_positives: int = 10
    min_score_feedback: int = 5
    max_wrong_share: float = 0.5
    review_cutoffs: int = 2

    def __post_init__(self) -> None:
        tolerances = (self.auc_tolerance, self.brier_tolerance, self.ece_tolerance)
        if min(tolerances) < 0 or self.psi_threshold <= 0 or self.review_cutoffs < 1:
            raise ConfigurationError(
                f"review config {self}: expected non-negative tolerances, a positive PSI "
                "threshold and at least one review cutoff"
            )


@dataclass(frozen=True)
class ReviewResult:
    """One review: its `governance.model_reviews` row, flags, PSI and scored rows."""

    row: dict[str, Any]
    flags: list[str]
    psi: dict[str, float]
    predictions: pd.DataFrame


def live_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Measure AUC (NaN with one class), Brier score, ECE, base rate and rows of scored labels."""
    if labels.size == 0:
        nan = float("nan")
        return {"auc": nan, "brier": nan, "ece": nan, "base_rate": nan, "rows": 0.0}
    both = np.unique(labels).size == 2
    return {
        "auc": float(roc_auc_score(labels, probabilities)) if both else float("nan"),
        "brier": brier_score(labels, probabilities),
        "ece": expected_calibration_error(labels, probabilities),
        "base_rate": float(labels.mean()),
        "rows": float(labels.size),
    }


def _changes(registered: pd.Series, live: dict[str, float]) -> dict[str, float]:
    """Signed changes where positive means worse: AUC drop, Brier and ECE increases."""
    return {
        "auc_drop": float(registered["auc"]) - live["auc"],
        "brier_increase": live["brier"] - float(registered["brier"]),
        "ece_increase": live["ece"] - float(registered["ece"]),
    }


def _flags(
    changes: dict[str, float],
    psi: dict[str, float],
    enough: bool,
    feedback: ScoreFeedback,
    config: ReviewConfig,
) -> list[str]:
    flags = [] if enough else [FLAG_FEW_ROWS]
    if enough and changes["auc_drop"] > config.auc_tolerance:
        flags.append(FLAG_AUC)
    if enough and changes["brier_increase"] > config.brier_tolerance:
        flags.append(FLAG_BRIER)
    if enough and changes["ece_increase"] > config.ece_tolerance:
        flags.append(FLAG_ECE)
    if any(value > config.psi_threshold for value in psi.values()):
        flags.append(FLAG_DRIFT)
    resolved = feedback.score_wrong + feedback.score_right
    if resolved >= config.min_score_feedback and feedback.wrong_share > config.max_wrong_share:
        flags.append(FLAG_FEEDBACK)
    return flags


def review_model(
    registered: RegisteredModel,
    snapshots: pd.DataFrame,
    feedback: ScoreFeedback,
    config: ReviewConfig,
    reviewed_at: pd.Timestamp,
) -> ReviewResult:
    """Score labelled snapshots with the registered model and compare with its registration.

    Args:
        registered: The registry row and fitted model (see `load_champion`).
        snapshots: entity_id, cutoff, feature columns and label, built the way the model's
            training snapshots were.
        feedback: Score feedback counts about the model's scores.
        config: Thresholds.
        reviewed_at: Time recorded on the review row.

    Returns:
        The review row, its flags, PSI per feature and the scored rows (entity_id, cutoff,
        probability, label).
    """
    probabilities = np.array([], dtype=float)
    if len(snapshots):
        with threadpool_limits(limits=1):
            probabilities = score_snapshots(registered.model, snapshots)["probability"].to_numpy()
    predictions = snapshots[["entity_id", "cutoff", "label"]].assign(probability=probabilities)
    labels = predictions["label"].to_numpy(dtype=int)
    live = live_metrics(labels, predictions["probability"].to_numpy(dtype=float))
    positives = int(labels.sum())
    enough = labels.size >= config.min_rows and positives >= config.min_positives
    changes = _changes(registered.row, live)
    psi = feature_psi(registered.profile, snapshots) if len(snapshots) else {}
    flags = _flags(changes, psi, enough, feedback, config)

    drifted = sorted(name for name, value in psi.items() if value > config.psi_threshold)
    worst = max(psi, key=lambda name: psi[name]) if psi else None
    cutoffs = pd.to_datetime(predictions["cutoff"])
    row = {
        "reviewed_at": reviewed_at,
        "model_name": str(registered.row["model_name"]),
        "version": registered.version,
        "review_start": cutoffs.min().date() if len(cutoffs) else None,
        "review_end": cutoffs.max().date() if len(cutoffs) else None,
        "rows": int(labels.size),
        "positives": positives,
        **{name: live[name] for name in ("auc", "brier", "ece", "base_rate")},
        **{f"registered_{name}": float(registered.row[name]) for name in ("auc", "brier", "ece")},
        **changes,
        "max_psi": psi[worst] if worst else float("nan"),
        "max_psi_feature": worst,
        "drifted_features": ",".join(drifted),
        "psi_by_feature": json.dumps({name: round(value, 6) for name, value in psi.items()}),
        "feedback_score_wrong": feedback.score_wrong,
        "feedback_score_right": feedback.score_right,
        "feedback_unresolved": feedback.unresolved,
        "feedback_wrong_share": feedback.wrong_share,
        "flags": ",".join(flags),
        "is_flagged": bool(flags),
        "thresholds": json.dumps(asdict(config), sort_keys=True),
    }
    logger.info(
        "reviewed %s version %s on %s rows: auc %.3f (registered %.3f), max PSI %.3f, flags %s",
        row["model_name"],
        row["version"],
        row["rows"],
        live["auc"],
        row["registered_auc"],
        row["max_psi"],
        flags or "none",
    )
    return ReviewResult(row=row, flags=flags, psi=psi, predictions=predictions)
