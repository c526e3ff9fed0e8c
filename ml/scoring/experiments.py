"""Treatment-versus-control analysis and sample sizes for engagement experiments.

`analyse_experiment` compares the two groups on conversion (a 0/1 outcome) and on
pipeline and revenue (amounts per unit, zero for units without any) and returns the
difference with a confidence interval. `required_sample_size_proportion` and
`required_sample_size_mean` return the units per group that a two-sided test at level
alpha needs to detect a given difference with the given power.

Intervals:
    - conversion: Newcombe's hybrid score interval for a difference of proportions
      (Wilson intervals of each group combined), which keeps sensible coverage near 0
      and 1 where the Wald interval does not;
    - pipeline and revenue: Welch's t interval for a difference of means, and a
      percentile bootstrap (seeded) because revenue per unit is usually skewed.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ml.errors import ConfigurationError, DataQualityError

logger = logging.getLogger(__name__)

GROUPS = ("control", "treatment")
RESULT_COLUMNS = [
    "metric",
    "control_units",
    "treatment_units",
    "control_mean",
    "treatment_mean",
    "difference",
    "lower",
    "upper",
    "bootstrap_lower",
    "bootstrap_upper",
    "relative_lift",
    "p_value",
]


@dataclass(frozen=True)
class ExperimentConfig:
    """Settings of the experiment analysis.

    Attributes:
        confidence: Two-sided confidence level of every interval.
        bootstrap_samples: Resamples for the bootstrap intervals of amounts.
        seed: Seed of the bootstrap.
    """

    confidence: float = 0.95
    bootstrap_samples: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.confidence < 1.0:
            raise ConfigurationError(f"confidence must be in (0, 1), got {self.confidence}")
        if self.bootstrap_samples < 1:
            raise ConfigurationError(
                f"bootstrap_samples must be >= 1, got {self.bootstrap_samples}"
            )


def _wilson_interval(successes: float, units: int, z: float) -> tuple[float, float]:
    """Wilson score interval for one proportion."""
    rate = successes / units
    centre = (rate + z**2 / (2 * units)) / (1 + z**2 / units)
    half_width = z * np.sqrt(rate * (1 - rate) / units + z**2 / (4 * units**2)) / (1 + z**2 / units)
    return centre - half_width, centre + half_width


def _proportion_row(control: np.ndarray, treatment: np.ndarray, z: float) -> dict[str, float]:
    """Difference of conversion rates with Newcombe's interval and a two-proportion z-test."""
    rate_c, rate_t = control.mean(), treatment.mean()
    low_c, high_c = _wilson_interval(control.sum(), control.size, z)
    low_t, high_t = _wilson_interval(treatment.sum(), treatment.size, z)
    difference = rate_t - rate_c
    lower = difference - np.sqrt((rate_t - low_t) ** 2 + (high_c - rate_c) ** 2)
    upper = difference + np.sqrt((high_t - rate_t) ** 2 + (rate_c - low_c) ** 2)

    pooled = (control.sum() + treatment.sum()) / (control.size + treatment.size)
    standard_error = np.sqrt(pooled * (1 - pooled) * (1 / control.size + 1 / treatment.size))
    p_value = (
        float(2 * stats.norm.sf(abs(difference) / standard_error)) if standard_error > 0 else 1.0
    )
    return {"difference": difference, "lower": lower, "upper": upper, "p_value": p_value}


def _mean_row(
    control: np.ndarray, treatment: np.ndarray, config: ExperimentConfig
) -> dict[str, float]:
    """Difference of means with Welch's t interval and a seeded percentile bootstrap."""
    difference = treatment.mean() - control.mean()
    var_c, var_t = control.var(ddof=1), treatment.var(ddof=1)
    standard_error = np.sqrt(var_c / control.size + var_t / treatment.size)
    if standard_error > 0:
        degrees = standard_error**4 / (
            (var_c / control.size) ** 2 / (control.size - 1)
            + (var_t / treatment.size) ** 2 / (treatment.size - 1)
        )
        t = stats.t.ppf(0.5 + config.confidence / 2, degrees)
        p_value = float(2 * stats.t.sf(abs(difference) / standard_error, degrees))
    else:
        t, p_value = 0.0, 1.0

    rng = np.random.default_rng(config.seed)
    resampled = [
        rng.choice(treatment, treatment.size).mean() - rng.choice(control, control.size).mean()
        for _ in range(config.bootstrap_samples)
    ]
    tail = (1 - config.confidence) / 2 * 100
    return {
        "difference": difference,
        "lower": difference - t * standard_error,
        "upper": difference + t * standard_error,
        "bootstrap_lower": float(np.percentile(resampled, tail)),
        "bootstrap_upper": float(np.percentile(resampled, 100 - tail)),
        "p_value": p_value,
    }


