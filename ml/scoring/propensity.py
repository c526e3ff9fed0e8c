"""Propensity of an event within a horizon (conversion, churn, expansion) from activity.

One generic pipeline serves the three targets; the caller picks the event and who is
eligible:
    - conversion within 30 days: events = first closed-won deal (or sign-up) per person,
      eligible from first seen until converted;
    - churn: events = subscription end per account, eligible while a customer;
    - expansion: events = won expansion deal per account, eligible while a customer.

`build_snapshots` makes one row per eligible entity and cutoff date, with features from
activities strictly before the cutoff and the label "an event in (cutoff, cutoff +
horizon]". `train_propensity` splits by time: the last `test_cutoffs` cutoffs are the
test set, and training uses only cutoffs whose label window ends on or before the first
test cutoff, so no training label looks past the point where the test starts.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ml.errors import ConfigurationError, DataQualityError
from ml.scoring.calibration import brier_score, calibration_curve, expected_calibration_error
from ml.scoring.classifier import CalibratedBoostedClassifier, ClassifierConfig

logger = logging.getLogger(__name__)

KEY_COLUMNS = ["entity_id", "cutoff"]


@dataclass(frozen=True)
class PropensityConfig:
    """Settings of the propensity pipeline.

    Attributes:
        horizon_days: Days after the cutoff in which the event counts as label 1.
        windows_days: Trailing windows (days before the cutoff) for activity counts.
        test_cutoffs: Number of latest cutoffs held out as the test set.
        classifier: Settings of the calibrated boosted classifier.
    """

    horizon_days: int = 30
    windows_days: tuple[int, ...] = (30, 90)
    test_cutoffs: int = 2
    classifier: ClassifierConfig = field(
        default_factory=lambda: ClassifierConfig(
            ensemble_size=3, max_iter=300, min_samples_leaf=20, calibration="platt", inner_folds=3
        )
    )

    def __post_init__(self) -> None:
        if self.horizon_days < 1 or self.test_cutoffs < 1 or not self.windows_days:
            raise ConfigurationError(
                f"propensity config: horizon_days {self.horizon_days}, test_cutoffs "
                f"{self.test_cutoffs}, windows_days {self.windows_days}; expected a positive "
                "horizon, at least one test cutoff and at least one window"
            )


@dataclass(frozen=True)
class PropensityResult:
    """A trained propensity model with its time-split evaluation."""

    model: CalibratedBoostedClassifier
    metrics: dict[str, float]
    calibration: pd.DataFrame
    test_predictions: pd.DataFrame


# Prefixes of the activity-count features of `_snapshot_features`.
COUNT_PREFIXES = ("count_", "total_")


def _require(frame: pd.DataFrame, name: str, columns: set[str]) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise DataQualityError(
            f"propensity input {name}: missing column(s) {sorted(missing)}; "
            f"expected {sorted(columns)}"
        )


# NOTE: features are counts per action type, so CRM state (an open opportunity, its stage)
# enters only as counts of events the caller adds as actions.
def _snapshot_features(
    activities: pd.DataFrame, entities: pd.Index, cutoff: pd.Timestamp, windows: tuple[int, ...]
) -> pd.DataFrame:
    """Activity counts per action and window, totals and recency, before one cutoff."""
    before = activities[activities["occurred_at"] < cutoff]
    before = before[before["entity_id"].isin(entities)]
    features = pd.DataFrame(index=entities)
    for days in windows:
        recent = before[before["occurred_at"] >= cutoff - pd.Timedelta(days=days)]
        counts = pd.crosstab(recent["entity_id"], recent["action"]).add_prefix(f"count_{days}d_")
        features = features.join(counts)
        features[f"total_{days}d"] = recent.groupby("entity_id").size()
    last_seen = before.groupby("entity_id")["occurred_at"].max()
    features["days_since_last_activity"] = (cutoff - last_seen).dt.days
    features["total_all_time"] = before.groupby("entity_id").size()
    counted = [column for column in features.columns if column != "days_since_last_activity"]
    features[counted] = features[counted].fillna(0.0)
    return features


def build_snapshots(
    activities: pd.DataFrame,
    events: pd.DataFrame,
    eligibility: pd.DataFrame,
    cutoffs: list[pd.Timestamp],
    config: PropensityConfig,
) -> pd.DataFrame:
    """Build one feature row and label per eligible entity and cutoff.

    Args:
        activities: entity_id, action, occurred_at.
        events: entity_id, occurred_at of the target event.
        eligibility: entity_id, eligible_from, eligible_until (NaT = still eligible). An
            entity is scored at a cutoff when eligible_from <= cutoff < eligible_until.
        cutoffs: Snapshot dates.
        config: Horizon and feature windows.

    Returns:
        entity_id, cutoff, tenure_days, feature columns (NaN days_since_last_activity for
        entities without earlier activity), label (0/1). Action types missing at a
        cutoff get 0.

    Raises:
        DataQualityError: on a missing column.
    """
    _require(activities, "activities", {"entity_id", "action", "occurred_at"})
    _require(events, "events", {"entity_id", "occurred_at"})
    _require(eligibility, "eligibility", {"entity_id", "eligible_from", "eligible_until"})
    activities = activities.assign(occurred_at=pd.to_datetime(activities["occurred_at"]))
    event_times = pd.to_datetime(events["occurred_at"])
    eligible_from = pd.to_datetime(eligibility["eligible_from"])
    eligible_until = pd.to_datetime(eligibility["eligible_until"])

    parts = []
    for cutoff in sorted(pd.to_datetime(cutoffs)):
        active = (eligible_from <= cutoff) & (eligible_until.isna() | (cutoff < eligible_until))
        entities = pd.Index(eligibility.loc[active, "entity_id"].unique(), name="entity_id")
        if entities.empty:
            continue
        features = _snapshot_features(activities, entities, cutoff, config.windows_days)
        tenure = (
            (cutoff - eligible_from[active])
            .dt.days.groupby(eligibility.loc[active, "entity_id"])
            .max()
        )
        features.insert(0, "tenure_days", tenure.reindex(entities).to_numpy(float))
        in_window = (event_times > cutoff) & (
            event_times <= cutoff + pd.Timedelta(days=config.horizon_days)
        )
        positive = set(events.loc[in_window, "entity_id"])
        features["label"] = [int(entity in positive) for entity in entities]
        parts.append(features.reset_index().assign(cutoff=cutoff))
    if not parts:
        return pd.DataFrame(columns=[*KEY_COLUMNS, "label"])
    snapshots = pd.concat(parts, ignore_index=True)
    feature_columns = [c for c in snapshots.columns if c not in [*KEY_COLUMNS, "label"]]
    counted = [c for c in feature_columns if c != "days_since_last_activity"]
    snapshots[counted] = snapshots[counted].fillna(0.0)
    return snapshots[[*KEY_COLUMNS, *feature_columns, "label"]]


def split_by_time(
    snapshots: pd.DataFrame, config: PropensityConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into training rows whose label window closes by the first test cutoff, and test rows.

    Raises:
        DataQualityError: when there are too few cutoffs for a training set.
    """
    cutoffs = sorted(snapshots["cutoff"].unique())
    if len(cutoffs) <= config.test_cutoffs:
        raise DataQualityError(
            f"propensity snapshots: {len(cutoffs)} cutoff(s); expected more than "
            f"test_cutoffs={config.test_cutoffs} so that training has earlier cutoffs"
        )
    first_test = cutoffs[-config.test_cutoffs]
    label_end = snapshots["cutoff"] + pd.Timedelta(days=config.horizon_days)
    train = snapshots[label_end <= first_test]
    test = snapshots[snapshots["cutoff"] >= first_test]
    if train.empty or train["label"].nunique() < 2:
        raise DataQualityError(
            f"propensity snapshots: {len(train)} training rows before {first_test} with "
            f"labels {sorted(train['label'].unique().tolist())}; expected both classes"
        )
    return train, test


