"""Ground-truth tables: people, accounts, deals and per-channel incremental effects."""

from dataclasses import dataclass, field

import numpy as np

from simulator.billing import BillingResult
from simulator.config import CHANNELS, COMMUNITY_CHANNELS, MECHANICS, SimulationConfig
from simulator.context import ChunkContext
from simulator.crm import CrmResult
from simulator.outcomes import WorldOutcome
from simulator.sink import Sink, connector_timestamp

PEOPLE_HEADER = (
    "person_id", "account_id", "first_name", "last_name", "email", "personal_email", "job_title",
    "country", "region", "consent", "latent_intent", "joined_at", "segment",
    "erasure_requested_at", "previous_email", "email_changed_at",
)  # fmt: skip
ACCOUNT_HEADER = (
    "account_id", "company_name", "domain", "industry", "country", "region", "employees",
    "latent_intent", "monthly_price", "hubspot_company_id", "stripe_customer_id",
    "first_won_at", "churned_at", "segment", "activated_at", "experiment_group",
)  # fmt: skip
DEAL_HEADER = (
    "deal_id", "account_id", "deal_type", "created_at", "closed_at", "stage", "is_won", "amount",
    "monthly_amount", "currency", "subscription_id", "contact_person_ids",
)  # fmt: skip
CHANNEL_EFFECT_HEADER = (
    "channel", "is_community", "planted_log_odds_effect", "exposure_saturation", "touches",
    "opportunities", "opportunities_without_channel", "incremental_opportunities",
    "conversions", "conversions_without_channel", "incremental_conversions",
    "revenue", "revenue_without_channel", "incremental_revenue",
)  # fmt: skip
REPLICATE_HEADER = (
    "replicate", "channel", "incremental_opportunities", "incremental_conversions",
    "incremental_revenue",
)  # fmt: skip


@dataclass
class WorldTotals:
    """Counts of one world summed over chunks."""

    opportunities: int = 0
    conversions: int = 0
    revenue: int = 0

    def add(self, world: WorldOutcome, days: int) -> None:
        """Add one chunk's new-business opportunities, new-business wins and won amounts."""
        self.opportunities += sum(1 for deal in world.deals if deal.deal_type == "newbusiness")
        self.conversions += len(world.closed_won(days, "newbusiness"))
        self.revenue += sum(deal.amount for deal in world.closed_won(days))


@dataclass
class EffectTotals:
    """The generated world and each channel's counterfactual world, summed over chunks."""

    actual: WorldTotals = field(default_factory=WorldTotals)
    without: dict[str, WorldTotals] = field(
        default_factory=lambda: {channel: WorldTotals() for channel in CHANNELS}
    )
    touches: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))


def write_chunk_truth(
    ctx: ChunkContext,
    world: WorldOutcome,
    crm: CrmResult,
    billing: BillingResult,
    erasure: dict[int, str],
    experiment_groups: dict[int, str],
) -> None:
    """Append the chunk's people, accounts and deals to the truth tables."""
    config = ctx.config
    people_rows = []
    for index, person in enumerate(ctx.chunk.people):
        people_rows.append(
            (
                person.person_id,
                person.account.account_id if person.account else "",
                person.first_name,
                person.last_name,
                person.primary_email,
                person.personal_email,
                person.job_title,
                person.country,
                person.region,
                "true" if person.consent else "false",
                f"{person.intent:.4f}",
                connector_timestamp(config.start, person.joined_day * 86_400),
                person.account.segment if person.account else "",
                erasure.get(index, ""),
                person.previous_email,
                _day(config, person.email_changed_day) if person.previous_email else "",
            )
        )
    ctx.sink.write_csv("truth/people.csv", PEOPLE_HEADER, people_rows)

    first_won: dict[int, int] = {}
    for deal in world.closed_won(config.days, "newbusiness"):
        first_won[deal.account] = deal.close_day
    account_rows = []
    for local, account in enumerate(ctx.chunk.accounts):
        churn = world.churn_day.get(local)
        account_rows.append(
            (
                account.account_id,
                account.company_name,
                account.domain,
                account.industry,
                account.country,
                account.region,
                account.employees,
                f"{account.intent:.4f}",
                account.monthly_price,
                crm.company_ids.get(local, ""),
                billing.customer_ids.get(local, ""),
                _day(config, first_won.get(local)),
                _day(config, churn),
                account.segment,
                _day(config, world.activation_day.get(local)),
                experiment_groups.get(local, ""),
            )
        )
    ctx.sink.write_csv("truth/accounts.csv", ACCOUNT_HEADER, account_rows)

    deal_rows = []
    for crm_deal in crm.deals:
        deal = crm_deal.deal
        closed = deal.is_closed(config.days)
        deal_rows.append(
            (
                crm_deal.deal_id,
                ctx.chunk.accounts[deal.account].account_id,
                deal.deal_type,
                _day(config, deal.created_day),
                _day(config, deal.close_day) if closed else "",
                crm_deal.stage,
                "true" if closed and deal.won else "false",
                deal.amount,
                deal.monthly_amount,
                "USD",
                billing.subscription_ids.get(crm_deal.deal_id, ""),
                "|".join(ctx.chunk.people[index].person_id for index in crm_deal.contact_people),
            )
        )
    ctx.sink.write_csv("truth/deals.csv", DEAL_HEADER, deal_rows)


def _day(config: SimulationConfig, day: int | None) -> str:
    if day is None:
        return ""
    return connector_timestamp(config.start, day * 86_400)[:10]


def count_touches(totals: EffectTotals, channels: np.ndarray, is_touch: np.ndarray) -> None:
    """Add a chunk's touches per channel to the totals."""
    counts = np.bincount(channels[is_touch], minlength=len(CHANNELS))
    for index, channel in enumerate(CHANNELS):
        totals.touches[channel] += int(counts[index])


def write_channel_effects(sink: Sink, totals: EffectTotals) -> None:
    """Write one row per channel: planted effect and true incremental outcomes."""
    rows = []
    actual = totals.actual
    for channel in CHANNELS:
        without = totals.without[channel]
        mechanics = MECHANICS[channel]
        rows.append(
            (
                channel,
                "true" if channel in COMMUNITY_CHANNELS else "false",
                mechanics.effect,
                mechanics.saturation,
                totals.touches[channel],
                actual.opportunities,
                without.opportunities,
                actual.opportunities - without.opportunities,
                actual.conversions,
                without.conversions,
                actual.conversions - without.conversions,
                actual.revenue,
                without.revenue,
                actual.revenue - without.revenue,
            )
        )
    sink.write_csv("truth/channel_effects.csv", CHANNEL_EFFECT_HEADER, rows)


def write_channel_effect_replicates(sink: Sink, replicates: list[EffectTotals]) -> None:
    """Write each draw's incremental outcomes per channel; replicate 0 is the written world.

    Every draw shares the people, touches and planted effects, so the spread between
    replicates is the sampling noise of `truth/channel_effects.csv` itself.
    """
    rows = []
    for replicate, totals in enumerate(replicates):
        actual = totals.actual
        for channel in CHANNELS:
            without = totals.without[channel]
            rows.append(
                (
                    replicate,
                    channel,
                    actual.opportunities - without.opportunities,
                    actual.conversions - without.conversions,
                    actual.revenue - without.revenue,
                )
            )
    sink.write_csv("truth/channel_effect_replicates.csv", REPLICATE_HEADER, rows)
