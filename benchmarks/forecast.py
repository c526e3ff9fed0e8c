"""Benchmark revenue forecasts on CDNOW weekly revenue and on the simulator's monthly revenue.

Run as `python -m benchmarks.forecast`.

CDNOW: 69,659 transactions of 23,570 customers (all first purchases in January to March
1997), summed per calendar week ending Sunday: 79 weeks, the first and last partial.
The last 12 weeks are held out. MASE divides the mean absolute error over the 12 weeks
by the in-sample mean absolute one-step change of the 67 calibration weeks, which is the
naive forecast's in-sample error. A 52-week season cannot be estimated from 67 weeks, so
the seasonal naive forecast is the naive one. Candidate models:
    - naive: the last calibration week repeated;
    - ses: simple exponential smoothing;
    - bgnbd: BG/NBD purchases and Gamma-Gamma spend per customer, fitted on
      calibration transactions, expected purchases per holdout week times expected
      spend, summed over customers (the whole cohort entered during calibration);
    - mbgnbd: the same with MBG/NBD purchases;
    - combined: the mean of bgnbd and ses.
The reported model (`cdnow_mase`) is the candidate with the lowest mean MASE over five
validation origins inside the calibration weeks: calibration ends after week 31, 37, 43,
49 and 55, and each origin forecasts the next 12 weeks, so no validation week reaches
the holdout. Every candidate's holdout MASE is printed as well.

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

from ml.forecasting.contracts import forecast_contract_book
from ml.forecasting.customer_value import (
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    summarise_transactions,
)
from ml.forecasting.evaluate import mase_scale
from ml.forecasting.methods import forecast_naive, forecast_ses
from ml.forecasting.pipeline import ForecastConfig, backtest_forecasts

CDNOW_PATH = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
)
HOLDOUT_WEEKS = 12
VALIDATION_CALIBRATION_WEEKS = (31, 37, 43, 49, 55)
CANDIDATES = ("naive", "ses", "bgnbd", "mbgnbd", "combined")


def load_cdnow(path: Path) -> pd.DataFrame:
    """Read CDNOW_master.txt (whitespace separated) as customer_id, date, value."""
    frame = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame.rename(columns={"dollar_value": "value"})[["customer_id", "date", "value"]]


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error over the holdout divided by the in-sample scale."""
    return float(np.mean(np.abs(actual - forecast)) / scale)


def customer_model_forecast(
    transactions: pd.DataFrame,
    calibration_end: pd.Timestamp,
    week_ends: pd.DatetimeIndex,
    modified: bool = False,
) -> np.ndarray:
    """Expected revenue per week from (M)BG/NBD purchases times Gamma-Gamma spend."""
    summary = summarise_transactions(transactions, calibration_end, unit_days=7.0)
    purchase_params = fit_bgnbd(summary, modified=modified)
    spend = expected_average_spend(fit_gamma_gamma(summary), summary)

    last_day = transactions["date"].max()
    cumulative = []
    for week_end in week_ends:
        horizon_weeks = (min(week_end, last_day) - calibration_end).days / 7.0
        cumulative.append(
            float(np.sum(expected_purchases(purchase_params, horizon_weeks, summary) * spend))
        )
    return np.diff(np.r_[0.0, cumulative])


def candidate_forecasts(
    transactions: pd.DataFrame, weekly: pd.Series, calibration_weeks: int
) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """Forecast the 12 weeks after `calibration_weeks` with every candidate.

    Returns:
        The forecasts by candidate, the actual weekly revenue and the MASE scale (mean
        absolute one-step change over the calibration weeks).
    """
    calibration = weekly.iloc[:calibration_weeks]
    target = weekly.iloc[calibration_weeks : calibration_weeks + HOLDOUT_WEEKS]
    history = calibration.to_numpy()
    calibration_end = calibration.index[-1]
    bgnbd = customer_model_forecast(transactions, calibration_end, target.index)
    ses = forecast_ses(history, HOLDOUT_WEEKS).forecast
    forecasts = {
        "naive": forecast_naive(history, HOLDOUT_WEEKS).forecast,
        "ses": ses,
        "bgnbd": bgnbd,
        "mbgnbd": customer_model_forecast(
            transactions, calibration_end, target.index, modified=True
        ),
        "combined": (bgnbd + ses) / 2.0,
    }
    scale = float(np.mean(np.abs(np.diff(history))))
    return forecasts, target.to_numpy(), scale


def cdnow_figures(path: Path) -> tuple[dict[str, float], str]:
    """Select a candidate on the validation origins and score every candidate on the holdout.

    Returns:
        The figures and the name of the selected candidate.
    """
    transactions = load_cdnow(path)
    weekly = transactions.set_index("date")["value"].resample("W").sum()

    validation: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    for calibration_weeks in VALIDATION_CALIBRATION_WEEKS:
        forecasts, actual, scale = candidate_forecasts(transactions, weekly, calibration_weeks)
        for name in CANDIDATES:
            validation[name].append(mase(actual, forecasts[name], scale))
    validation_mean = {name: float(np.mean(values)) for name, values in validation.items()}
    selected = min(CANDIDATES, key=lambda name: validation_mean[name])
    for name in CANDIDATES:
        print("validation", name, np.round(validation[name], 3).tolist())

    started = time.perf_counter()
    forecasts, actual, scale = candidate_forecasts(
        transactions, weekly, weekly.size - HOLDOUT_WEEKS
    )
    seconds = time.perf_counter() - started
    holdout = {name: mase(actual, forecasts[name], scale) for name in CANDIDATES}

    figures = {"cdnow_mase": holdout[selected]}
    figures["cdnow_mase_best_baseline"] = min(holdout["naive"], holdout["ses"])
    for name in CANDIDATES:
        figures[f"cdnow_mase_{name}"] = holdout[name]
        figures[f"cdnow_validation_mase_{name}"] = validation_mean[name]
    figures["cdnow_candidates_seconds"] = seconds
    print("weeks", weekly.size, "holdout actual", actual.round(0).tolist())
    print("selected", selected, forecasts[selected].round(0).tolist())
    return figures, selected


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