def train_propensity(snapshots: pd.DataFrame, config: PropensityConfig) -> PropensityResult:
    """Fit on earlier cutoffs, evaluate on the latest ones.

    Returns:
        The model fitted on the training rows only, the metrics auc, brier, ece,
        base_rate, train_rows and test_rows, the test calibration curve and the test
        predictions. auc is NaN when the test set has one class.

    Raises:
        DataQualityError: when the time split leaves no usable training set.
    """
    train, test = split_by_time(snapshots, config)
    feature_columns = [c for c in snapshots.columns if c not in [*KEY_COLUMNS, "label"]]
    model = CalibratedBoostedClassifier(config.classifier)
    model.fit(train[feature_columns], train["label"].to_numpy())

    probabilities = model.predict_proba(test[feature_columns])
    labels = test["label"].to_numpy()
    metrics = {
        "auc": float(roc_auc_score(labels, probabilities))
        if np.unique(labels).size == 2
        else np.nan,
        "brier": brier_score(labels, probabilities),
        "ece": expected_calibration_error(labels, probabilities),
        "base_rate": float(labels.mean()),
        "train_rows": float(len(train)),
        "test_rows": float(len(test)),
    }
    logger.info("propensity evaluation on %s test rows: %s", len(test), metrics)
    predictions = test[KEY_COLUMNS].assign(probability=probabilities, label=labels)
    return PropensityResult(
        model=model,
        metrics=metrics,
        calibration=calibration_curve(labels, probabilities),
        test_predictions=predictions.reset_index(drop=True),
    )


def score_snapshots(model: CalibratedBoostedClassifier, snapshots: pd.DataFrame) -> pd.DataFrame:
    """Score new snapshot rows, counting activity-count columns that the rows lack as 0.

    An action type that no entity took since training has no count column, and 0 is its
    count. A missing `tenure_days` or `days_since_last_activity` has no such meaning (0 would
    read as brand new or active today), so it is an error.

    Returns:
        entity_id, cutoff, probability; no rows for no snapshots.

    Raises:
        DataQualityError: A feature column other than an activity count is missing.
    """
    if snapshots.empty:
        return snapshots[KEY_COLUMNS].assign(probability=pd.Series(dtype=float))
    features = snapshots.reindex(columns=model.feature_names)
    known_missing = [c for c in model.feature_names if c not in snapshots.columns]
    not_counts = [c for c in known_missing if not c.startswith(COUNT_PREFIXES)]
    if not_counts:
        raise DataQualityError(
            f"snapshots to score: missing feature column(s) {not_counts}; only activity counts "
            f"({', '.join(p + '*' for p in COUNT_PREFIXES)}) may be absent and count as 0"
        )
    features[known_missing] = 0.0
    return snapshots[KEY_COLUMNS].assign(probability=model.predict_proba(features))
