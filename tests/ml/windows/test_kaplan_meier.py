import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.windows import (
    WindowConfig,
    converted_share,
    converter_quantile,
    estimate_conversion_windows,
    fit_kaplan_meier,
    survival_quantile,
)

# Five journeys: events on days 1, 2 and 3, censored on days 2 and 4.
# Day 1: 5 at risk, 1 event -> S = 4/5 = 0.8.
# Day 2: 4 at risk (the journey censored on day 2 is still at risk), 1 event -> S = 0.6.
# Day 3: 2 at risk, 1 event -> S = 0.3.
DURATIONS = np.array([1, 2, 2, 3, 4])
OBSERVED = np.array([True, True, False, True, False])


def test_kaplan_meier_survival_by_hand():
    curve = fit_kaplan_meier(DURATIONS, OBSERVED)

    assert curve.times.tolist() == [1.0, 2.0, 3.0]
    assert curve.survival == pytest.approx([0.8, 0.6, 0.3])
    assert curve.subjects == 5
    assert curve.events == 3


def test_kaplan_meier_greenwood_sum_by_hand():
    curve = fit_kaplan_meier(DURATIONS, OBSERVED)

    # 1/(5*4), then + 1/(4*3), then + 1/(2*1).
    assert curve.greenwood_sum == pytest.approx([0.05, 0.05 + 1 / 12, 0.05 + 1 / 12 + 0.5])


def test_survival_quantile_median_and_interval():
    estimate = survival_quantile(fit_kaplan_meier(DURATIONS, OBSERVED), 0.5)

    # S first falls to 0.5 or below on day 3.
    assert estimate.point == 3.0
    assert estimate.low is not None
    assert estimate.low <= estimate.point
    # The upper band never reaches 0.5 with three events, so the interval is open above.
    assert estimate.high is None


def test_survival_quantile_censored_journeys_kept():
    # Dropping the censored journeys would put the median at day 2 (two of three by day 2).
    curve = fit_kaplan_meier(DURATIONS, OBSERVED)
    dropped = fit_kaplan_meier(DURATIONS[OBSERVED], OBSERVED[OBSERVED])

    assert survival_quantile(curve, 0.5).point == 3.0
    assert survival_quantile(dropped, 0.5).point == 2.0


def test_converter_quantile_by_hand():
    curve = fit_kaplan_meier(DURATIONS, OBSERVED)

    # 70 % converted by day 4; half of them (35 %) by the day S <= 0.65, which is day 2.
    assert converted_share(curve) == pytest.approx(0.7)
    assert converter_quantile(curve, 0.5) == 2.0


def test_survival_quantile_unreached_level_is_none():
    curve = fit_kaplan_meier(np.array([1, 5, 5, 5]), np.array([True, False, False, False]))

    assert survival_quantile(curve, 0.5).point is None
    assert converter_quantile(curve, 0.5) == 1.0


def test_kaplan_meier_negative_duration_rejected():
    with pytest.raises(DataQualityError, match="negative or missing"):
        fit_kaplan_meier(np.array([1.0, -2.0]), np.array([True, True]))


def test_estimate_windows_groups_and_small_groups():
    journeys = pd.DataFrame(
        {
            "cohort_month": ["2025-01-01"] * 5 + ["2025-04-01"],
            "first_community_channel": ["event"] * 5 + ["github"],
            "engagement_depth": ["light"] * 6,
            "observed_until": ["2025-12-31"] * 6,
            "days_to_opportunity": [*DURATIONS.tolist(), 10],
            "has_opportunity": [*OBSERVED.tolist(), True],
            "days_to_won": [5, 5, 5, 5, 5, 10],
            "has_won": [False] * 6,
        }
    )
    windows = estimate_conversion_windows(
        journeys, pd.DataFrame(), WindowConfig(min_journeys=5, bootstrap_replicates=20)
    )
    rows = windows.set_index(["milestone", "dimension", "dimension_value"])

    assert rows.loc[("opportunity", "all", "all"), "journeys"] == 6
    assert rows.loc[("opportunity", "cohort", "2025-Q1"), "median_days"] == 3.0
    # One journey is below min_journeys: reported, not estimated.
    assert pd.isna(rows.loc[("opportunity", "cohort", "2025-Q2"), "median_days"])
    # No journey won, so the closed-won window has no estimate.
    assert pd.isna(rows.loc[("closed_won", "all", "all"), "converter_median_days"])