def simulator_contracts(truth_dir: Path) -> pd.DataFrame:
    """Build one annual contract per customer account: first win, 12 x monthly price, churn."""
    accounts = pd.read_csv(truth_dir / "accounts.csv", parse_dates=["first_won_at", "churned_at"])
    customers = accounts.dropna(subset=["first_won_at"])
    return pd.DataFrame(
        {
            "contract_id": customers["account_id"],
            "started_at": customers["first_won_at"],
            "annual_value": 12.0 * customers["monthly_price"],
            "churned_at": customers["churned_at"],
        }
    )


def contract_book_backtest(
    monthly: pd.DataFrame, contracts: pd.DataFrame, config: ForecastConfig
) -> pd.DataFrame:
    """MASE of the contract book on renewal and churn, at the origins `backtest_forecasts` uses.

    Each stage's series runs from its first month to the last month of `monthly` with
    missing months as zero, and the scale is the seasonal naive in-sample error of the
    training window, as in `ml.forecasting.evaluate.score_origins`. The contract book
    uses only contracts started before the origin and churns before it.
    """
    last_month = monthly["period_start"].max()
    rows = []
    for stage in ("renewal", "churn"):
        totals = monthly[monthly["stage"] == stage].groupby("period_start")["revenue"].sum()
        months = pd.date_range(totals.index.min(), last_month, freq="MS")
        series = totals.reindex(months, fill_value=0.0).to_numpy(float)
        horizon = config.horizon_months
        last_origin = series.size - horizon
        errors = []
        for origin in range(last_origin, max(last_origin - config.backtest_origins, 2), -1):
            scale = mase_scale(series[:origin], config.season_length)
            if not np.isfinite(scale) or scale == 0.0:
                continue
            book = forecast_contract_book(contracts, months[origin], horizon)
            forecast = book[book["stage"] == stage]["forecast"].to_numpy()
            actual = series[origin : origin + horizon]
            errors.append(float(np.mean(np.abs(actual - forecast))) / scale)
        rows.append(
            {
                "stage": stage,
                "method": "contract_book",
                "mase": float(np.mean(errors)),
                "origins": len(errors),
            }
        )
    return pd.DataFrame(rows)


def simulator_figures(members: int, seed: int) -> dict[str, float]:
    """Backtest MASE per method on four simulated years, averaged over stages.

    `simulator_mase_ours` takes the pipeline's selected method for new business and
    expansion and the contract book for renewal and churn.
    """
    from simulator.config import SimulationConfig
    from simulator.run import simulate

    start, end = pd.Timestamp("2022-07-01"), pd.Timestamp("2026-06-30")
    with tempfile.TemporaryDirectory() as folder:
        config = SimulationConfig(members=members, seed=seed, start=start.date(), end=end.date())
        simulate(config, Path(folder))
        monthly = simulator_monthly_revenue(Path(folder) / "truth", end)
        contracts = simulator_contracts(Path(folder) / "truth")

    forecast_config = ForecastConfig(horizon_months=3, backtest_origins=12)
    backtest = backtest_forecasts(monthly, forecast_config)
    print(backtest.to_string(index=False))
    book = contract_book_backtest(monthly, contracts, forecast_config)
    print(book.to_string(index=False))
    means = backtest.groupby("method")[["mase", "interval_coverage"]].mean()
    figures = {f"simulator_mase_{method}": float(value) for method, value in means["mase"].items()}
    for method, value in means["interval_coverage"].items():
        figures[f"simulator_coverage80_{method}"] = float(value)

    per_stage = backtest.set_index(["stage", "method"])["mase"]
    ours = [per_stage[(stage, "selected")] for stage in ("new_business", "expansion")]
    ours += book["mase"].tolist()
    figures["simulator_mase_ours"] = float(np.mean(ours))
    for row in book.itertuples():
        figures[f"simulator_mase_contract_book_{row.stage}"] = row.mase
    figures["simulator_mase_best_baseline"] = min(
        figures["simulator_mase_seasonal_naive"], figures["simulator_mase_ses"]
    )
    return figures


def main() -> None:
    """Run the CDNOW and simulator benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=CDNOW_PATH, help="path of CDNOW_master.txt")
    parser.add_argument("--members", type=int, default=3000, help="simulated members")
    parser.add_argument("--seed", type=int, default=11, help="simulator seed")
    arguments = parser.parse_args()

    figures, selected = cdnow_figures(arguments.data)
    figures.update(simulator_figures(arguments.members, arguments.seed))
    result: dict[str, float | str] = {key: round(value, 4) for key, value in figures.items()}
    result["cdnow_selected"] = selected
    print(json.dumps(result))


if __name__ == "__main__":
    main()
