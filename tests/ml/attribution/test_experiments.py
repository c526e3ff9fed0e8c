import pandas as pd
import pytest

from ml.attribution.experiments import estimate_experiment_lift
from ml.errors import DataQualityError


def experiment() -> tuple[pd.DataFrame, pd.DataFrame]:
    # 200 treated units, 40 converted (20%); 200 controls, 20 converted (10%).
    assignments = pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(400)],
            "group": ["treatment"] * 200 + ["control"] * 200,
        }
    )
    converted = [f"u{i}" for i in range(40)] + [f"u{i}" for i in range(200, 220)]
    return assignments, pd.DataFrame({"unit_id": converted})


def test_lift_normal_interval_by_hand():
    assignments, outcomes = experiment()
    lift = estimate_experiment_lift(assignments, outcomes)
    # Standard error sqrt(0.2 * 0.8 / 200 + 0.1 * 0.9 / 200) = 0.035355.
    assert lift.lift == pytest.approx(0.10)
    assert lift.lower == pytest.approx(0.10 - 1.959964 * 0.0353553, abs=1e-5)
    assert lift.upper == pytest.approx(0.10 + 1.959964 * 0.0353553, abs=1e-5)
    assert lift.incremental_conversions() == pytest.approx(20.0)


def test_lift_bootstrap_interval_close_to_normal():
    assignments, outcomes = experiment()
    lift = estimate_experiment_lift(assignments, outcomes, method="bootstrap", seed=1)
    assert lift.lower == pytest.approx(0.10 - 0.0693, abs=0.01)
    assert lift.upper == pytest.approx(0.10 + 0.0693, abs=0.01)


def test_lift_empty_arm_raises():
    assignments, outcomes = experiment()
    with pytest.raises(DataQualityError, match="expected both arms"):
        estimate_experiment_lift(assignments[assignments["group"] == "treatment"], outcomes)
