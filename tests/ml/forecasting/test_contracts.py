import pandas as pd
import pytest

from ml.errors import ConfigurationError, DataQualityError
from ml.forecasting.contracts import churn_probability, forecast_contract_book


def contracts_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contract_id": ["a", "b", "c", "d"],
            "started_at": pd.to_datetime(["2023-01-15", "2023-02-10", "2023-03-05", "2024-06-01"]),
            "annual_value": [1200.0, 2400.0, 600.0, 100.0],
            "churned_at": pd.to_datetime([None, "2024-02-10", None, None]),
        }
    )


def forecast_table(origin: str, horizon: int = 3) -> pd.DataFrame:
    book = forecast_contract_book(contracts_frame(), pd.Timestamp(origin), horizon)
    return book.pivot(index="period_start", columns="stage", values="forecast")


def test_churn_probability_counts_anniversaries_before_origin():
    # Before 1 March 2024: a renewed on 15 January, b churned on 10 February.
    probability, anniversaries = churn_probability(contracts_frame(), pd.Timestamp("2024-03-01"))
    assert anniversaries == 2
    assert probability == pytest.approx(0.5)


def test_churn_probability_ignores_churn_after_origin():
    # On 1 February 2024 b's churn ten days later is not yet known.
    probability, anniversaries = churn_probability(contracts_frame(), pd.Timestamp("2024-02-01"))
    assert anniversaries == 1
    assert probability == 0.0


def test_forecast_contract_book_splits_due_value():
    table = forecast_table("2024-03-01")
    # Only c (600) is due in the horizon; b churned before the origin.
    assert table.loc["2024-03-01", "renewal"] == pytest.approx(300.0)
    assert table.loc["2024-03-01", "churn"] == pytest.approx(300.0)
    assert table.loc["2024-04-01"].sum() == 0.0
    assert table.loc["2024-05-01"].sum() == 0.0


def test_forecast_contract_book_keeps_unknown_churn_active():
    table = forecast_table("2024-02-01", horizon=2)
    assert table.loc["2024-02-01", "renewal"] == pytest.approx(2400.0)
    assert table.loc["2024-02-01", "churn"] == 0.0
    assert table.loc["2024-03-01", "renewal"] == pytest.approx(600.0)


def test_forecast_contract_book_default_probability_without_history():
    book = forecast_contract_book(contracts_frame(), pd.Timestamp("2023-06-01"), 12)
    churn = book[book["stage"] == "churn"].set_index("period_start")["forecast"]
    # No anniversary before June 2023: a, b and c are due in 2024 at the default 10%.
    assert churn.loc["2024-01-01"] == pytest.approx(120.0)
    assert churn.loc["2024-02-01"] == pytest.approx(240.0)
    assert churn.loc["2024-03-01"] == pytest.approx(60.0)
    assert churn.loc["2024-04-01"] == 0.0
    assert book["method"].unique().tolist() == ["contract_book"]


def test_forecast_contract_book_ignores_later_contracts():
    table = forecast_table("2024-05-15", horizon=1)
    # d starts after the origin and cannot renew within the horizon.
    assert table.loc["2024-05-01"].sum() == 0.0


def test_forecast_contract_book_long_horizon_raises():
    with pytest.raises(ConfigurationError, match="horizon_months 13 is invalid"):
        forecast_contract_book(contracts_frame(), pd.Timestamp("2024-03-01"), 13)


def test_forecast_contract_book_negative_value_raises():
    frame = contracts_frame()
    frame.loc[2, "annual_value"] = -5.0
    with pytest.raises(DataQualityError, match="row 2, field 'annual_value'"):
        forecast_contract_book(frame, pd.Timestamp("2024-03-01"), 3)


def test_forecast_contract_book_missing_column_raises():
    frame = contracts_frame().drop(columns="churned_at")
    with pytest.raises(DataQualityError, match=r"missing column\(s\) \['churned_at'\]"):
        forecast_contract_book(frame, pd.Timestamp("2024-03-01"), 3)


def test_forecast_contract_book_repeated_contract_raises():
    frame = pd.concat([contracts_frame(), contracts_frame().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataQualityError, match=r"row 4, field 'contract_id': value 'a' repeats"):
        forecast_contract_book(frame, pd.Timestamp("2024-03-01"), 3)
