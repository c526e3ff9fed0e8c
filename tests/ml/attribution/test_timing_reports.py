import logging

import numpy as np
import pandas as pd
import pytest

from ml.attribution import AttributionConfig
from ml.attribution.levels import consent_shift_levels
from ml.attribution.sensitivity import (
    CONSENT_COLUMNS,
    SENSITIVITY_COLUMNS,
    threshold_sensitivity,
    timing_consent_shift,
)
from ml.attribution.timing import TimingConfig
from ml.attribution.timing_reports import TIMING_MODEL, run_timing_credit
from ml.identity.accounts import make_account_id

START = pd.Timestamp("2025-01-06", tz="UTC")
WEEKS = 60
ACCOUNTS = 300
# Fixed shapes and no draws keep each fit to a few Newton steps.
FAST_TIMING = TimingConfig(select_shapes=False, interval_draws=0)
LINEAR = AttributionConfig(models=("linear",))
# Accounts whose second person signs up with a personal mailbox: that person joins the
# account only when the clustering merges them with the first person.
PERSONAL_MAILBOX_EVERY = 3


def _domain(account: int) -> str:
    return f"a{account}.example"


def _weekly_world(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return touch records and conversions of accounts whose `event` touches cause deals.

    Every account has two people (records `r<i>a` and `r<i>b`), each making touches in random
    weeks. Touches raise the weekly log-odds of an opportunity in the weeks after them (decay
    0.7), by up to 2.0 for `event` and 0.8 for the more frequent `chat`. Each account opens at
    most one opportunity, and every opportunity is won 30 days later.
    """
    rng = np.random.default_rng(seed)
    event = rng.poisson(0.08, (ACCOUNTS, WEEKS))
    chat = rng.poisson(0.3, (ACCOUNTS, WEEKS))
    exposure = {}
    for channel, counts in (("event", event), ("chat", chat)):
        decayed = np.zeros((ACCOUNTS, WEEKS))
        for week in range(1, WEEKS):
            decayed[:, week] = 0.7 * decayed[:, week - 1] + counts[:, week - 1]
        exposure[channel] = 1 - np.exp(-decayed)
    log_odds = -5.0 + 2.0 * exposure["event"] + 0.8 * exposure["chat"]
    opens = rng.random((ACCOUNTS, WEEKS)) < 1 / (1 + np.exp(-log_odds))
    rows = []
    for channel, counts in (("event", event), ("chat", chat)):
        account, week = np.nonzero(counts)
        repeat = counts[account, week]
        account, week = np.repeat(account, repeat), np.repeat(week, repeat)
        person = np.where(rng.random(len(account)) < 0.5, "a", "b")
        rows.append(
            pd.DataFrame(
                {
                    "record_id": [f"r{a}{p}" for a, p in zip(account, person, strict=True)],
                    "touched_at": START + pd.to_timedelta(week * 7 + 2, "D"),
                    "channel": channel,
                    "program": None,
                }
            )
        )
    touch_records = pd.concat(rows, ignore_index=True)
    touch_records.insert(0, "touch_id", [f"t{index}" for index in range(len(touch_records))])

    opened = np.flatnonzero(opens.any(axis=1))
    created = START + pd.to_timedelta(opens[opened].argmax(axis=1) * 7 + 4, "D")
    journey = [make_account_id(_domain(account)) for account in opened]
    pipeline = pd.DataFrame(
        {
            "conversion_id": [f"o{account}" for account in opened],
            "journey_id": journey,
            "opportunity_id": [f"d{account}" for account in opened],
            "conversion_type": "opportunity_created",
            "converted_at": created,
            "revenue": 0.0,
        }
    )
    won = pipeline.assign(
        conversion_id=[f"w{account}" for account in opened],
        conversion_type="closed_won",
        converted_at=created + pd.Timedelta(days=30),
        revenue=1000.0,
    )
    return touch_records, pd.concat([pipeline, won], ignore_index=True)


def _identity(touch_records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return identity records and two clusterings: people merged (0.5) and apart (0.99)."""
    record_ids = sorted(set(touch_records["record_id"]))
    emails = [
        f"{record}@mail.example"
        if record.endswith("b") and int(record[1:-1]) % PERSONAL_MAILBOX_EVERY == 0
        else f"{record}@{_domain(int(record[1:-1]))}"
        for record in record_ids
    ]
    records = pd.DataFrame({"record_id": record_ids, "email": emails, "company_domain": None})
    merged = pd.DataFrame(
        {"threshold": 0.5, "record_id": record_ids, "person_id": [r[:-1] for r in record_ids]}
    )
    apart = pd.DataFrame({"threshold": 0.99, "record_id": record_ids, "person_id": record_ids})
    return records, pd.concat([merged, apart], ignore_index=True)


def _account_touches(touch_records: pd.DataFrame) -> pd.DataFrame:
    """Return the touches on account journeys with people merged, as `marts.fct_touches`."""
    touches = touch_records.rename(columns={"record_id": "person_id"})
    account = touches["person_id"].str[1:-1].astype(int)
    touches["journey_id"] = [make_account_id(_domain(a)) for a in account]
    return touches


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _weekly_world()


def test_timing_rows_at_every_threshold(world):
    touch_records, conversions = world
    records, clusters = _identity(touch_records)
    report = threshold_sensitivity(
        touch_records, clusters, records, conversions, LINEAR, model="linear", timing=FAST_TIMING
    )
    timing = report[report["model"] == TIMING_MODEL]
    assert list(report.columns) == SENSITIVITY_COLUMNS
    assert set(report["model"]) == {"linear", TIMING_MODEL}
    assert sorted(timing["threshold"].unique()) == [0.5, 0.99]
    assert set(timing["conversion_type"]) == {"closed_won"}
    for threshold, rows in timing.groupby("threshold"):
        assert rows["share"].sum() == pytest.approx(1.0), threshold
        assert set(rows["channel"]) == {"chat", "event"}, threshold
    assert (timing["share"] > 0).all()
    # Apart, the personal-mailbox people belong to no account, so their touches drop out
    # and the credit differs from the merged clustering.
    credit = timing.set_index(["threshold", "channel"])["revenue_credit"]
    assert credit[(0.5, "event")] != pytest.approx(credit[(0.99, "event")])


def test_timing_rows_match_the_credit_table(world):
    touch_records, conversions = world
    records, clusters = _identity(touch_records)
    merged = clusters[clusters["threshold"] == 0.5]
    report = threshold_sensitivity(
        touch_records, merged, records, conversions, LINEAR, model="linear", timing=FAST_TIMING
    )
    direct, reason = run_timing_credit(_account_touches(touch_records), conversions, FAST_TIMING)
    timing = report[report["model"] == TIMING_MODEL].set_index("channel")
    assert reason is None
    for row in direct.itertuples():
        assert timing.loc[row.channel, "revenue_credit"] == pytest.approx(row.revenue_credit)
        assert timing.loc[row.channel, "share"] == pytest.approx(row.share)


def test_sensitivity_without_opportunities_warns_once(world, caplog):
    touch_records, conversions = world
    records, clusters = _identity(touch_records)
    won_only = conversions[conversions["conversion_type"] == "closed_won"]
    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        report = threshold_sensitivity(
            touch_records, clusters, records, won_only, LINEAR, model="linear", timing=FAST_TIMING
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert set(report["model"]) == {"linear"}
    assert sorted(report["threshold"].unique()) == [0.5, 0.99]
    assert len(warnings) == 1
    assert "threshold sensitivity" in warnings[0]
    assert "threshold 0.5, threshold 0.99" in warnings[0]
    assert "no opportunity_created conversion" in warnings[0]


def test_sensitivity_catches_timing_input_error(world, caplog):
    touch_records, conversions = world
    records, clusters = _identity(touch_records)
    # A second opportunity_created row for the same opportunity is valid for the journey
    # models (its conversion id differs) but the timing model rejects it.
    repeated = conversions[conversions["conversion_type"] == "opportunity_created"].head(1)
    doubled = pd.concat([conversions, repeated.assign(conversion_id="again")], ignore_index=True)
    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        report = threshold_sensitivity(
            touch_records, clusters, records, doubled, LINEAR, model="linear", timing=FAST_TIMING
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert set(report["model"]) == {"linear"}
    assert len(warnings) == 1
    assert "AttributionInputError" in warnings[0]
    assert "opportunity_id" in warnings[0]


def test_consent_drop_lowers_event_credit(world):
    touch_records, conversions = world
    touches = _account_touches(touch_records)
    # The dropped people are the second people of the won accounts whose first person never
    # touched an event, so their deals lose every event touch.
    won = set(conversions.loc[conversions["conversion_type"] == "closed_won", "journey_id"])
    event = touches[touches["channel"] == "event"]
    first_event = set(event.loc[event["person_id"].str.endswith("a"), "journey_id"])
    dropped_people = set(
        event.loc[
            event["person_id"].str.endswith("b") & event["journey_id"].isin(won - first_event),
            "person_id",
        ]
    )
    touches["consented"] = ~touches["person_id"].isin(dropped_people)

    rows = timing_consent_shift(touches, conversions, FAST_TIMING)
    report = rows.set_index("channel")
    assert len(dropped_people) >= 5
    assert list(rows.columns) == CONSENT_COLUMNS
    assert set(report["model"]) == {TIMING_MODEL}
    assert report.loc["event", "revenue_shift"] < 0
    assert report.loc["event", "share_consented"] < report.loc["event", "share_all"]
    assert report.loc["chat", "share_consented"] > report.loc["chat", "share_all"]
    for channel in ("event", "chat"):
        expected = int(((~touches["consented"]) & (touches["channel"] == channel)).sum())
        assert report.loc[channel, "touches_dropped"] == expected
        shift = report.loc[channel, "revenue_credit_consented"]
        shift -= report.loc[channel, "revenue_credit_all"]
        assert report.loc[channel, "revenue_shift"] == pytest.approx(shift)


def test_consent_levels_add_timing_at_account(world):
    touch_records, conversions = world
    touches = _account_touches(touch_records)
    touches["consented"] = ~touches["person_id"].str.endswith("b")
    people = conversions[["conversion_id"]].assign(person_id="p")
    report = consent_shift_levels(touches, conversions, people, LINEAR, ("linear",), FAST_TIMING)
    timing = report[report["model"] == TIMING_MODEL]
    assert set(timing["level"]) == {"account"}
    assert set(report.loc[report["level"] == "person", "model"]) == {"linear"}
    assert set(timing["channel"]) == {"chat", "event"}


def test_consent_without_opportunities_warns_once(world, caplog):
    touch_records, conversions = world
    touches = _account_touches(touch_records)
    touches["consented"] = True
    won_only = conversions[conversions["conversion_type"] == "closed_won"]
    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        report = timing_consent_shift(touches, won_only, FAST_TIMING)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert report.empty
    assert list(report.columns) == CONSENT_COLUMNS
    assert len(warnings) == 1
    assert "consent report" in warnings[0]
    assert "every touch: no opportunity_created conversion" in warnings[0]


def test_consent_with_no_consented_touch_warns(world, caplog):
    touch_records, conversions = world
    touches = _account_touches(touch_records)
    touches["consented"] = False
    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        report = timing_consent_shift(touches, conversions, FAST_TIMING)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert report.empty
    assert len(warnings) == 1
    assert "consented touches only: no credited deal" in warnings[0]
