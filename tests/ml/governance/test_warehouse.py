"""Helpers of the warehouse registration that need no warehouse."""

import pandas as pd

from ml.governance.warehouse import data_fingerprint, latest_labelled_cutoffs
from ml.scoring.warehouse import MemberScoringConfig
from tests.ml.governance.conftest import CUTOFFS, FEATURES, make_snapshots

METRICS = {"auc": 0.8, "brier": 0.1, "ece": 0.02, "base_rate": 0.2, "train_rows": 1800.0}


def test_fingerprint_stable_for_same_data():
    rows = make_snapshots(5, CUTOFFS[-2:])

    assert data_fingerprint(rows, FEATURES, METRICS) == data_fingerprint(
        rows.copy(), FEATURES, dict(METRICS)
    )


def test_fingerprint_changes_with_a_label():
    rows = make_snapshots(5, CUTOFFS[-2:])
    flipped = rows.copy()
    flipped.loc[0, "label"] = 1 - flipped.loc[0, "label"]

    assert data_fingerprint(flipped, FEATURES, METRICS) != data_fingerprint(rows, FEATURES, METRICS)


def test_fingerprint_changes_with_training_metrics():
    rows = make_snapshots(5, CUTOFFS[-2:])
    more_training = {**METRICS, "train_rows": 1900.0}

    assert data_fingerprint(rows, FEATURES, more_training) != data_fingerprint(
        rows, FEATURES, METRICS
    )


def test_fingerprint_ignores_float_noise_and_nan():
    rows = make_snapshots(5, CUTOFFS[-2:])
    noisy = {**METRICS, "auc": 0.8 + 1e-12, "extra": float("nan")}

    assert data_fingerprint(rows, FEATURES, noisy) == data_fingerprint(rows, FEATURES, METRICS)


def test_review_cutoffs_end_one_horizon_before_scoring():
    config = MemberScoringConfig()
    as_of = pd.Timestamp("2026-07-01", tz="UTC")

    cutoffs = latest_labelled_cutoffs(as_of, config, 3)

    assert cutoffs == [
        pd.Timestamp("2026-04-02", tz="UTC"),
        pd.Timestamp("2026-05-02", tz="UTC"),
        pd.Timestamp("2026-06-01", tz="UTC"),
    ]
