"""Stripe-shaped billing tables (Fivetran landing names) for one chunk.

Accounting rule: every closed-won deal gets one subscription whose metadata names the deal.
The subscription bills deal amount / 12 (the deal's monthly amount) once a month from the
close day, for as long as it runs inside the window, so twelve invoices sum to the deal amount.
"""

import datetime as dt
import json
from dataclasses import dataclass

from simulator import identities
from simulator.context import ChunkContext
from simulator.crm import CrmResult
from simulator.outcomes import WorldOutcome
from simulator.population import stable_token
from simulator.sink import connector_timestamp

CUSTOMER_HEADER = ("id", "email", "name", "description", "currency", "created", "metadata")
SUBSCRIPTION_HEADER = (
    "id", "customer_id", "status", "created", "start_date", "current_period_start",
    "current_period_end", "cancel_at_period_end", "canceled_at", "ended_at", "metadata",
)  # fmt: skip
INVOICE_HEADER = (
    "id", "customer_id", "subscription_id", "charge_id", "status", "billing_reason", "currency",
    "amount_due", "amount_paid", "created", "period_start", "period_end",
)  # fmt: skip
REFUND_HEADER = ("id", "charge_id", "amount", "currency", "created", "reason", "status")
REFUND_SHARE = 0.02
CANCEL_NOTICE_DAYS = 21
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class BillingResult:
    """Stripe ids of one chunk, for the truth tables."""

    customer_ids: dict[int, str]
    subscription_ids: dict[str, str]


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day of the month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def _seconds(config_start: dt.date, day: dt.date) -> int:
    return (day - config_start).days * 86_400


def write_stripe(ctx: ChunkContext, world: WorldOutcome, crm: CrmResult) -> BillingResult:
    """Write customers, subscriptions, monthly invoices and refunds for closed-won deals."""
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    customers: dict[int, str] = {}
    subscriptions: dict[str, str] = {}
    customer_rows, subscription_rows, invoice_rows, refund_rows = [], [], [], []
    won = [d for d in crm.deals if d.deal.won and d.deal.is_closed(config.days)]
    for crm_deal in sorted(won, key=lambda item: (item.deal.close_day, item.deal_id)):
        deal = crm_deal.deal
        account = ctx.chunk.accounts[deal.account]
        start_second = deal.close_day * 86_400 + 10 * 3600
        if deal.account not in customers:
            customer_id = "cus_" + stable_token(
                config.seed, "stripe_customer", account.index, BASE62, 14
            )
            customers[deal.account] = customer_id
            billing_person = crm_deal.contact_people[0]
            person = ctx.chunk.people[billing_person]
            email = person.work_email if rng.random() < 0.8 else f"billing@{account.domain}"
            customer_rows.append(
                (
                    customer_id,
                    identities.vary_email(rng, email),
                    account.company_name if rng.random() < 0.7 else person.full_name,
                    account.company_name,
                    "usd",
                    connector_timestamp(config.start, start_second),
                    json.dumps({"hubspot_company_id": crm.company_ids[deal.account]}),
                )
            )
            ctx.record_identity("stripe", customer_id, billing_person)
        customer_id = customers[deal.account]
        # NOTE: an expansion becomes a second subscription, not an update of the first, so
        # Stripe's subscription_update invoices and prorations never appear.
        counters.stripe_objects += 1
        subscription_id = "sub_" + stable_token(
            config.seed, "stripe_subscription", counters.stripe_objects, BASE62, 14
        )
        subscriptions[crm_deal.deal_id] = subscription_id

        start = config.start + dt.timedelta(days=deal.close_day)
        churn = world.churn_day.get(deal.account)
        end_day = config.start + dt.timedelta(days=churn) if churn is not None else None
        periods = []
        month = 0
        while True:
            period_start = add_months(start, month)
            if period_start > config.end or (end_day is not None and period_start >= end_day):
                break
            periods.append((period_start, add_months(start, month + 1)))
            month += 1
        for number, (period_start, period_end) in enumerate(periods):
            counters.stripe_objects += 1
            invoice_id = "in_" + stable_token(
                config.seed, "stripe_invoice", counters.stripe_objects, BASE62, 14
            )
            charge_id = "ch_" + stable_token(
                config.seed, "stripe_charge", counters.stripe_objects, BASE62, 14
            )
            amount = deal.monthly_amount * 100
            created = _seconds(config.start, period_start) + 10 * 3600
            invoice_rows.append(
                (
                    invoice_id,
                    customer_id,
                    subscription_id,
                    charge_id,
                    "paid",
                    "subscription_create" if number == 0 else "subscription_cycle",
                    "usd",
                    amount,
                    amount,
                    connector_timestamp(config.start, created),
                    connector_timestamp(config.start, _seconds(config.start, period_start)),
                    connector_timestamp(config.start, _seconds(config.start, period_end)),
                )
            )
            if rng.random() < REFUND_SHARE:
                refund_id = "re_" + stable_token(
                    config.seed, "stripe_refund", counters.stripe_objects, BASE62, 14
                )
                refunded = amount if rng.random() < 0.5 else amount // 2
                refund_rows.append(
                    (
                        refund_id,
                        charge_id,
                        refunded,
                        "usd",
                        connector_timestamp(
                            config.start, created + int(rng.integers(1, 20)) * 86_400
                        ),
                        ("requested_by_customer", "duplicate", "fraudulent")[
                            rng.choice(3, p=[0.7, 0.25, 0.05])
                        ],
                        "succeeded",
                    )
                )
        last_start, last_end = periods[-1] if periods else (start, add_months(start, 1))
        canceled = end_day is not None
        subscription_rows.append(
            (
                subscription_id,
                customer_id,
                "canceled" if canceled else "active",
                connector_timestamp(config.start, start_second),
                connector_timestamp(config.start, start_second),
                connector_timestamp(config.start, _seconds(config.start, last_start)),
                connector_timestamp(config.start, _seconds(config.start, last_end)),
                "true" if canceled else "false",
                connector_timestamp(
                    config.start, _seconds(config.start, end_day) - CANCEL_NOTICE_DAYS * 86_400
                )
                if end_day
                else "",
                connector_timestamp(config.start, _seconds(config.start, end_day))
                if end_day
                else "",
                json.dumps({"hubspot_deal_id": crm_deal.deal_id}),
            )
        )
    ctx.sink.write_csv("landing/stripe/customer.csv", CUSTOMER_HEADER, customer_rows)
    ctx.sink.write_csv("landing/stripe/subscription.csv", SUBSCRIPTION_HEADER, subscription_rows)
    ctx.sink.write_csv("landing/stripe/invoice.csv", INVOICE_HEADER, invoice_rows)
    ctx.sink.write_csv("landing/stripe/refund.csv", REFUND_HEADER, refund_rows)
    return BillingResult(customer_ids=customers, subscription_ids=subscriptions)
