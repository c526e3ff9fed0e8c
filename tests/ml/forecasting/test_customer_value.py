import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1
from scipy.stats import beta, gamma

from ml.errors import DataQualityError
from ml.forecasting.customer_value import (
    BgNbdParams,
    GammaGammaParams,
    _bgnbd_log_likelihood,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    summarise_transactions,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
# BetaGeoFitter().fit(frequency, recency, T).params_ of lifetimes 0.11.3 (pandas 2.3.3) on
# cdnow_customers_summary.csv, run in a separate environment.
LIFETIMES_CDNOW = {"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425752}


def transactions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-29", "2024-01-08", "2024-03-01"]
            ),
            "value": [10.0, 5.0, 20.0, 40.0, 7.0, 9.0],
        }
    )


def test_summarise_transactions_recency_frequency_monetary():
    summary = summarise_transactions(transactions_frame(), pd.Timestamp("2024-02-05"))
    customer_a = summary.loc["a"]
    # Two same-day rows on 1 Jan are one purchase; repeats on 15 and 29 Jan.
    assert customer_a["frequency"] == 2.0
    assert customer_a["recency"] == pytest.approx(4.0)
    assert customer_a["age"] == pytest.approx(5.0)
    assert customer_a["monetary_value"] == pytest.approx(30.0)


def test_summarise_transactions_single_purchase_has_zero_monetary():
    summary = summarise_transactions(transactions_frame(), pd.Timestamp("2024-02-05"))
    assert summary.loc["b", "frequency"] == 0.0
    assert summary.loc["b", "monetary_value"] == 0.0
    assert summary.loc["b", "age"] == pytest.approx(4.0)


def test_summarise_transactions_drops_later_purchases():
    summary = summarise_transactions(transactions_frame(), pd.Timestamp("2024-02-05"))
    assert "c" not in summary.index


def test_summarise_transactions_negative_value_raises():
    frame = transactions_frame()
    frame.loc[3, "value"] = -1.0
    with pytest.raises(DataQualityError, match="row 3, field 'value'"):
        summarise_transactions(frame, pd.Timestamp("2024-02-05"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("value", np.nan), ("value", "12 EUR"), ("customer_id", None), ("date", "soon")],
)
def test_summarise_transactions_bad_cell_raises(field, value):
    # A NaN value was summed as 0 and a missing customer_id dropped, both without a word.
    frame = transactions_frame().astype({field: object})
    frame.loc[2, field] = value
    with pytest.raises(DataQualityError, match=rf"row 2, field '{field}'"):
        summarise_transactions(frame, pd.Timestamp("2024-02-05"))


def test_fit_bgnbd_without_customers_raises():
    # The optimiser "converged" at its start point and returned r = alpha = a = b = 1.
    empty = summarise_transactions(transactions_frame(), pd.Timestamp("2023-01-01"))
    with pytest.raises(DataQualityError, match="no customers"):
        fit_bgnbd(empty)


def test_expected_purchases_new_customer_matches_unconditional_formula():
    params = BgNbdParams(r=0.5, alpha=2.0, a=1.5, b=3.0)
    summary = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "age": [0.0]})
    t = 4.0
    # With no history, E[X(t)] = (a+b-1)/(a-1) * (1 - (alpha/(alpha+t))^r * 2F1(...)).
    expected = (3.5 / 0.5) * (1 - (2.0 / 6.0) ** 0.5 * hyp2f1(0.5, 3.0, 3.5, 4.0 / 6.0))
    assert expected_purchases(params, t, summary)[0] == pytest.approx(expected)


def test_expected_purchases_grow_with_horizon():
    params = BgNbdParams(r=0.5, alpha=2.0, a=1.5, b=3.0)
    summary = pd.DataFrame({"frequency": [3.0], "recency": [8.0], "age": [10.0]})
    short = expected_purchases(params, 2.0, summary)[0]
    long = expected_purchases(params, 10.0, summary)[0]
    assert 0.0 < short < long


