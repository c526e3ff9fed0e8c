"""Calibration measures for predicted probabilities: ECE, the calibration curve, Brier score."""

import numpy as np
import pandas as pd

from ml.errors import DataQualityError


def _check_inputs(labels: np.ndarray, probabilities: np.ndarray) -> None:
    """Raise when labels and probabilities differ in length or leave their ranges."""
    if labels.shape != probabilities.shape:
        raise DataQualityError(
            f"calibration input: {labels.size} labels but {probabilities.size} "
            "probabilities; expected one probability per label"
        )
    if not np.isin(labels, (0, 1)).all():
        raise DataQualityError(
            f"calibration input, field 'labels': invalid values "
            f"{sorted(set(np.unique(labels)) - {0, 1})[:5]}; expected 0 or 1"
        )
    if ((probabilities < 0) | (probabilities > 1) | ~np.isfinite(probabilities)).any():
        raise DataQualityError(
            "calibration input, field 'probabilities': values outside [0, 1]; "
            "expected probabilities"
        )


def _bin_index(probabilities: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bin of each probability: [0, 1/bins), ..., [(bins-1)/bins, 1]."""
    return np.minimum((probabilities * bins).astype(int), bins - 1)


def calibration_curve(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = 10
) -> pd.DataFrame:
    """Tabulate mean predicted probability against observed rate in equal-width bins.

    Args:
        labels: 0/1 outcomes.
        probabilities: Predicted probabilities of outcome 1.
        bins: Number of equal-width bins over [0, 1]; the last bin includes 1.0.

    Returns:
        One row per non-empty bin: bin, lower, upper, count, mean_predicted,
        observed_rate.

    Raises:
        DataQualityError: when the inputs differ in length or leave their ranges.
    """
    labels = np.asarray(labels, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    _check_inputs(labels, probabilities)
    frame = pd.DataFrame(
        {"bin": _bin_index(probabilities, bins), "label": labels, "p": probabilities}
    )
    curve = frame.groupby("bin").agg(
        count=("label", "size"), mean_predicted=("p", "mean"), observed_rate=("label", "mean")
    )
    curve = curve.reset_index()
    curve.insert(1, "lower", curve["bin"] / bins)
    curve.insert(2, "upper", (curve["bin"] + 1) / bins)
    return curve


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = 10
) -> float:
    """Expected calibration error over equal-width bins.

    ECE = sum over bins b of (n_b / n) * |observed rate in b - mean probability in b|,
    with `bins` equal-width bins over [0, 1] (the last one includes 1.0) and empty bins
    left out.

    Raises:
        DataQualityError: when the inputs differ in length or leave their ranges.
    """
    curve = calibration_curve(labels, probabilities, bins)
    weights = curve["count"] / curve["count"].sum()
    return float((weights * (curve["observed_rate"] - curve["mean_predicted"]).abs()).sum())


def brier_score(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean squared difference between the probability and the 0/1 outcome."""
    labels = np.asarray(labels, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    _check_inputs(labels, probabilities)
    return float(np.mean((probabilities - labels) ** 2))


def ece_noise_floor(
    probabilities: np.ndarray, bins: int = 10, repeats: int = 20, seed: int = 0
) -> float:
    """Mean ECE of a perfectly calibrated model with these probabilities, by simulation.

    Outcomes are drawn as Bernoulli(p) `repeats` times. The result is the ECE that
    sampling noise alone produces on a set of this size, so a measured ECE near it
    is indistinguishable from perfect calibration.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(repeats):
        simulated = (rng.random(probabilities.size) < probabilities).astype(float)
        values.append(expected_calibration_error(simulated, probabilities, bins))
    return float(np.mean(values))
