"""Calibrated gradient-boosting classifier shared by the conversion and propensity scores.

The model averages the probabilities of several histogram gradient-boosting classifiers
that differ only in their random seed, because each split considers a random subset of
features. It can blend in a forest of extremely randomised trees, averaging the two
models' logits: the forest's random split points make errors unlike the boosted models'.
It can then map the result through a Platt (logistic on the logit) or isotonic calibrator.
The calibrator is fitted on inner cross-validated predictions, so it is never fitted on
predictions for rows that the models were trained on.
"""

import logging
from dataclasses import dataclass, field, replace
from numbers import Integral

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ml.errors import ConfigurationError, DataQualityError

logger = logging.getLogger(__name__)

CALIBRATION_METHODS = ("none", "platt", "isotonic")
_PROBABILITY_CLIP = 1e-6


@dataclass(frozen=True)
class ClassifierConfig:
    """Settings of the calibrated boosted classifier.

    Attributes:
        learning_rate: Shrinkage of each boosting step.
        max_iter: Boosting iterations per model.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows in a leaf.
        l2_regularization: L2 penalty on leaf values.
        max_features: Fraction of features each split considers.
        ensemble_size: Models averaged, seeds seed, seed + 1, ...
        calibration: "none", "platt" or "isotonic".
        inner_folds: Folds for the out-of-fold predictions the calibrator is fitted on.
        monotonic: Feature name -> +1 (probability rises with it) or -1 (falls).
        seed: Seed of the first model and of the inner fold split.
        extra_trees: Trees in the blended extremely randomised forest (0: no forest).
        extra_trees_weight: Weight of the forest's logit in the blend. The boosted models'
            logit gets 1 minus this weight.
        extra_trees_min_samples_leaf: Minimum rows in a leaf of the forest.
        extra_trees_max_features: Fraction of features each split of the forest considers.
    """

    learning_rate: float = 0.02
    max_iter: int = 600
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 80
    l2_regularization: float = 3.0
    max_features: float = 0.5
    ensemble_size: int = 5
    calibration: str = "none"
    inner_folds: int = 5
    monotonic: dict[str, int] = field(default_factory=dict)
    seed: int = 0
    extra_trees: int = 0
    extra_trees_weight: float = 0.5
    extra_trees_min_samples_leaf: int = 10
    extra_trees_max_features: float = 0.8

    def __post_init__(self) -> None:
        if self.calibration not in CALIBRATION_METHODS:
            raise ConfigurationError(
                f"calibration {self.calibration!r} is invalid; expected one of "
                f"{list(CALIBRATION_METHODS)}"
            )
        if self.ensemble_size < 1:
            raise ConfigurationError(f"ensemble_size must be >= 1, got {self.ensemble_size}")
        if self.inner_folds < 2:
            raise ConfigurationError(f"inner_folds must be >= 2, got {self.inner_folds}")
        if (
            not isinstance(self.extra_trees, Integral)
            or self.extra_trees < 0
            or not 0 <= self.extra_trees_weight <= 1
        ):
            raise ConfigurationError(
                f"extra_trees {self.extra_trees} and extra_trees_weight "
                f"{self.extra_trees_weight} are invalid; expected an integer >= 0 and a weight "
                "between 0 and 1"
            )
        leaf, fraction = self.extra_trees_min_samples_leaf, self.extra_trees_max_features
        if not isinstance(leaf, Integral) or leaf < 1 or not 0 < fraction <= 1:
            raise ConfigurationError(
                f"extra_trees_min_samples_leaf {leaf} and extra_trees_max_features {fraction} "
                "are invalid; expected an integer >= 1 and a fraction in (0, 1]"
            )


@dataclass
class _Fitted:
    """The boosted models and the optional forest, fitted on the same rows."""

    boosted: list[HistGradientBoostingClassifier]
    forest: ExtraTreesClassifier | None


