"""Lifecycle stages of each account, from first touch to churn (ground truth)."""

import datetime as dt

import numpy as np

from simulator.config import SimulationConfig
from simulator.outcomes import WorldOutcome
from simulator.population import Chunk
from simulator.sink import Sink
from simulator.touches import TouchTable

LIFECYCLE_HEADER = ("account_id", "stage", "entered_at", "deal_id")


def write_lifecycle(
    sink: Sink,
    config: SimulationConfig,
    chunk: Chunk,
    touches: TouchTable,
    world: WorldOutcome,
    deal_ids: dict[int, str],
) -> None:
    """Write one row per stage an account enters, in time order per account.

    Stages: `engaged` (first touch by any of its people), `opportunity` (first new-business
    opportunity), `customer` (first won deal), `activated`, `expanded` (each won expansion),
    `renewed` (each yearly anniversary kept), `churned`.

    Args:
        sink: output files.
        config: run settings.
        chunk: the chunk's accounts and people.
        touches: the chunk's touches.
        world: the generated world.
        deal_ids: HubSpot deal id by position of the deal in `world.deals`.
    """
    first_account = chunk.accounts[0].index if chunk.accounts else 0
    account_of_person = np.array(
        [-1 if person.account is None else person.account.index for person in chunk.people]
    )
    engaged: dict[int, int] = {}
    for person, second in zip(
        touches.person[touches.is_touch()].tolist(),
        touches.second[touches.is_touch()].tolist(),
        strict=True,
    ):
        account = int(account_of_person[person])
        if account >= 0:
            engaged.setdefault(account - first_account, second // 86_400)

    events: list[tuple[int, int, int, str, str]] = []
    stage_order = {"engaged": 0, "opportunity": 1, "customer": 2, "activated": 3, "expanded": 4}
    stage_order |= {"renewed": 5, "churned": 6}
    for local, day in engaged.items():
        events.append((local, day, stage_order["engaged"], "engaged", ""))
    seen_opportunity: set[int] = set()
    customer_since: dict[int, int] = {}
    for position, deal in enumerate(world.deals):
        deal_id = deal_ids.get(position, "")
        if deal.deal_type == "newbusiness" and deal.account not in seen_opportunity:
            seen_opportunity.add(deal.account)
            events.append((deal.account, deal.created_day, 1, "opportunity", deal_id))
        if not (deal.won and deal.is_closed(config.days)):
            continue
        if deal.deal_type == "newbusiness":
            customer_since[deal.account] = deal.close_day
            events.append((deal.account, deal.close_day, 2, "customer", deal_id))
        else:
            events.append((deal.account, deal.close_day, 4, "expanded", deal_id))
    for local, day in world.activation_day.items():
        events.append((local, day, 3, "activated", ""))
    for local, since in customer_since.items():
        churn = world.churn_day.get(local)
        year = 1
        while since + 365 * year < config.days and (churn is None or since + 365 * year < churn):
            events.append((local, since + 365 * year, 5, "renewed", ""))
            year += 1
        if churn is not None:
            events.append((local, churn, 6, "churned", ""))

    rows = []
    for local, day, _, stage, deal_id in sorted(events):
        entered = (config.start + dt.timedelta(days=day)).isoformat()
        rows.append((chunk.accounts[local].account_id, stage, entered, deal_id))
    sink.write_csv("truth/lifecycle.csv", LIFECYCLE_HEADER, rows)
