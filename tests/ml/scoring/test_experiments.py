import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.errors import ConfigurationError, DataQualityError
from ml.scoring.experiments import (
    ExperimentConfig,
    analyse_experiment,
    required_sample_size_mean,
    required_sample_size_proportion,
)

CONFIG = ExperimentConfig(confidence=0.95, bootstrap_samples=500, seed=3)


def units_frame(treatment_successes, treatment_units, control_successes, control_units):
    groups = ["treatment"] * treatment_units + ["control"] * control_units
    converted = (
        [1] * treatment_successes
        + [0] * (treatment_units - treatment_successes)
        + [1] * control_successes
        + [0] * (control_units - control_successes)
    )
    return pd.DataFrame({"group": groups, "converted": converted})


def test_analyse_experiment_conversion_newcombe_interval():
    # 56/70 against 48/80: Newcombe's hybrid score interval is 0.0524 to 0.3339.
    result = analyse_experiment(units_frame(56, 70, 48, 80), CONFIG).set_index("metric")
    row = result.loc["conversion"]
    assert row["difference"] == pytest.approx(0.2)
    assert row["lower"] == pytest.approx(0.0524, abs=1e-4)
    assert row["upper"] == pytest.approx(0.3339, abs=1e-4)
    assert row["relative_lift"] == pytest.approx(0.2 / 0.6)
    assert np.isnan(row["bootstrap_lower"])


def test_analyse_experiment_revenue_welch_interval():
    frame = pd.DataFrame(
        {
            "group": ["control"] * 3 + ["treatment"] * 3,
            "converted": [0, 1, 0, 1, 1, 0],
            "revenue": [0.0, 10.0, 2.0, 10.0, 12.0, 8.0],
        }
    )
    row = analyse_experiment(frame, CONFIG).set_index("metric").loc["revenue"]
    assert row["difference"] == pytest.approx(6.0)
    # Control variance 28, treatment variance 4, three units each.
    standard_error = np.sqrt(28 / 3 + 4 / 3)
    degrees = standard_error**4 / ((28 / 3) ** 2 / 2 + (4 / 3) ** 2 / 2)
    half_width = stats.t.ppf(0.975, degrees) * standard_error
    assert row["upper"] - row["difference"] == pytest.approx(half_width)
    assert row["difference"] - row["lower"] == pytest.approx(half_width)
    assert row["bootstrap_lower"] < row["difference"] < row["bootstrap_upper"]


def test_analyse_experiment_missing_amount_counts_zero():
    frame = pd.DataFrame(
        {
            "group": ["control", "control", "treatment", "treatment"],
            "converted": [0, 0, 1, 1],
            "pipeline": [np.nan, 0.0, 5.0, np.nan],
        }
    )
    row = analyse_experiment(frame, CONFIG).set_index("metric").loc["pipeline"]
    assert row["treatment_mean"] == pytest.approx(2.5)
    assert row["control_mean"] == 0.0
    assert np.isnan(row["relative_lift"])


def test_analyse_experiment_bootstrap_is_seeded():
    frame = pd.DataFrame(
        {
            "group": ["control", "treatment"] * 20,
            "converted": [0, 1] * 20,
            "revenue": np.arange(40, dtype=float),
        }
    )
    first = analyse_experiment(frame, CONFIG)
    second = analyse_experiment(frame, CONFIG)
    assert first["bootstrap_lower"].equals(second["bootstrap_lower"])


def test_analyse_experiment_unknown_group_raises():
    frame = units_frame(1, 2, 1, 2)
    frame.loc[0, "group"] = "holdout"
    with pytest.raises(DataQualityError, match="'holdout'"):
        analyse_experiment(frame, CONFIG)


def test_analyse_experiment_single_unit_group_raises():
    with pytest.raises(DataQualityError, match="1 unit"):
        analyse_experiment(units_frame(1, 1, 1, 3), CONFIG)


def test_required_sample_size_proportion_textbook_case():
    # 10% -> 12% at alpha 0.05 and power 0.8 needs 3,841 per group.
    assert required_sample_size_proportion(0.10, 0.02) == 3841


def test_required_sample_size_mean_textbook_case():
    # sigma 10, difference 2: 2 * (1.96 + 0.8416)^2 * 100 / 4 = 392.4 -> 393.
    assert required_sample_size_mean(10.0, 2.0) == 393


def test_required_sample_size_invalid_rate_raises():
    with pytest.raises(DataQualityError, match="outside"):
        required_sample_size_proportion(0.95, 0.1)


@pytest.mark.parametrize("value", ["yes", np.nan, 2])
def test_experiment_bad_conversion_raises(value):
    frame = units_frame(1, 3, 1, 3).astype({"converted": object})
    frame.loc[4, "converted"] = value
    with pytest.raises(DataQualityError, match=r"row 4, field 'converted'"):
        analyse_experiment(frame, CONFIG)


@pytest.mark.parametrize("value", ["12,50", np.inf])
def test_experiment_bad_amount_raises(value):
    frame = units_frame(1, 3, 1, 3).assign(revenue=[10.0, 0.0, 5.0, 2.0, 0.0, 1.0])
    frame = frame.astype({"revenue": object})
    frame.loc[2, "revenue"] = value
    with pytest.raises(DataQualityError, match=r"row 2, field 'revenue'"):
        analyse_experiment(frame, CONFIG)


@pytest.mark.parametrize(
    ("field", "value"), [("confidence", 5.0), ("confidence", 0.0), ("bootstrap_samples", 0)]
)
def test_experiment_config_rejects_out_of_range(field, value):
    with pytest.raises(ConfigurationError, match=field):
        ExperimentConfig(**{field: value})
