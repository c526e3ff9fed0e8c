"""Measured lift from a randomized experiment, to set beside a program's attributed credit.

An experiment (a holdout from a newsletter, an invitation to a webinar given to a random half)
measures incrementality directly: the lift is the treatment conversion rate minus the control
rate. `lift * treated units` is the number of conversions the program caused among the treated,
the figure to compare with the incremental conversions the counterfactual model credits the
program's channel over the same units and window.
"""

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from ml.errors import DataQualityError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExperimentLift:
    """Difference in conversion rate between treatment and control.

    Attributes:
        treatment_rate: Conversion rate of treated units.
        control_rate: Conversion rate of control units.
        lift: `treatment_rate - control_rate`.
        lower: Lower end of the confidence interval of the lift.
        upper: Upper end of the confidence interval of the lift.
        n_treatment: Number of treated units.
        n_control: Number of control units.
        method: `normal` (Wald interval) or `bootstrap` (percentile interval).
        confidence: Coverage of the interval.
    """

    treatment_rate: float
    control_rate: float
    lift: float
    lower: float
    upper: float
    n_treatment: int
    n_control: int
    method: str
    confidence: float

    def incremental_conversions(self) -> float:
        """Return the conversions caused among the treated units: lift times their count."""
        return self.lift * self.n_treatment


def _outcome_flags(
    assignments: pd.DataFrame, outcomes: pd.DataFrame, unit_column: str
) -> pd.Series:
    converted = outcomes[unit_column].astype(str)
    if "converted" in outcomes.columns:
        converted = converted[outcomes["converted"].astype(bool).to_numpy()]
    return assignments[unit_column].astype(str).isin(set(converted))


def estimate_experiment_lift(
    assignments: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    unit_column: str = "unit_id",
    group_column: str = "group",
    treatment: str = "treatment",
    control: str = "control",
    method: str = "normal",
    confidence: float = 0.95,
    bootstrap_samples: int = 2000,
    seed: int = 0,
) -> ExperimentLift:
    """Estimate the lift in conversion rate with a confidence interval.

    Args:
        assignments: One row per unit with `unit_column` and `group_column`.
        outcomes: Units that converted (`unit_column`), or every unit with a boolean
            `converted` column. Units absent from it count as not converted.
        unit_column: Column naming the unit (journey, account or person id).
        group_column: Column holding the arm of each unit.
        treatment: Value of `group_column` for treated units.
        control: Value of `group_column` for control units.
        method: `normal` for the Wald interval of a difference in proportions, `bootstrap`
            for a percentile interval from resampling units within each arm.
        confidence: Coverage of the interval, between 0 and 1.
        bootstrap_samples: Resamples for the bootstrap interval.
        seed: Seed of the bootstrap.

    Returns:
        The lift, its interval and the arm sizes.

    Raises:
        DataQualityError: A unit is assigned twice, an arm is empty or `method` is unknown.
    """
    if assignments[unit_column].duplicated().any():
        unit = assignments.loc[assignments[unit_column].duplicated(), unit_column].iloc[0]
        raise DataQualityError(
            f"assignments, field {unit_column!r}: unit {unit!r} is assigned more than once; "
            "expected one arm per unit"
        )
    flags = _outcome_flags(assignments, outcomes, unit_column).to_numpy()
    arms = assignments[group_column].astype(str).to_numpy()
    treated = flags[arms == treatment].astype(float)
    controls = flags[arms == control].astype(float)
    if len(treated) == 0 or len(controls) == 0:
        raise DataQualityError(
            f"assignments, field {group_column!r}: {len(treated)} units in {treatment!r} and "
            f"{len(controls)} in {control!r}; expected both arms to be non-empty"
        )
    lift = float(treated.mean() - controls.mean())
    alpha = 1.0 - confidence
    if method == "normal":
        variance = treated.var() / len(treated) + controls.var() / len(controls)
        half_width = float(norm.ppf(1 - alpha / 2)) * math.sqrt(variance)
        lower, upper = lift - half_width, lift + half_width
    elif method == "bootstrap":
        # Resampling n units with replacement from a 0/1 outcome gives a Binomial(n, rate)
        # count of conversions, so the counts are drawn directly.
        rng = np.random.default_rng(seed)
        treated_means = rng.binomial(len(treated), treated.mean(), bootstrap_samples)
        control_means = rng.binomial(len(controls), controls.mean(), bootstrap_samples)
        lifts = treated_means / len(treated) - control_means / len(controls)
        lower, upper = (float(q) for q in np.quantile(lifts, [alpha / 2, 1 - alpha / 2]))
    else:
        raise DataQualityError(f"method {method!r} is unknown; expected 'normal' or 'bootstrap'")
    return ExperimentLift(
        treatment_rate=float(treated.mean()),
        control_rate=float(controls.mean()),
        lift=lift,
        lower=float(lower),
        upper=float(upper),
        n_treatment=len(treated),
        n_control=len(controls),
        method=method,
        confidence=confidence,
    )
