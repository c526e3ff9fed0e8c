"""Revenue forecasts: monthly pipeline forecasts per stage and their backtests."""

from ml.forecasting.pipeline import ForecastConfig, backtest_forecasts, forecast_revenue

__all__ = ["ForecastConfig", "backtest_forecasts", "forecast_revenue"]
