"""HubSpot-shaped CRM tables (Fivetran landing names) for one chunk."""

from dataclasses import dataclass

import numpy as np

from simulator import identities
from simulator.context import ChunkContext
from simulator.outcomes import Deal, WorldOutcome
from simulator.population import Person
from simulator.sink import connector_timestamp

CONTACT_HEADER = (
    "id", "property_email", "property_firstname", "property_lastname", "property_company",
    "property_jobtitle", "property_createdate", "_fivetran_deleted", "_fivetran_synced",
)  # fmt: skip
COMPANY_HEADER = (
    "id", "property_name", "property_domain", "property_industry", "property_country",
    "property_numberofemployees", "property_createdate", "is_deleted", "_fivetran_synced",
)  # fmt: skip
DEAL_HEADER = (
    "deal_id", "property_dealname", "property_dealtype", "property_amount",
    "property_deal_currency_code", "property_createdate", "property_closedate",
    "deal_pipeline_stage_id", "is_deleted", "_fivetran_synced",
)  # fmt: skip
DUPLICATE_CONTACT_SHARE = 0.05
OPEN_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled")


@dataclass
class CrmDeal:
    """A simulated deal with the ids it carries in HubSpot."""

    deal: Deal
    deal_id: str
    stage: str
    contact_people: list[int]


@dataclass
class CrmResult:
    """HubSpot ids of one chunk, used by the billing writer and the truth tables."""

    deals: list[CrmDeal]
    company_ids: dict[int, str]
    contact_ids: dict[int, list[str]]


def deal_stage(deal: Deal, days: int) -> str:
    """Return the HubSpot pipeline stage of a deal at the end of the window."""
    if deal.is_closed(days):
        return "closedwon" if deal.won else "closedlost"
    elapsed = (days - deal.created_day) / max(deal.close_day - deal.created_day, 1)
    return OPEN_STAGES[min(int(elapsed * len(OPEN_STAGES)), len(OPEN_STAGES) - 1)]


def _deal_contacts(rng: np.random.Generator, members: list[int], people: list[Person]) -> list[int]:
    """Pick the champion (highest intent) and, half the time, one colleague."""
    ranked = sorted(members, key=lambda index: -people[index].intent)
    chosen = ranked[:1]
    if len(ranked) > 1 and rng.random() < 0.5:
        chosen.append(ranked[1 + int(rng.integers(len(ranked) - 1))])
    return chosen


def write_hubspot(ctx: ChunkContext, world: WorldOutcome, required_accounts: set[int]) -> CrmResult:
    """Write contacts, companies, deals and their associations; return the ids used.

    Args:
        ctx: the chunk being written.
        world: the generated deals.
        required_accounts: chunk-local accounts that get a company even without contacts or
            deals (the experiment's units).

    Returns:
        HubSpot ids of deals, companies and contacts.
    """
    config, rng, counters = ctx.config, ctx.rng, ctx.counters
    people = ctx.chunk.people
    first_account = ctx.chunk.accounts[0].index if ctx.chunk.accounts else 0
    members: dict[int, list[int]] = {}
    for index, person in enumerate(people):
        if person.account is not None:
            members.setdefault(person.account.index - first_account, []).append(index)

    crm_deals = []
    for deal in sorted(world.deals, key=lambda item: (item.created_day, item.account)):
        counters.deals += 1
        crm_deals.append(
            CrmDeal(
                deal=deal,
                deal_id=str(20_000_000_000 + counters.deals * 7),
                stage=deal_stage(deal, config.days),
                contact_people=_deal_contacts(rng, members[deal.account], people),
            )
        )
    forced = {index for crm_deal in crm_deals for index in crm_deal.contact_people}
    contact_ids = _write_contacts(ctx, forced)
    company_ids = _write_companies(ctx, members, contact_ids, crm_deals, required_accounts)
    _write_deals(ctx, crm_deals, contact_ids, company_ids)
    return CrmResult(deals=crm_deals, company_ids=company_ids, contact_ids=contact_ids)


