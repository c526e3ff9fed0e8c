"""Benchmark revenue forecasts on CDNOW weekly revenue and on the simulator's monthly revenue.

Run as `python -m benchmarks.forecast`.

CDNOW: 69,659 transactions of 23,570 customers (all first purchases in January to March
1997), summed per calendar week ending Sunday: 79 weeks, the first and last partial.
The last 12 weeks are held out. MASE divides the mean absolute error over the 12 weeks
by the in-sample mean absolute one-step change of the 67 calibration weeks, which is the
naive forecast's in-sample error. A 52-week season cannot be estimated from 67 weeks, so
the seasonal naive forecast is the naive one. Models:
    - naive: the last calibration week repeated;
    - ses: simple exponential smoothing;
    - bgnbd_gamma_gamma: BG/NBD purchases and Gamma-Gamma spend per customer, fitted on
      calibration transactions, expected purchases per holdout week times expected
      spend, summed over customers (the whole cohort entered during calibration);
    - combined: the mean of bgnbd_gamma_gamma and ses.

Simulator: `python -m simulator` over four years, booked annual contract value per month
and stage from its truth tables, then `backtest_forecasts` over the last 12 monthly
origins with a 3-month horizon: MASE and the coverage of the 80% intervals.

The last printed line is one JSON object of figures.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ml.forecasting.customer_value import (
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    summarise_transactions,
)
from ml.forecasting.methods import forecast_naive, forecast_ses
from ml.forecasting.pipeline import ForecastConfig, backtest_forecasts

CDNOW_PATH = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
)
HOLDOUT_WEEKS = 12


def load_cdnow(path: Path) -> pd.DataFrame:
    """Read CDNOW_master.txt (whitespace separated) as customer_id, date, value."""
    frame = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame.rename(columns={"dollar_value": "value"})[["customer_id", "date", "value"]]


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error over the holdout divided by the in-sample scale."""
    return float(np.mean(np.abs(actual - forecast)) / scale)


def customer_model_forecast(
    transactions: pd.DataFrame, calibration_end: pd.Timestamp, week_ends: pd.DatetimeIndex
) -> np.ndarray:
    """Expected revenue per holdout week from BG/NBD purchases times Gamma-Gamma spend."""
    summary = summarise_transactions(transactions, calibration_end, unit_days=7.0)
    purchase_params = fit_bgnbd(summary)
    spend = expected_average_spend(fit_gamma_gamma(summary), summary)

    last_day = transactions["date"].max()
    cumulative = []
    for week_end in week_ends:
        horizon_weeks = (min(week_end, last_day) - calibration_end).days / 7.0
        cumulative.append(
            float(np.sum(expected_purchases(purchase_params, horizon_weeks, summary) * spend))
        )
    return np.diff(np.r_[0.0, cumulative])


def cdnow_figures(path: Path) -> dict[str, float]:
    """MASE of naive, SES, the customer model and their combination on the CDNOW holdout."""
    transactions = load_cdnow(path)
    weekly = transactions.set_index("date")["value"].resample("W").sum()
    calibration, holdout = weekly.iloc[:-HOLDOUT_WEEKS], weekly.iloc[-HOLDOUT_WEEKS:]
    history, actual = calibration.to_numpy(), holdout.to_numpy()
    scale = float(np.mean(np.abs(np.diff(history))))

    naive = forecast_naive(history, HOLDOUT_WEEKS).forecast
    ses = forecast_ses(history, HOLDOUT_WEEKS).forecast
    started = time.perf_counter()
    customer = customer_model_forecast(transactions, calibration.index[-1], holdout.index)
    seconds = time.perf_counter() - started

    figures = {
        "cdnow_mase": mase(actual, customer, scale),
        "cdnow_mase_naive": mase(actual, naive, scale),
        "cdnow_mase_ses": mase(actual, ses, scale),
        "cdnow_mase_combined": mase(actual, (customer + ses) / 2.0, scale),
        "cdnow_customer_model_seconds": seconds,
    }
    figures["cdnow_mase_best_baseline"] = min(
        figures["cdnow_mase_naive"], figures["cdnow_mase_ses"]
    )
    print("weeks", weekly.size, "holdout actual", actual.round(0).tolist())
    print("customer model", customer.round(0).tolist())
    return figures


def simulator_monthly_revenue(truth_dir: Path, end: pd.Timestamp) -> pd.DataFrame:
    """Booked annual contract value per month and stage from the simulator's truth tables.

    new_business and expansion are won deal amounts by close month. Each customer renews
    12 x monthly_price at every anniversary of its first win before it churns, and
    churn is that same amount (positive, lost revenue) in the churn month.
    """
    deals = pd.read_csv(truth_dir / "deals.csv", parse_dates=["closed_at"])
    won = deals[deals["is_won"].astype(str).str.lower() == "true"]
    stage_by_type = {"newbusiness": "new_business", "existingbusiness": "expansion"}
    rows = [
        {"period_start": closed, "stage": stage_by_type[deal_type], "revenue": amount}
        for closed, deal_type, amount in zip(
            won["closed_at"], won["deal_type"], won["amount"], strict=True
        )
    ]

    accounts = pd.read_csv(truth_dir / "accounts.csv", parse_dates=["first_won_at", "churned_at"])
    customers = accounts.dropna(subset=["first_won_at"])
    for first_won, churned, price in zip(
        customers["first_won_at"], customers["churned_at"], customers["monthly_price"], strict=True
    ):
        annual = 12.0 * price
        if pd.notna(churned):
            rows.append({"period_start": churned, "stage": "churn", "revenue": annual})
        anniversary = first_won + pd.DateOffset(years=1)
        while anniversary <= end and (pd.isna(churned) or anniversary < churned):
            rows.append({"period_start": anniversary, "stage": "renewal", "revenue": annual})
            anniversary += pd.DateOffset(years=1)

    frame = pd.DataFrame(rows)
    frame["period_start"] = frame["period_start"].dt.to_period("M").dt.to_timestamp()
    return frame.groupby(["period_start", "stage"], as_index=False)["revenue"].sum()


def simulator_figures(members: int, seed: int) -> dict[str, float]:
    """Backtest MASE per method on four simulated years, averaged over stages."""
    from simulator.config import SimulationConfig
    from simulator.run import simulate

    start, end = pd.Timestamp("2022-07-01"), pd.Timestamp("2026-06-30")
    with tempfile.TemporaryDirectory() as folder:
        config = SimulationConfig(members=members, seed=seed, start=start.date(), end=end.date())
        simulate(config, Path(folder))
        monthly = simulator_monthly_revenue(Path(folder) / "truth", end)

    backtest = backtest_forecasts(monthly, ForecastConfig(horizon_months=3, backtest_origins=12))
    print(backtest.to_string(index=False))
    means = backtest.groupby("method")[["mase", "interval_coverage"]].mean()
    figures = {f"simulator_mase_{method}": float(value) for method, value in means["mase"].items()}
    for method, value in means["interval_coverage"].items():
        figures[f"simulator_coverage80_{method}"] = float(value)
    return figures


def main() -> None:
    """Run the CDNOW and simulator benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=CDNOW_PATH, help="path of CDNOW_master.txt")
    parser.add_argument("--members", type=int, default=3000, help="simulated members")
    parser.add_argument("--seed", type=int, default=11, help="simulator seed")
    arguments = parser.parse_args()

    figures = cdnow_figures(arguments.data)
    figures.update(simulator_figures(arguments.members, arguments.seed))
    print(json.dumps({key: round(value, 4) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
