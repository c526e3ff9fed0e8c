"""Bias monitoring: model metrics per group of a dimension, with flagged gaps.

For every dimension (segment, source, region) and every group in it, `bias_metrics` reports
rows, positives, the observed positive rate and the mean score. It adds the calibration gap
(mean score minus positive rate) and, where the group has enough of both classes, the AUC.
A group is flagged when it has at least `min_rows` rows and its AUC or calibration gap differs
from the overall figure by more than the tolerance. The positive rate is reported but not flagged,
because groups may truly convert at different rates. The model is at fault only when it ranks
or calibrates a group worse.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ml.errors import ConfigurationError, DataQualityError

UNKNOWN_GROUP = "unknown"
FLAG_AUC_GAP = "auc_gap"
FLAG_CALIBRATION_GAP = "calibration_gap"
BIAS_COLUMNS = [
    "dimension",
    "group_value",
    "rows",
    "positives",
    "positive_rate",
    "mean_score",
    "calibration_gap",
    "auc",
    "overall_auc",
    "overall_calibration_gap",
    "auc_gap",
    "calibration_gap_difference",
    "is_flagged",
    "flag_reasons",
]


@dataclass(frozen=True)
class BiasConfig:
    """Thresholds of the bias check.

    Attributes:
        auc_gap_tolerance: Flag a group whose AUC differs from the overall AUC by more.
        calibration_gap_tolerance: Flag a group whose calibration gap differs from the overall
            calibration gap by more (in probability points).
        min_rows: Groups with fewer rows are reported but never flagged.
        min_class_rows: AUC is computed only when a group has this many positives and as many
            negatives.
    """

    auc_gap_tolerance: float = 0.10
    calibration_gap_tolerance: float = 0.05
    min_rows: int = 100
    min_class_rows: int = 5

    def __post_init__(self) -> None:
        if min(self.auc_gap_tolerance, self.calibration_gap_tolerance) < 0 or self.min_rows < 1:
            raise ConfigurationError(
                f"bias config {self}: expected non-negative tolerances and min_rows of 1 or more"
            )


def _auc(labels: np.ndarray, scores: np.ndarray, min_class_rows: int) -> float:
    positives = int(labels.sum())
    if positives < min_class_rows or labels.size - positives < min_class_rows:
        return float("nan")
    return float(roc_auc_score(labels, scores))


def _group_row(labels: np.ndarray, scores: np.ndarray, config: BiasConfig) -> dict[str, float]:
    return {
        "rows": int(labels.size),
        "positives": int(labels.sum()),
        "positive_rate": float(labels.mean()),
        "mean_score": float(scores.mean()),
        "calibration_gap": float(scores.mean() - labels.mean()),
        "auc": _auc(labels, scores, config.min_class_rows),
    }


def _flag_reasons(group: dict[str, float], overall: dict[str, float], config: BiasConfig) -> str:
    if group["rows"] < config.min_rows:
        return ""
    reasons = []
    auc_gap = group["auc"] - overall["auc"]
    if not np.isnan(auc_gap) and abs(auc_gap) > config.auc_gap_tolerance:
        reasons.append(FLAG_AUC_GAP)
    if (
        abs(group["calibration_gap"] - overall["calibration_gap"])
        > config.calibration_gap_tolerance
    ):
        reasons.append(FLAG_CALIBRATION_GAP)
    return ",".join(reasons)


def _check_predictions(predictions: pd.DataFrame) -> None:
    """Raise on the first label that is not 0/1 or the first probability outside [0, 1]."""
    for column, allowed, expected in (
        ("label", lambda number: number in (0.0, 1.0), "0 or 1"),
        ("probability", lambda number: 0.0 <= number <= 1.0, "a probability between 0 and 1"),
    ):
        numbers = pd.to_numeric(predictions[column], errors="coerce").astype(float).tolist()
        for row, (given, number) in enumerate(
            zip(predictions[column].tolist(), numbers, strict=True)
        ):
            if not allowed(number):
                raise DataQualityError(
                    f"bias input, row {row}, field {column!r}: invalid value {given!r}; "
                    f"expected {expected}"
                )


def bias_metrics(
    predictions: pd.DataFrame, dimensions: list[str], config: BiasConfig
) -> pd.DataFrame:
    """Compute metrics per group of each dimension and flag gaps against the overall figures.

    Args:
        predictions: One row per scored example with probability, label and one column per
            dimension (a missing group value counts as "unknown").
        dimensions: Columns to group by.
        config: Tolerances and minimum sizes.

    Returns:
        One row per dimension and group: dimension, group_value, rows, positives,
        positive_rate, mean_score, calibration_gap, auc, overall_auc,
        overall_calibration_gap, auc_gap, calibration_gap_difference, is_flagged and
        flag_reasons (comma-separated).

    Raises:
        DataQualityError: when a column is missing, a label is not 0/1 or a probability is
            outside [0, 1].
    """
    missing = {"probability", "label", *dimensions} - set(predictions.columns)
    if missing:
        raise DataQualityError(
            f"bias input: missing column(s) {sorted(missing)}; expected probability, label "
            f"and {dimensions}"
        )
    _check_predictions(predictions)
    labels = predictions["label"].to_numpy(dtype=int)
    scores = predictions["probability"].to_numpy(dtype=float)
    rows = []
    if labels.size:
        overall = _group_row(labels, scores, config)
        for dimension in dimensions:
            groups = predictions[dimension].astype("string").fillna(UNKNOWN_GROUP)
            for value in sorted(groups.unique()):
                inside = (groups == value).to_numpy()
                group = _group_row(labels[inside], scores[inside], config)
                reasons = _flag_reasons(group, overall, config)
                rows.append(
                    {
                        "dimension": dimension,
                        "group_value": str(value),
                        **group,
                        "overall_auc": overall["auc"],
                        "overall_calibration_gap": overall["calibration_gap"],
                        "auc_gap": group["auc"] - overall["auc"],
                        "calibration_gap_difference": group["calibration_gap"]
                        - overall["calibration_gap"],
                        "is_flagged": bool(reasons),
                        "flag_reasons": reasons,
                    }
                )
    return pd.DataFrame(rows, columns=BIAS_COLUMNS)
