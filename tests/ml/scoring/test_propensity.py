import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.scoring.classifier import ClassifierConfig
from ml.scoring.propensity import (
    PropensityConfig,
    build_snapshots,
    score_snapshots,
    split_by_time,
    train_propensity,
)

FAST = ClassifierConfig(
    ensemble_size=1, max_iter=60, min_samples_leaf=10, calibration="platt", inner_folds=2, seed=1
)
CONFIG = PropensityConfig(horizon_days=30, windows_days=(30, 90), test_cutoffs=2, classifier=FAST)
CUTOFFS = list(pd.date_range("2024-03-01", periods=8, freq="MS"))


def hand_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    activities = pd.DataFrame(
        {
            "entity_id": ["a", "a", "a", "b"],
            "action": ["webinar", "chat", "chat", "chat"],
            "occurred_at": ["2024-02-20", "2024-01-15", "2024-03-05", "2024-02-28"],
        }
    )
    events = pd.DataFrame({"entity_id": ["a"], "occurred_at": ["2024-03-20"]})
    eligibility = pd.DataFrame(
        {
            "entity_id": ["a", "b", "c"],
            "eligible_from": ["2024-01-01", "2024-02-01", "2024-03-02"],
            "eligible_until": ["2024-03-20", None, None],
        }
    )
    return activities, events, eligibility


def test_build_snapshots_counts_only_before_cutoff():
    activities, events, eligibility = hand_inputs()
    snapshots = build_snapshots(
        activities, events, eligibility, [pd.Timestamp("2024-03-01")], CONFIG
    )
    row = snapshots.set_index("entity_id").loc["a"]
    assert row["count_30d_webinar"] == 1.0
    assert row["count_30d_chat"] == 0.0
    assert row["count_90d_chat"] == 1.0
    assert row["days_since_last_activity"] == 10.0
    assert row["tenure_days"] == 60.0


def test_build_snapshots_labels_event_in_horizon():
    activities, events, eligibility = hand_inputs()
    snapshots = build_snapshots(
        activities, events, eligibility, [pd.Timestamp("2024-03-01")], CONFIG
    )
    labels = snapshots.set_index("entity_id")["label"]
    assert labels["a"] == 1
    assert labels["b"] == 0


def test_build_snapshots_respects_eligibility():
    activities, events, eligibility = hand_inputs()
    snapshots = build_snapshots(
        activities,
        events,
        eligibility,
        [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")],
        CONFIG,
    )
    march = set(snapshots.loc[snapshots["cutoff"] == "2024-03-01", "entity_id"])
    april = set(snapshots.loc[snapshots["cutoff"] == "2024-04-01", "entity_id"])
    assert march == {"a", "b"}
    assert april == {"b", "c"}


def test_build_snapshots_no_activity_has_missing_recency():
    activities, events, eligibility = hand_inputs()
    snapshots = build_snapshots(
        activities, events, eligibility, [pd.Timestamp("2024-04-01")], CONFIG
    )
    row = snapshots.set_index("entity_id").loc["c"]
    assert np.isnan(row["days_since_last_activity"])
    assert row["total_all_time"] == 0.0


def planted_inputs(entities: int = 400, seed: int = 5):
    """Entities with higher intent attend more webinars and convert more often."""
    rng = np.random.default_rng(seed)
    activity_rows, event_rows, eligibility_rows = [], [], []
    for index in range(entities):
        entity = f"e{index}"
        intent = rng.normal()
        converted_at = None
        day = pd.Timestamp("2024-01-01")
        while day < pd.Timestamp("2024-11-01"):
            for _ in range(rng.poisson(np.exp(intent))):
                offset = pd.Timedelta(days=int(rng.integers(0, 7)))
                activity_rows.append((entity, "webinar", day + offset))
            for _ in range(rng.poisson(1.0)):
                activity_rows.append((entity, "chat", day))
            if rng.random() < 1 / (1 + np.exp(-(-5.0 + 2.0 * intent))):
                converted_at = day + pd.Timedelta(days=3)
                event_rows.append((entity, converted_at))
                break
            day += pd.Timedelta(days=7)
        eligibility_rows.append((entity, pd.Timestamp("2024-01-01"), converted_at))
    return (
        pd.DataFrame(activity_rows, columns=["entity_id", "action", "occurred_at"]),
        pd.DataFrame(event_rows, columns=["entity_id", "occurred_at"]),
        pd.DataFrame(eligibility_rows, columns=["entity_id", "eligible_from", "eligible_until"]),
    )


@pytest.fixture(scope="module")
def planted_snapshots() -> pd.DataFrame:
    return build_snapshots(*planted_inputs(), CUTOFFS, CONFIG)


@pytest.fixture(scope="module")
def planted_result(planted_snapshots):
    return train_propensity(planted_snapshots, CONFIG)


def test_split_by_time_training_labels_end_before_test(planted_snapshots):
    train, test = split_by_time(planted_snapshots, CONFIG)
    first_test = test["cutoff"].min()
    assert first_test == CUTOFFS[-2]
    assert (train["cutoff"] + pd.Timedelta(days=30) <= first_test).all()
    assert set(test["cutoff"]) == set(CUTOFFS[-2:])


def test_split_by_time_too_few_cutoffs_raises(planted_snapshots):
    early = planted_snapshots[planted_snapshots["cutoff"].isin(CUTOFFS[:2])]
    with pytest.raises(DataQualityError, match="expected more than"):
        split_by_time(early, CONFIG)


def test_train_propensity_ranks_planted_intent(planted_result):
    result = planted_result
    assert result.metrics["auc"] > 0.7
    assert result.metrics["brier"] < result.metrics["base_rate"]
    assert result.calibration["count"].sum() == result.metrics["test_rows"]
    assert result.test_predictions["probability"].between(0, 1).all()


def test_score_snapshots_fills_unknown_actions(planted_snapshots, planted_result):
    latest = planted_snapshots[planted_snapshots["cutoff"] == CUTOFFS[-1]]
    latest = latest.drop(columns=["count_30d_chat"])
    scored = score_snapshots(planted_result.model, latest)
    assert len(scored) == len(latest)
    assert scored["probability"].between(0, 1).all()


@pytest.mark.parametrize("column", ["tenure_days", "days_since_last_activity"])
def test_score_snapshots_rejects_missing_non_count(planted_snapshots, planted_result, column):
    latest = planted_snapshots[planted_snapshots["cutoff"] == CUTOFFS[-1]].drop(columns=column)
    with pytest.raises(DataQualityError, match=rf"missing feature column\(s\) \['{column}'\]"):
        score_snapshots(planted_result.model, latest)


def test_score_snapshots_empty_input(planted_snapshots, planted_result):
    # No eligible entity at the scoring cutoff gives an empty frame; sklearn rejected it.
    scored = score_snapshots(planted_result.model, planted_snapshots.iloc[:0])
    assert scored.empty
    assert list(scored.columns) == ["entity_id", "cutoff", "probability"]
