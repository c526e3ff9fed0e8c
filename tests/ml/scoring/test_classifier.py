import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.ensemble import ExtraTreesClassifier
from threadpoolctl import threadpool_limits

from ml.errors import ConfigurationError, DataQualityError
from ml.scoring.calibration import expected_calibration_error
from ml.scoring.classifier import CalibratedBoostedClassifier, ClassifierConfig, select_config

# Deep trees, a large learning rate and tiny leaves overfit 1,500 rows, so the raw
# probabilities are overconfident: a planted miscalibration for the calibrators to undo.
OVERFIT = {
    "learning_rate": 0.5,
    "max_iter": 100,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 2,
    "l2_regularization": 0.0,
    "max_features": 1.0,
    "ensemble_size": 1,
    "inner_folds": 3,
}
SMALL = {"max_iter": 60, "learning_rate": 0.1, "ensemble_size": 1, "inner_folds": 3}


@pytest.fixture(autouse=True, scope="module")
def one_openmp_thread():
    """Run the boosted fits on one OpenMP thread.

    On a loaded 2-core machine the default thread count made these fits about 25 times
    slower (82 s against 3 s for the planted-calibration fixture).
    """
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def sample(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Two features; the outcome is Bernoulli(sigmoid(1.5 * signal)), noise is unrelated."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame({"signal": rng.normal(size=rows), "noise": rng.normal(size=rows)})
    probability = 1 / (1 + np.exp(-1.5 * features["signal"].to_numpy()))
    return features, (rng.random(rows) < probability).astype(int)


@pytest.fixture(scope="module")
def planted() -> dict[str, float]:
    """ECE on 20,000 fresh rows of the overfit model without and with each calibrator."""
    train_x, train_y = sample(1_500, seed=1)
    test_x, test_y = sample(20_000, seed=2)
    result = {}
    for calibration in ("none", "platt", "isotonic"):
        config = ClassifierConfig(calibration=calibration, **OVERFIT)
        model = CalibratedBoostedClassifier(config).fit(train_x, train_y)
        result[calibration] = expected_calibration_error(test_y, model.predict_proba(test_x))
    return result


def test_overfit_model_is_miscalibrated(planted):
    assert planted["none"] > 0.08


def test_platt_calibration_removes_planted_miscalibration(planted):
    assert planted["platt"] < planted["none"] / 3


def test_isotonic_calibration_removes_planted_miscalibration(planted):
    assert planted["isotonic"] < planted["none"] / 3


def test_select_config_rejects_wrong_monotonic_sign():
    features, labels = sample(1_200, seed=3)
    candidates = {
        "wrong_sign": ClassifierConfig(monotonic={"signal": -1}, **SMALL),
        "free": ClassifierConfig(**SMALL),
    }
    chosen, scores = select_config(features, labels, candidates, folds=3, seed=0)
    assert chosen == "free"
    assert scores["wrong_sign"] < 0.6
    assert scores["free"] > 0.75


def test_select_config_without_candidates_raises():
    features, labels = sample(100, seed=4)
    with pytest.raises(ConfigurationError, match="at least one candidate"):
        select_config(features, labels, {})


def test_fit_single_class_raises():
    features, _ = sample(50, seed=5)
    model = CalibratedBoostedClassifier(ClassifierConfig(**SMALL))
    with pytest.raises(DataQualityError, match="expected both 0 and 1"):
        model.fit(features, np.zeros(50, dtype=int))


def test_config_invalid_calibration_raises():
    with pytest.raises(ConfigurationError, match="calibration 'beta' is invalid"):
        ClassifierConfig(calibration="beta")


def test_extra_trees_blend_averages_the_two_logits():
    features, labels = sample(1_500, seed=6)
    test_x, _ = sample(300, seed=7)
    forest = {"extra_trees": 50, "extra_trees_min_samples_leaf": 5}
    boosted = CalibratedBoostedClassifier(ClassifierConfig(**SMALL)).fit(features, labels)
    alone = ClassifierConfig(**SMALL, **forest, extra_trees_weight=1.0)
    trees = CalibratedBoostedClassifier(alone).fit(features, labels)
    direct = ExtraTreesClassifier(n_estimators=50, min_samples_leaf=5, max_features=0.8)
    direct = direct.set_params(random_state=0).fit(features, labels)
    clip = 1e-6
    expected = np.clip(direct.predict_proba(test_x)[:, 1], clip, 1 - clip)
    np.testing.assert_allclose(trees.predict_proba(test_x), expected)
    blend = ClassifierConfig(**SMALL, **forest, extra_trees_weight=0.25)
    blended = CalibratedBoostedClassifier(blend).fit(features, labels).predict_proba(test_x)
    boosted_logit = logit(np.clip(boosted.predict_proba(test_x), clip, 1 - clip))
    np.testing.assert_allclose(logit(blended), 0.75 * boosted_logit + 0.25 * logit(expected))


@pytest.mark.parametrize(
    "settings",
    [
        {"extra_trees": -1},
        {"extra_trees_weight": 1.5},
        # These used to pass the config and fail only when the forest was fitted, after
        # the boosted models, with scikit-learn naming min_samples_leaf or max_features.
        {"extra_trees": 1.5},
        {"extra_trees_min_samples_leaf": 0},
        {"extra_trees_min_samples_leaf": 0.5},
        {"extra_trees_max_features": 0.0},
        {"extra_trees_max_features": 1.5},
    ],
)
def test_config_invalid_extra_trees_raises(settings):
    with pytest.raises(ConfigurationError, match="extra_trees"):
        ClassifierConfig(**settings)


def test_extra_trees_max_features_is_a_fraction():
    # scikit-learn reads an integer max_features as a count of features, so 1 used to
    # give each split of the forest one feature instead of all of them.
    features, labels = sample(400, seed=8)
    settings = {**SMALL, "extra_trees": 20, "extra_trees_weight": 1.0}
    as_int = ClassifierConfig(**settings, extra_trees_max_features=1)
    as_float = ClassifierConfig(**settings, extra_trees_max_features=1.0)
    int_model = CalibratedBoostedClassifier(as_int).fit(features, labels)
    float_model = CalibratedBoostedClassifier(as_float).fit(features, labels)
    np.testing.assert_array_equal(
        int_model.predict_proba(features), float_model.predict_proba(features)
    )
