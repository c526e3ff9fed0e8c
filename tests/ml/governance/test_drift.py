import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.governance.drift import feature_psi, population_stability, profile_features


def _frame(seed: int, shift: float = 0.0, rows: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "value": rng.normal(shift, 1.0, rows),
            "count": rng.poisson(0.3, rows).astype(float),
            "recency": np.where(rng.random(rows) < 0.2, np.nan, rng.exponential(10, rows)),
        }
    )


def test_psi_zero_on_reference_rows():
    frame = _frame(1)
    profile = profile_features(frame, ["value", "count", "recency"])

    psi = feature_psi(profile, frame)

    assert psi == pytest.approx({"value": 0.0, "count": 0.0, "recency": 0.0}, abs=1e-12)


def test_psi_small_on_a_fresh_sample():
    profile = profile_features(_frame(1), ["value", "count", "recency"])

    psi = feature_psi(profile, _frame(2))

    assert max(psi.values()) < 0.05


def test_psi_large_on_shifted_values():
    profile = profile_features(_frame(1), ["value"])

    psi = feature_psi(profile, _frame(2, shift=1.5))

    assert psi["value"] > 0.2


def test_psi_counts_missing_share_shift():
    reference = _frame(1)
    profile = profile_features(reference, ["recency"])
    more_missing = reference.assign(recency=np.where(np.arange(2000) < 1200, np.nan, 1.0))

    assert feature_psi(profile, more_missing)["recency"] > 0.2


def test_repeated_quantiles_collapse_bins():
    profile = profile_features(_frame(1), ["count"])

    # Poisson(0.3) is mostly zeros, so the deciles repeat and give few edges.
    assert len(profile["count"]["edges"]) <= 3
    assert sum(profile["count"]["shares"]) == pytest.approx(1.0)


def test_absent_feature_counts_as_zero():
    profile = profile_features(pd.DataFrame({"count": [0.0, 0.0, 1.0, 2.0]}), ["count"])

    psi = feature_psi(profile, pd.DataFrame({"other": [1, 2, 3, 4]}))

    assert psi["count"] > 0


def test_population_stability_known_value():
    # Two bins, 50/50 in the reference and 25/75 now, summed term by term.
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)

    assert population_stability([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)


def test_profile_rejects_missing_feature():
    with pytest.raises(DataQualityError, match="missing feature"):
        profile_features(pd.DataFrame({"a": [1.0]}), ["b"])