def _as_float(value: object) -> float:
    """Convert one cell to float, NaN when it cannot be read as a number."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _check_unit_values(values: pd.Series, column: str) -> None:
    """Raise on the first cell that is neither 0/1 (conversion) nor a finite amount or empty."""
    for row, value in enumerate(values.tolist()):
        if column == "converted":
            if _as_float(value) in (0.0, 1.0):
                continue
            expected = "0/1 or bool"
        else:
            if pd.isna(value) or np.isfinite(_as_float(value)):
                continue
            expected = "a finite amount, or empty for 0"
        raise DataQualityError(
            f"experiment units, row {row}, field {column!r}: invalid value {value!r}; "
            f"expected {expected}"
        )


def analyse_experiment(units: pd.DataFrame, config: ExperimentConfig) -> pd.DataFrame:
    """Compare treatment with control on conversion, pipeline and revenue.

    Args:
        units: One row per randomised unit (person or account) with columns group
            ("control" or "treatment"), converted (0/1 or bool), and optionally pipeline
            and revenue (amounts; missing values count as 0).
        config: Confidence level, bootstrap size and seed.

    Returns:
        One row per metric present with the columns in `RESULT_COLUMNS`; difference is
        treatment minus control, relative_lift is difference / control_mean (NaN when
        the control mean is 0), bootstrap columns are NaN for conversion.

    Raises:
        DataQualityError: on a missing column, an unknown group, a non-0/1 conversion, an
            amount that is not a finite number, or fewer than two units in a group.
    """
    missing = {"group", "converted"} - set(units.columns)
    if missing:
        raise DataQualityError(
            f"experiment units: missing column(s) {sorted(missing)}; expected group, converted"
        )
    unknown = sorted(set(units["group"]) - set(GROUPS))
    if unknown:
        raise DataQualityError(
            f"experiment units, field 'group': invalid value(s) {unknown}; expected {list(GROUPS)}"
        )
    for column in ("converted", "pipeline", "revenue"):
        if column in units.columns:
            _check_unit_values(units[column], column)
    for group in GROUPS:
        count = int((units["group"] == group).sum())
        if count < 2:
            raise DataQualityError(
                f"experiment units: {count} unit(s) in group {group!r}; expected at least 2"
            )

    z = float(stats.norm.ppf(0.5 + config.confidence / 2))
    is_treatment = (units["group"] == "treatment").to_numpy()
    rows = []
    for metric in ("converted", "pipeline", "revenue"):
        if metric not in units.columns:
            continue
        values = units[metric].astype(float).fillna(0.0).to_numpy()
        control, treatment = values[~is_treatment], values[is_treatment]
        if metric == "converted":
            row = _proportion_row(control, treatment, z)
        else:
            row = _mean_row(control, treatment, config)
        control_mean = float(control.mean())
        rows.append(
            {
                "metric": "conversion" if metric == "converted" else metric,
                "control_units": control.size,
                "treatment_units": treatment.size,
                "control_mean": control_mean,
                "treatment_mean": float(treatment.mean()),
                "relative_lift": row["difference"] / control_mean if control_mean else np.nan,
                **row,
            }
        )
    return pd.DataFrame(rows).reindex(columns=RESULT_COLUMNS)


def required_sample_size_proportion(
    baseline_rate: float, minimum_difference: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Units per group to detect an absolute change in a conversion rate (two-sided z-test).

    n = (z_{1-alpha/2} sqrt(2 pbar (1 - pbar)) + z_{power} sqrt(p1 (1 - p1) + p2 (1 - p2)))^2
    / (p2 - p1)^2 with p1 the baseline rate, p2 = p1 + minimum_difference and pbar their
    mean, rounded up.

    Raises:
        DataQualityError: when a rate leaves (0, 1) or the difference is 0.
    """
    treated_rate = baseline_rate + minimum_difference
    if not (0 < baseline_rate < 1 and 0 < treated_rate < 1) or minimum_difference == 0:
        raise DataQualityError(
            f"sample size: baseline_rate {baseline_rate} and minimum_difference "
            f"{minimum_difference} give rates outside (0, 1) or no difference; expected both "
            "rates strictly between 0 and 1 and a non-zero difference"
        )
    z_alpha = stats.norm.ppf(1 - alpha / 2)
    z_power = stats.norm.ppf(power)
    mean_rate = (baseline_rate + treated_rate) / 2
    numerator = z_alpha * np.sqrt(2 * mean_rate * (1 - mean_rate)) + z_power * np.sqrt(
        baseline_rate * (1 - baseline_rate) + treated_rate * (1 - treated_rate)
    )
    return int(np.ceil(numerator**2 / minimum_difference**2))


def required_sample_size_mean(
    standard_deviation: float, minimum_difference: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Units per group to detect a difference in a mean amount (two-sided, equal variances).

    n = 2 (z_{1-alpha/2} + z_{power})^2 sigma^2 / difference^2, rounded up.

    Raises:
        DataQualityError: when the standard deviation is not positive or the difference is 0.
    """
    if standard_deviation <= 0 or minimum_difference == 0:
        raise DataQualityError(
            f"sample size: standard_deviation {standard_deviation} and minimum_difference "
            f"{minimum_difference}; expected a positive deviation and a non-zero difference"
        )
    z_sum = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return int(np.ceil(2 * z_sum**2 * standard_deviation**2 / minimum_difference**2))
