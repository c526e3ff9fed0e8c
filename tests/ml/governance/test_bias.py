import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.governance.bias import FLAG_AUC_GAP, FLAG_CALIBRATION_GAP, BiasConfig, bias_metrics


def _group(rng: np.random.Generator, name: str, rows: int, bias: float = 0.0, noise: bool = False):
    """Calibrated scores for a group; `bias` adds to every score, `noise` makes labels random."""
    probability = rng.uniform(0.05, 0.6, rows)
    labels = (rng.random(rows) < (0.3 if noise else probability)).astype(int)
    return pd.DataFrame(
        {
            "probability": np.clip(probability + bias, 0, 1),
            "label": labels,
            "region": name,
        }
    )


def _flags(metrics: pd.DataFrame) -> dict[str, str]:
    return dict(zip(metrics["group_value"], metrics["flag_reasons"], strict=True))


def test_balanced_groups_are_not_flagged():
    rng = np.random.default_rng(3)
    frame = pd.concat([_group(rng, name, 2000) for name in ("EMEA", "NA", "APAC")])

    metrics = bias_metrics(frame, ["region"], BiasConfig())

    assert _flags(metrics) == {"APAC": "", "EMEA": "", "NA": ""}
    assert metrics["rows"].tolist() == [2000, 2000, 2000]


def test_miscalibrated_group_is_flagged():
    rng = np.random.default_rng(3)
    frame = pd.concat([_group(rng, "EMEA", 2000), _group(rng, "NA", 2000, bias=0.2)])

    metrics = bias_metrics(frame, ["region"], BiasConfig()).set_index("group_value")

    assert metrics.loc["NA", "flag_reasons"] == FLAG_CALIBRATION_GAP
    assert metrics.loc["NA", "calibration_gap"] == pytest.approx(0.2, abs=0.03)
    assert bool(metrics.loc["NA", "is_flagged"]) is True


def test_group_without_ranking_signal_gets_auc_gap():
    rng = np.random.default_rng(3)
    frame = pd.concat([_group(rng, "EMEA", 3000), _group(rng, "LATAM", 600, noise=True)])

    metrics = bias_metrics(frame, ["region"], BiasConfig()).set_index("group_value")

    assert FLAG_AUC_GAP in metrics.loc["LATAM", "flag_reasons"]
    assert metrics.loc["LATAM", "auc"] == pytest.approx(0.5, abs=0.08)


def test_small_group_is_reported_not_flagged():
    rng = np.random.default_rng(3)
    frame = pd.concat([_group(rng, "EMEA", 2000), _group(rng, "LATAM", 40, bias=0.3)])

    metrics = bias_metrics(frame, ["region"], BiasConfig(min_rows=100)).set_index("group_value")

    assert metrics.loc["LATAM", "rows"] == 40
    assert metrics.loc["LATAM", "flag_reasons"] == ""


def test_missing_group_is_unknown():
    frame = pd.DataFrame(
        {"probability": [0.1, 0.2, 0.9], "label": [0, 0, 1], "segment": [None, "a", "a"]}
    )

    metrics = bias_metrics(frame, ["segment"], BiasConfig(min_class_rows=1))

    assert metrics["group_value"].tolist() == ["a", "unknown"]
    assert metrics["auc"].tolist()[0] == pytest.approx(1.0)
    assert np.isnan(metrics["auc"].tolist()[1])


def test_bias_rejects_missing_dimension():
    with pytest.raises(DataQualityError, match="region"):
        bias_metrics(pd.DataFrame({"probability": [0.1], "label": [0]}), ["region"], BiasConfig())


@pytest.mark.parametrize(
    ("column", "value"),
    [("label", np.nan), ("label", 2), ("probability", np.nan), ("probability", 1.5)],
)
def test_bias_rejects_bad_values(column, value):
    # A NaN label cast to int counted -9.2e18 positives in its group without a word.
    frame = _group(np.random.default_rng(1), "EMEA", 20).astype({column: float})
    frame.loc[7, column] = value
    with pytest.raises(DataQualityError, match=rf"row 7, field '{column}'"):
        bias_metrics(frame, ["region"], BiasConfig())
