"""Synthetic snapshots and a small trained propensity model for the governance tests."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from ml.governance.drift import profile_features
from ml.governance.registry import ModelRegistration
from ml.scoring.classifier import ClassifierConfig
from ml.scoring.propensity import PropensityConfig, PropensityResult, train_propensity

FEATURES = ["signal", "noise", "count_30d_post"]
CUTOFFS = list(pd.date_range("2025-01-01", periods=8, freq="30D", tz="UTC"))
CONFIG = PropensityConfig(
    test_cutoffs=2,
    classifier=ClassifierConfig(
        ensemble_size=1, max_iter=60, min_samples_leaf=20, calibration="platt", inner_folds=3
    ),
)


def make_snapshots(
    seed: int,
    cutoffs: list[pd.Timestamp],
    rows_per_cutoff: int = 300,
    shift: float = 0.0,
    informative: bool = True,
) -> pd.DataFrame:
    """Rows whose label depends on `signal` (or on nothing when not informative)."""
    rng = np.random.default_rng(seed)
    parts = []
    for cutoff in cutoffs:
        signal = rng.normal(shift, 1.0, rows_per_cutoff)
        logit = -1.5 + 1.8 * (signal - shift) if informative else np.full(rows_per_cutoff, -1.5)
        labels = (rng.random(rows_per_cutoff) < 1 / (1 + np.exp(-logit))).astype(int)
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": [f"p{index}" for index in range(rows_per_cutoff)],
                    "cutoff": cutoff,
                    "signal": signal,
                    "noise": rng.uniform(0, 1, rows_per_cutoff),
                    "count_30d_post": rng.poisson(2, rows_per_cutoff).astype(float),
                    "label": labels,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="session")
def trained() -> tuple[PropensityResult, pd.DataFrame]:
    """A model trained on eight monthly cutoffs, and its evaluation rows (last two cutoffs)."""
    snapshots = make_snapshots(1, CUTOFFS)
    result = train_propensity(snapshots, CONFIG)
    evaluation = snapshots[snapshots["cutoff"] >= CUTOFFS[-2]].reset_index(drop=True)
    return result, evaluation


def registration_of(
    result: PropensityResult, evaluation: pd.DataFrame, name: str = "test_model"
) -> ModelRegistration:
    """Describe the trained model the way the warehouse registration does."""
    return ModelRegistration(
        model_name=name,
        features=list(result.model.feature_names),
        parameters={"horizon_days": CONFIG.horizon_days, "test_cutoffs": CONFIG.test_cutoffs},
        training_start=CUTOFFS[0].date(),
        training_end=CUTOFFS[-2].date(),
        evaluation_start=CUTOFFS[-2].date(),
        evaluation_end=CUTOFFS[-1].date(),
        metrics=dict(result.metrics),
        feature_profile=profile_features(evaluation, FEATURES),
        trained_at=datetime(2025, 9, 1, tzinfo=UTC),
    )