def _write_contacts(ctx: ChunkContext, forced: set[int]) -> dict[int, list[str]]:
    config, rng = ctx.config, ctx.rng
    people = ctx.chunk.people
    signed_up = set(ctx.touches.person[ctx.touches.event >= 0].tolist())
    ids = identities.scrambled_ids(rng, 2 * people[0].index, 2 * len(people), 51_000_000)
    contact_ids: dict[int, list[str]] = {}
    rows = []
    for index, person in enumerate(people):
        share = 0.15 if person.account is None else 0.45
        if index in signed_up:
            share += 0.3
        if index not in forced and rng.random() >= share:
            continue
        copies = 2 if rng.random() < DUPLICATE_CONTACT_SHARE else 1
        for copy in range(copies):
            contact_id = str(int(ids[2 * index + copy]))
            contact_ids.setdefault(index, []).append(contact_id)
            created = max(person.joined_day, 0) * 86_400 + int(rng.integers(0, 86_400))
            email = (
                person.email_at(created // 86_400)
                if copy == 0
                else (person.personal_email or person.primary_email.upper())
            )
            first, last = identities.vary_name(rng, person)
            rows.append(
                (
                    contact_id,
                    identities.vary_email(rng, email) if rng.random() < 0.97 else "",
                    first,
                    last,
                    identities.company_label(rng, person),
                    person.job_title if rng.random() < 0.6 else "",
                    connector_timestamp(config.start, created),
                    "false",
                    config.synced_at,
                )
            )
            ctx.record_identity("hubspot", contact_id, index)
    ctx.sink.write_csv("landing/hubspot/contact.csv", CONTACT_HEADER, rows)
    return contact_ids


def _write_companies(
    ctx: ChunkContext,
    members: dict[int, list[int]],
    contact_ids: dict[int, list[str]],
    crm_deals: list[CrmDeal],
    required_accounts: set[int],
) -> dict[int, str]:
    config, rng = ctx.config, ctx.rng
    with_deals = {crm_deal.deal.account for crm_deal in crm_deals} | required_accounts
    ids = identities.scrambled_ids(
        rng,
        ctx.chunk.accounts[0].index if ctx.chunk.accounts else 0,
        len(ctx.chunk.accounts),
        9_100_000_000,
    )
    company_ids: dict[int, str] = {}
    rows = []
    for local, account in enumerate(ctx.chunk.accounts):
        has_contact = any(index in contact_ids for index in members.get(local, []))
        if local not in with_deals and not has_contact:
            continue
        company_id = str(int(ids[local]))
        company_ids[local] = company_id
        domain = account.domain
        draw = rng.random()
        if draw < 0.08:
            domain = ""
        elif draw < 0.15:
            domain = f"www.{domain}"
        created = max(account.created_day, 0) * 86_400 + int(rng.integers(0, 86_400))
        rows.append(
            (
                company_id,
                account.company_name,
                domain,
                account.industry,
                account.country,
                account.employees,
                connector_timestamp(config.start, created),
                "false",
                config.synced_at,
            )
        )
    ctx.sink.write_csv("landing/hubspot/company.csv", COMPANY_HEADER, rows)
    return company_ids


def _write_deals(
    ctx: ChunkContext,
    crm_deals: list[CrmDeal],
    contact_ids: dict[int, list[str]],
    company_ids: dict[int, str],
) -> None:
    config, rng = ctx.config, ctx.rng
    deal_rows, contact_rows, company_rows = [], [], []
    for crm_deal in crm_deals:
        deal = crm_deal.deal
        account = ctx.chunk.accounts[deal.account]
        created = deal.created_day * 86_400 + int(rng.integers(8, 18)) * 3600
        closed = deal.close_day * 86_400 + int(rng.integers(8, 18)) * 3600
        year = (config.start.year * 12 + config.start.month - 1 + deal.created_day // 30) // 12
        deal_rows.append(
            (
                crm_deal.deal_id,
                f"{account.company_name} - {deal.deal_type} {year}",
                deal.deal_type,
                deal.amount,
                "USD",
                connector_timestamp(config.start, created),
                connector_timestamp(config.start, closed) if deal.is_closed(config.days) else "",
                crm_deal.stage,
                "false",
                config.synced_at,
            )
        )
        for index in crm_deal.contact_people:
            contact_rows.append((crm_deal.deal_id, contact_ids[index][0]))
        company_rows.append((crm_deal.deal_id, company_ids[deal.account]))
    ctx.sink.write_csv("landing/hubspot/deal.csv", DEAL_HEADER, deal_rows)
    ctx.sink.write_csv("landing/hubspot/deal_contact.csv", ("deal_id", "contact_id"), contact_rows)
    ctx.sink.write_csv("landing/hubspot/deal_company.csv", ("deal_id", "company_id"), company_rows)