def test_expected_average_spend_shrinks_toward_prior():
    params = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    summary = pd.DataFrame({"frequency": [0.0, 10.0], "monetary_value": [0.0, 100.0]})
    spend = expected_average_spend(params, summary)
    assert spend[0] == pytest.approx(6.0 * 15.0 / 3.0)
    assert spend[0] < spend[1] < 100.0


def test_fit_gamma_gamma_without_repeaters_raises():
    summary = pd.DataFrame({"frequency": [0.0], "monetary_value": [0.0]})
    with pytest.raises(DataQualityError, match="no customer with a repeat purchase"):
        fit_gamma_gamma(summary)


def test_fit_bgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    customers, age = 4000, 40.0
    rates = rng.gamma(shape=0.8, scale=1 / 4.0, size=customers)
    dropout = rng.beta(1.0, 4.0, size=customers)
    frequency, recency = np.zeros(customers), np.zeros(customers)
    for i in range(customers):
        time = 0.0
        while True:
            time += rng.exponential(1 / rates[i])
            if time > age:
                break
            frequency[i] += 1
            recency[i] = time
            if rng.random() < dropout[i]:
                break
    summary = pd.DataFrame({"frequency": frequency, "recency": recency, "age": age})
    params = fit_bgnbd(summary)
    assert params.r == pytest.approx(0.8, rel=0.2)
    assert params.alpha == pytest.approx(4.0, rel=0.25)
    assert params.a == pytest.approx(1.0, rel=0.35)
    assert params.b == pytest.approx(4.0, rel=0.35)


@pytest.mark.shared_data
def test_fit_bgnbd_cdnow_sample_matches_lifetimes():
    path = SHARED_DATA / "cdnow" / "cdnow_customers_summary.csv"
    if not path.exists():
        pytest.skip("the CDNOW summary in shared/data is absent")
    raw = pd.read_csv(path)
    summary = pd.DataFrame(
        {"frequency": raw["frequency"], "recency": raw["recency"], "age": raw["T"]}
    )
    params = fit_bgnbd(summary)
    assert params.r == pytest.approx(LIFETIMES_CDNOW["r"], rel=1e-2)
    assert params.alpha == pytest.approx(LIFETIMES_CDNOW["alpha"], rel=1e-2)
    assert params.a == pytest.approx(LIFETIMES_CDNOW["a"], rel=1e-2)
    assert params.b == pytest.approx(LIFETIMES_CDNOW["b"], rel=1e-2)


# Customers (x, t_x, T) and a horizon for checking the closed forms against numerical
# integration over the purchase rate lambda and the dropout probability p. The prior
# shapes are above 1 so that the integrands stay bounded near zero.
INTEGRATION_PARAMS = BgNbdParams(r=2.0, alpha=3.0, a=2.5, b=4.0)
INTEGRATION_CUSTOMERS = [(0.0, 0.0, 6.0), (1.0, 2.0, 6.0), (4.0, 5.5, 6.0)]


