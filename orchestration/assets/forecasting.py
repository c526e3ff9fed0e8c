"""Forecasting: monthly revenue by lifecycle stage -> next-quarter forecast with intervals."""

from collections.abc import Callable, Iterator

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from ml.forecasting import ForecastConfig, backtest_forecasts, forecast_revenue
from ml.io import read_table, replace_table
from orchestration.resources import WarehouseResource

MONTHLY_REVENUE = AssetKey(["marts", "fct_revenue_monthly"])


def _per_currency(
    history: pd.DataFrame,
    step: Callable[[pd.DataFrame, ForecastConfig], pd.DataFrame],
    config: ForecastConfig,
) -> pd.DataFrame:
    """Run a forecasting step on each currency's history alone: amounts never mix currencies."""
    if history.empty:
        # Keep the step's columns on an empty history (a landing folder without billing).
        empty = step(history.drop(columns="currency"), config)
        return empty.assign(currency=pd.Series(dtype="string"))
    frames = [
        step(group.drop(columns="currency"), config).assign(currency=currency)
        for currency, group in history.groupby("currency")
    ]
    return pd.concat(frames, ignore_index=True)


@multi_asset(
    specs=[
        AssetSpec(
            ["forecasting", "revenue_forecast"],
            group_name="forecasting",
            deps=[MONTHLY_REVENUE],
            description="Next-quarter revenue per currency, lifecycle stage and method.",
        ),
        AssetSpec(
            ["forecasting", "forecast_backtest"],
            group_name="forecasting",
            deps=[MONTHLY_REVENUE],
            description="Rolling-origin MASE of each forecasting method per lifecycle stage.",
        ),
    ]
)
def revenue_forecast(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[None]]:
    """Forecast net revenue for the next quarter per currency and lifecycle stage.

    Each stage's method is the one with the lowest rolling-origin MASE on its own history;
    the backtest table shows every method's score. See docs/forecasting-and-scoring.md.
    """
    config = ForecastConfig()
    with warehouse.get_connection() as con:
        monthly = read_table(con, "marts", "fct_revenue_monthly")
    history = (
        monthly.rename(columns={"revenue_stage": "stage", "net_amount": "revenue"})
        .groupby(["currency", "period_start", "stage"], as_index=False)["revenue"]
        .sum()
    )
    history["revenue"] = history["revenue"].astype(float)
    context.log.info(f"forecasting from {len(history)} currency-month-stage rows")

    forecast = _per_currency(history, forecast_revenue, config)
    backtest = _per_currency(history, backtest_forecasts, config)

    with warehouse.get_connection() as con:
        replace_table(con, "forecasting", "revenue_forecast", forecast)
        replace_table(con, "forecasting", "forecast_backtest", backtest)

    yield MaterializeResult(
        asset_key=["forecasting", "revenue_forecast"],
        metadata={"rows": len(forecast), "history_rows": len(history)},
    )
    yield MaterializeResult(
        asset_key=["forecasting", "forecast_backtest"], metadata={"rows": len(backtest)}
    )
