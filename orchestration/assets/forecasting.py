"""Forecasting: monthly revenue by lifecycle stage -> next-quarter forecast with intervals."""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from ml.forecasting import ForecastConfig, backtest_forecasts, forecast_revenue
from ml.io import read_table, replace_table
from orchestration.resources import WarehouseResource

MONTHLY_REVENUE = AssetKey(["marts", "fct_revenue_monthly"])


@multi_asset(
    specs=[
        AssetSpec(
            ["forecasting", "revenue_forecast"],
            group_name="forecasting",
            deps=[MONTHLY_REVENUE],
            description="Next-quarter revenue per lifecycle stage and method, with intervals.",
        ),
        AssetSpec(
            ["forecasting", "forecast_backtest"],
            group_name="forecasting",
            deps=[MONTHLY_REVENUE],
            description="Rolling-origin MASE of each forecasting method per lifecycle stage.",
        ),
    ]
)
def revenue_forecast(context: AssetExecutionContext, warehouse: WarehouseResource):
    """Forecast net revenue for the next quarter per lifecycle stage and backtest the methods."""
    config = ForecastConfig()
    with warehouse.get_connection() as con:
        monthly = read_table(con, "marts", "fct_revenue_monthly")
    history = (
        monthly.rename(columns={"revenue_stage": "stage", "net_amount": "revenue"})
        .groupby(["period_start", "stage"], as_index=False)["revenue"]
        .sum()
    )
    history["revenue"] = history["revenue"].astype(float)
    context.log.info(f"forecasting from {len(history)} month-stage rows")

    forecast = forecast_revenue(history, config)
    backtest = backtest_forecasts(history, config)

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