def _individual_terms(
    rate: np.ndarray, dropout: np.ndarray, x: float, t_x: float, age: float, modified: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Likelihood of the history given lambda and p: (active at T, dropped after t_x)."""
    purchases = rate**x
    if modified:
        active = (1 - dropout) ** (x + 1) * purchases * np.exp(-rate * age)
        dropped = dropout * (1 - dropout) ** x * purchases * np.exp(-rate * t_x)
        return active, dropped
    active = (1 - dropout) ** x * purchases * np.exp(-rate * age)
    if x == 0:
        return active, np.zeros_like(active)
    dropped = dropout * (1 - dropout) ** (x - 1) * purchases * np.exp(-rate * t_x)
    return active, dropped


@functools.cache
def _quadrature() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes on lambda in (0, 60) and p in (0, 1), weighted by the prior.

    200 nodes per axis; the Gamma(2, 3) prior mass of lambda above 60 is below 1e-70.
    """
    params = INTEGRATION_PARAMS
    nodes, weights = np.polynomial.legendre.leggauss(200)
    rate, dropout = 30.0 * (nodes + 1), 0.5 * (nodes + 1)
    rate_weights = 30.0 * weights * gamma(params.r, scale=1 / params.alpha).pdf(rate)
    dropout_weights = 0.5 * weights * beta(params.a, params.b).pdf(dropout)
    rate_grid, dropout_grid = np.meshgrid(rate, dropout, indexing="ij")
    return rate_grid, dropout_grid, np.outer(rate_weights, dropout_weights)


def _integrate(function) -> float:
    """Integrate function(rate, dropout) against the Gamma(r, alpha) x Beta(a, b) prior."""
    rate_grid, dropout_grid, weights = _quadrature()
    return float(np.sum(function(rate_grid, dropout_grid) * weights))


@pytest.mark.parametrize("modified", [False, True])
@pytest.mark.parametrize(("x", "t_x", "age"), INTEGRATION_CUSTOMERS)
def test_log_likelihood_matches_integration(modified, x, t_x, age):
    params = INTEGRATION_PARAMS
    closed = _bgnbd_log_likelihood(
        np.array([params.r, params.alpha, params.a, params.b]),
        np.array([x]),
        np.array([t_x]),
        np.array([age]),
        modified,
    )[0]
    integrated = _integrate(
        lambda rate, dropout: sum(_individual_terms(rate, dropout, x, t_x, age, modified))
    )
    assert np.exp(closed) == pytest.approx(integrated, rel=1e-6)


@pytest.mark.parametrize("modified", [False, True])
@pytest.mark.parametrize(("x", "t_x", "age"), INTEGRATION_CUSTOMERS)
def test_expected_purchases_match_integration(modified, x, t_x, age):
    # Given lambda and p and active at T, expected purchases in t are (1 - exp(-lambda p t)) / p.
    horizon = 5.0
    params = BgNbdParams(**{**INTEGRATION_PARAMS.__dict__, "modified": modified})
    summary = pd.DataFrame({"frequency": [x], "recency": [t_x], "age": [age]})
    evidence = _integrate(
        lambda rate, dropout: sum(_individual_terms(rate, dropout, x, t_x, age, modified))
    )
    future = _integrate(
        lambda rate, dropout: (
            _individual_terms(rate, dropout, x, t_x, age, modified)[0]
            * (1 - np.exp(-rate * dropout * horizon))
            / dropout
        )
    )
    assert expected_purchases(params, horizon, summary)[0] == pytest.approx(
        future / evidence, rel=1e-5
    )


def test_mbgnbd_expects_fewer_purchases_from_one_time_buyers():
    params = BgNbdParams(r=0.5, alpha=2.0, a=1.5, b=3.0)
    modified = BgNbdParams(r=0.5, alpha=2.0, a=1.5, b=3.0, modified=True)
    summary = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "age": [20.0]})
    assert (
        expected_purchases(modified, 10.0, summary)[0]
        < expected_purchases(params, 10.0, summary)[0]
    )


def test_fit_mbgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(11)
    customers, age = 4000, 40.0
    rates = rng.gamma(shape=0.8, scale=1 / 4.0, size=customers)
    dropout = rng.beta(1.0, 4.0, size=customers)
    frequency, recency = np.zeros(customers), np.zeros(customers)
    for i in range(customers):
        # MBG/NBD: the customer may drop out right after the first purchase at time 0.
        if rng.random() < dropout[i]:
            continue
        time = 0.0
        while True:
            time += rng.exponential(1 / rates[i])
            if time > age:
                break
            frequency[i] += 1
            recency[i] = time
            if rng.random() < dropout[i]:
                break
    summary = pd.DataFrame({"frequency": frequency, "recency": recency, "age": age})
    params = fit_bgnbd(summary, modified=True)
    assert params.modified
    assert params.r == pytest.approx(0.8, rel=0.2)
    assert params.alpha == pytest.approx(4.0, rel=0.25)
    assert params.a == pytest.approx(1.0, rel=0.35)
    assert params.b == pytest.approx(4.0, rel=0.35)