class CalibratedBoostedClassifier:
    """Seed-averaged histogram gradient boosting with an optional calibrator on top."""

    def __init__(self, config: ClassifierConfig) -> None:
        self.config = config
        self.models: list[HistGradientBoostingClassifier] = []
        self.forest: ExtraTreesClassifier | None = None
        self.calibrator: IsotonicRegression | LogisticRegression | None = None
        self.feature_names: list[str] = []

    def _new_models(self, columns: list[str]) -> list[HistGradientBoostingClassifier]:
        config = self.config
        monotonic = [config.monotonic.get(column, 0) for column in columns]
        return [
            HistGradientBoostingClassifier(
                learning_rate=config.learning_rate,
                max_iter=config.max_iter,
                max_leaf_nodes=config.max_leaf_nodes,
                min_samples_leaf=config.min_samples_leaf,
                l2_regularization=config.l2_regularization,
                max_features=config.max_features,
                monotonic_cst=monotonic if any(monotonic) else None,
                random_state=config.seed + offset,
            )
            for offset in range(config.ensemble_size)
        ]

    def _average(self, fitted: _Fitted, features: pd.DataFrame) -> np.ndarray:
        boosted = np.mean([model.predict_proba(features)[:, 1] for model in fitted.boosted], axis=0)
        if fitted.forest is None:
            return boosted
        forest = fitted.forest.predict_proba(features)[:, 1]
        weight = self.config.extra_trees_weight
        blended = (1 - weight) * self._logit_column(boosted) + weight * self._logit_column(forest)
        return expit(blended[:, 0])

    def _fit_models(self, features: pd.DataFrame, labels: np.ndarray) -> _Fitted:
        config = self.config
        models = self._new_models(list(features.columns))
        for model in models:
            model.fit(features, labels)
        forest = None
        if config.extra_trees:
            forest = ExtraTreesClassifier(
                n_estimators=config.extra_trees,
                min_samples_leaf=config.extra_trees_min_samples_leaf,
                # scikit-learn reads an integer as a count of features: 1 would mean one feature.
                max_features=float(config.extra_trees_max_features),
                random_state=config.seed,
            ).fit(features, labels)
        return _Fitted(models, forest)

    def _fit_calibrator(self, features: pd.DataFrame, labels: np.ndarray) -> None:
        """Fit the calibrator on out-of-fold averaged probabilities of the training rows."""
        out_of_fold = np.empty(labels.size)
        splitter = StratifiedKFold(
            self.config.inner_folds, shuffle=True, random_state=self.config.seed
        )
        for train_rows, held_out_rows in splitter.split(features, labels):
            fitted = self._fit_models(features.iloc[train_rows], labels[train_rows])
            out_of_fold[held_out_rows] = self._average(fitted, features.iloc[held_out_rows])

        if self.config.calibration == "isotonic":
            isotonic = IsotonicRegression(
                out_of_bounds="clip", y_min=_PROBABILITY_CLIP, y_max=1 - _PROBABILITY_CLIP
            )
            self.calibrator = isotonic.fit(out_of_fold, labels)
        else:
            platt = LogisticRegression(C=1e6)
            self.calibrator = platt.fit(self._logit_column(out_of_fold), labels)

    @staticmethod
    def _logit_column(probabilities: np.ndarray) -> np.ndarray:
        clipped = np.clip(probabilities, _PROBABILITY_CLIP, 1 - _PROBABILITY_CLIP)
        return np.asarray(logit(clipped)).reshape(-1, 1)

    def fit(self, features: pd.DataFrame, labels: np.ndarray) -> "CalibratedBoostedClassifier":
        """Fit the averaged models on all rows, then the calibrator on inner folds.

        Raises:
            DataQualityError: when the labels are not 0/1, contain a single class, or differ in
                length from the features.
        """
        labels = np.asarray(labels)
        if labels.size != len(features):
            raise DataQualityError(
                f"classifier input: {len(features)} feature rows but {labels.size} labels; "
                "expected one label per row"
            )
        classes = set(np.unique(labels).tolist())
        if not classes <= {0, 1} or len(classes) < 2:
            raise DataQualityError(
                f"classifier input, field 'labels': classes {sorted(classes)}; "
                "expected both 0 and 1"
            )
        self.feature_names = list(features.columns)
        fitted = self._fit_models(features, labels)
        self.models, self.forest = fitted.boosted, fitted.forest
        if self.config.calibration != "none":
            self._fit_calibrator(features, labels)
        logger.info(
            "fitted %s boosted models and %s extra trees on %s rows (calibration %s)",
            len(self.models),
            self.config.extra_trees,
            labels.size,
            self.config.calibration,
        )
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Return the calibrated probability of class 1 for each row."""
        if not self.models:
            raise DataQualityError("classifier is not fitted: call fit before predict_proba")
        raw = self._average(_Fitted(self.models, self.forest), features[self.feature_names])
        if isinstance(self.calibrator, IsotonicRegression):
            return np.asarray(self.calibrator.predict(raw))
        if isinstance(self.calibrator, LogisticRegression):
            return np.asarray(expit(self.calibrator.decision_function(self._logit_column(raw))))
        return raw


def select_config(
    features: pd.DataFrame,
    labels: np.ndarray,
    candidates: dict[str, ClassifierConfig],
    folds: int = 3,
    seed: int = 0,
) -> tuple[str, dict[str, float]]:
    """Pick the candidate configuration with the highest mean AUC over inner folds.

    Meant for nested cross-validation: pass only the outer training rows, so the choice
    never uses the rows it is scored on. Each candidate is scored as one uncalibrated
    model (ensemble_size 1, calibration "none") to keep the search cheap. A Platt or
    isotonic calibrator is monotone and leaves the AUC unchanged, but averaging seeds can
    move it a little, so the ranking is that of single models. Ties go to the candidate
    listed first.

    Returns:
        The chosen candidate's name and the mean inner AUC of every candidate.

    Raises:
        ConfigurationError: when there are no candidates.
    """
    if not candidates:
        raise ConfigurationError("select_config needs at least one candidate configuration")
    labels = np.asarray(labels)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(features, labels))
    scores: dict[str, float] = {}
    for name, config in candidates.items():
        single = replace(config, ensemble_size=1, calibration="none")
        fold_auc = []
        for train_rows, held_out_rows in splits:
            model = CalibratedBoostedClassifier(single)
            model.fit(features.iloc[train_rows], labels[train_rows])
            probabilities = model.predict_proba(features.iloc[held_out_rows])
            fold_auc.append(roc_auc_score(labels[held_out_rows], probabilities))
        scores[name] = float(np.mean(fold_auc))
    chosen = max(candidates, key=lambda name: scores[name])
    logger.info("selected configuration %s by inner AUC %s", chosen, scores)
    return chosen, scores
