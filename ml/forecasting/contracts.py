"""Renewal and churn forecasts from the book of annual contracts active at the origin.

Each contract starts on a day, is worth `annual_value` a year and comes up for renewal on
every anniversary of its start. On an anniversary it either renews (booked as renewal
revenue of `annual_value`) or ends (booked as churn of the same amount, in the
anniversary's month). The share of anniversaries before the origin that ended in churn
estimates the churn probability. The expected renewal revenue of a month is then
(1 - churn probability) x the annual value of the contracts due that month, and the
expected churn is the rest.

Contracts starting after the origin cannot reach an anniversary within a horizon shorter
than a year, so the book known at the origin is all a forecast of up to 12 months needs.

NOTE: `forecast_revenue` does not use this yet, because the warehouse's revenue mart books
monthly invoices (every billing cycle is a renewal), not annual contracts.
"""

import logging

import numpy as np
import pandas as pd

from ml.errors import ConfigurationError, DataQualityError

logger = logging.getLogger(__name__)

CONTRACT_COLUMNS = ("contract_id", "started_at", "annual_value", "churned_at")
CONTRACT_BOOK = "contract_book"


def _validate_contracts(contracts: pd.DataFrame) -> pd.DataFrame:
    """Check the columns and values of the contract table and parse its dates."""
    missing = set(CONTRACT_COLUMNS) - set(contracts.columns)
    if missing:
        raise DataQualityError(
            f"contracts: missing column(s) {sorted(missing)}; expected {list(CONTRACT_COLUMNS)}"
        )

    frame = contracts.loc[:, list(CONTRACT_COLUMNS)].copy()
    # A repeated contract would renew, and count towards churn, twice.
    repeated = frame["contract_id"].notna() & frame["contract_id"].duplicated()
    if repeated.any():
        row = int(np.flatnonzero(repeated.to_numpy())[0])
        raise DataQualityError(
            f"contracts, row {row}, field 'contract_id': value "
            f"{frame['contract_id'].iloc[row]!r} repeats an earlier row; expected one row "
            "per contract"
        )
    frame["started_at"] = pd.to_datetime(frame["started_at"])
    frame["churned_at"] = pd.to_datetime(frame["churned_at"])

    for field in ("started_at", "annual_value"):
        bad = frame[field].isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataQualityError(
                f"contracts, row {row}, field {field!r}: missing value; expected a value "
                "for every contract"
            )

    negative = frame["annual_value"].to_numpy(float) < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        raise DataQualityError(
            f"contracts, row {row}, field 'annual_value': invalid value "
            f"{frame['annual_value'].iloc[row]!r}; expected a non-negative amount"
        )

    early = frame["churned_at"] < frame["started_at"]
    if early.any():
        row = int(np.flatnonzero(early.to_numpy())[0])
        raise DataQualityError(
            f"contracts, row {row}, field 'churned_at': {frame['churned_at'].iloc[row]} is "
            f"before started_at {frame['started_at'].iloc[row]}; expected a later date"
        )
    return frame


def _anniversaries(started_at: pd.Timestamp, before: pd.Timestamp) -> list[pd.Timestamp]:
    """Return the anniversaries of a start date that fall strictly before `before`."""
    dates = []
    year = 1
    while (anniversary := started_at + pd.DateOffset(years=year)) < before:
        dates.append(anniversary)
        year += 1
    return dates


def churn_probability(contracts: pd.DataFrame, origin: pd.Timestamp) -> tuple[float, int]:
    """Share of the anniversaries before `origin` that ended the contract.

    An anniversary counts as churn when the contract's `churned_at` is on or before it
    (a churn between anniversaries counts at the next one), and as a renewal otherwise.
    Only what was known before the origin is used: a churn on or after the origin
    counts as still active.

    Returns:
        The probability (NaN when no anniversary falls before the origin) and the number
        of anniversaries it rests on.
    """
    frame = _validate_contracts(contracts)
    renewed = churned = 0
    for started_at, churned_at in zip(frame["started_at"], frame["churned_at"], strict=True):
        known_churn = churned_at if pd.notna(churned_at) and churned_at < origin else None
        for anniversary in _anniversaries(started_at, origin):
            if known_churn is not None and known_churn <= anniversary:
                churned += 1
                break
            renewed += 1
    total = renewed + churned
    return (churned / total if total else float("nan")), total


def forecast_contract_book(
    contracts: pd.DataFrame,
    origin: pd.Timestamp,
    horizon_months: int,
    default_churn_probability: float = 0.1,
) -> pd.DataFrame:
    """Forecast renewal and churn revenue per month from the contracts active at `origin`.

    Args:
        contracts: One row per contract with columns contract_id, started_at,
            annual_value and churned_at (NaT while active). Rows starting on or after the
            origin are ignored, and so are contracts churned before it.
        origin: First day of the first forecast month.
        horizon_months: Months to forecast, at most 12.
        default_churn_probability: Used when no anniversary falls before the origin.

    Returns:
        Columns period_start, stage ("renewal" or "churn"), method ("contract_book"),
        forecast, one row per month and stage (zero where nothing is due).

    Raises:
        ConfigurationError: when the horizon is not between 1 and 12 months.
        DataQualityError: on a missing column or an invalid value in `contracts`.
    """
    if not 1 <= horizon_months <= 12:
        raise ConfigurationError(
            f"horizon_months {horizon_months} is invalid; expected 1 to 12, because contracts "
            "starting after the origin would renew beyond 12 months"
        )
    frame = _validate_contracts(contracts)
    origin = pd.Timestamp(origin).normalize()
    known = frame[frame["started_at"] < origin]
    probability, anniversaries = churn_probability(known, origin)
    if not np.isfinite(probability):
        probability = default_churn_probability
    logger.info(
        "contract book at %s: churn probability %.3f from %s anniversaries",
        origin.date(),
        probability,
        anniversaries,
    )

    active = known[~(known["churned_at"] < origin)]
    months = pd.date_range(origin.to_period("M").to_timestamp(), periods=horizon_months, freq="MS")
    end = months[-1] + pd.offsets.MonthBegin(1)
    due = pd.Series(0.0, index=months)
    for started_at, value in zip(active["started_at"], active["annual_value"], strict=True):
        year = 1
        while (anniversary := started_at + pd.DateOffset(years=year)) < end:
            if anniversary >= origin:
                due[anniversary.to_period("M").to_timestamp()] += float(value)
            year += 1

    rows = []
    for month, value in due.items():
        rows.append(
            {"period_start": month, "stage": "renewal", "forecast": (1 - probability) * value}
        )
        rows.append({"period_start": month, "stage": "churn", "forecast": probability * value})
    result = pd.DataFrame(rows)
    result.insert(2, "method", CONTRACT_BOOK)
    return result
