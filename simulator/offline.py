"""Offline interactions with partial identifiers, and privacy erasure requests.

Badge scans and sales call notes carry a name and company and only sometimes an email, so
they can be matched to people only approximately. Their truth rows go to
truth/offline_records.csv, not person_records.csv, whose sources are the online tools.
"""

import numpy as np

from simulator import identities
from simulator.context import ChunkContext
from simulator.crm import CrmResult
from simulator.sink import connector_timestamp
from simulator.touches import event_catalogue

OFFLINE_RECORDS = "truth/offline_records.csv"
BADGE_HEADER = (
    "scan_id", "event_id", "scanned_at", "booth", "badge_name", "badge_company", "badge_email",
    "badge_title",
)  # fmt: skip
CALL_HEADER = (
    "note_id",
    "logged_at",
    "owner",
    "contact_name",
    "company",
    "email",
    "phone",
    "notes",
)
ERASURE_HEADER = ("request_id", "email", "requested_at", "request_type", "status")
SCANNED_SHARE = 0.5
BOOTHS = ("sales", "demo", "partner")
SALES_OWNERS = ("amira.k", "ben.t", "carla.m", "dev.p", "elena.r")
CALL_TOPICS = (
    "discovery call", "pricing questions", "security review", "demo follow-up",
    "renewal check-in", "introduced by a colleague",
)  # fmt: skip
PROSPECTING_SHARE = 0.04
ERASURE_SHARE = 0.005


def write_badge_scans(ctx: ChunkContext) -> list[tuple[str, str, str]]:
    """Write booth badge scans of in-person attendees; return their truth rows."""
    config, rng = ctx.config, ctx.rng
    catalogue = event_catalogue(config.seed, config.start, config.days)
    rows, truth = [], []
    attended = np.flatnonzero((ctx.touches.event >= 0) & ctx.touches.attended)
    for row in attended.tolist():
        event = catalogue[int(ctx.touches.event[row])]
        if event.event_type == "webinar" or rng.random() >= SCANNED_SHARE:
            continue
        person_index = int(ctx.touches.person[row])
        person = ctx.chunk.people[person_index]
        for _ in range(int(rng.integers(1, 3))):
            ctx.counters.badge_scans += 1
            scan_id = f"BS{ctx.counters.badge_scans:08d}"
            second = int(ctx.touches.second[row]) + int(rng.integers(600, 6 * 3600))
            day = second // 86_400
            email = identities.vary_email(rng, person.email_at(day)) if rng.random() < 0.4 else ""
            rows.append(
                (
                    scan_id,
                    event.event_id,
                    connector_timestamp(config.start, second),
                    BOOTHS[rng.integers(len(BOOTHS))],
                    identities.vary_full_name(rng, person).upper(),
                    identities.company_label(rng, person),
                    email,
                    person.job_title if rng.random() < 0.5 else "",
                )
            )
            truth.append(("badge_scans", scan_id, person.person_id))
    ctx.sink.write_csv("landing/events/badge_scans.csv", BADGE_HEADER, rows)
    return truth


def _call_row(ctx: ChunkContext, person_index: int, second: int) -> tuple[tuple[object, ...], str]:
    rng = ctx.rng
    person = ctx.chunk.people[person_index]
    ctx.counters.call_notes += 1
    note_id = f"CN{ctx.counters.call_notes:08d}"
    first, last = identities.vary_name(rng, person)
    name = first if rng.random() < 0.35 else f"{first} {last}"
    email = (
        identities.vary_email(rng, person.email_at(second // 86_400)) if rng.random() < 0.3 else ""
    )
    phone = f"+1-555-{int(rng.integers(100, 999))}-{int(rng.integers(1000, 9999))}"
    row = (
        note_id,
        connector_timestamp(ctx.config.start, second),
        SALES_OWNERS[rng.integers(len(SALES_OWNERS))],
        name,
        identities.company_label(rng, person),
        email,
        phone if rng.random() < 0.3 else "",
        f"Call with {first}: {CALL_TOPICS[rng.integers(len(CALL_TOPICS))]}.",
    )
    return row, note_id


def write_call_notes(ctx: ChunkContext, crm: CrmResult) -> list[tuple[str, str, str]]:
    """Write sales call notes: calls during open deals and a few prospecting calls."""
    config, rng = ctx.config, ctx.rng
    calls: list[tuple[int, int]] = []
    for crm_deal in crm.deals:
        deal = crm_deal.deal
        last_day = min(deal.close_day, config.days - 1)
        for _ in range(int(rng.integers(1, 4))):
            day = int(rng.integers(deal.created_day, max(last_day, deal.created_day + 1)))
            person_index = crm_deal.contact_people[int(rng.integers(len(crm_deal.contact_people)))]
            calls.append((day * 86_400 + int(rng.integers(9, 18)) * 3600, person_index))
    for person_index, person in enumerate(ctx.chunk.people):
        if person.account is not None and rng.random() < PROSPECTING_SHARE:
            day = int(rng.integers(person.joined_day, config.days))
            calls.append((day * 86_400 + int(rng.integers(9, 18)) * 3600, person_index))

    rows, truth = [], []
    for second, person_index in sorted(calls):
        row, note_id = _call_row(ctx, person_index, second)
        rows.append(row)
        truth.append(("call_notes", note_id, ctx.chunk.people[person_index].person_id))
    ctx.sink.write_csv("landing/crm/call_notes.csv", CALL_HEADER, rows)
    return truth


def write_erasure_requests(ctx: ChunkContext) -> dict[int, str]:
    """Write privacy erasure requests; return the request day of each requesting person."""
    config, rng = ctx.config, ctx.rng
    requested: dict[int, str] = {}
    rows = []
    for person_index, person in enumerate(ctx.chunk.people):
        if rng.random() >= ERASURE_SHARE:
            continue
        day = int(rng.integers(max(person.joined_day, config.days // 2), config.days))
        second = day * 86_400 + int(rng.integers(0, 86_400))
        ctx.counters.erasure_requests += 1
        stamp = connector_timestamp(config.start, second)
        status = "completed" if day < config.days - 30 else "pending"
        email = identities.vary_email(rng, person.primary_email)
        rows.append((f"ER{ctx.counters.erasure_requests:06d}", email, stamp, "erasure", status))
        requested[person_index] = stamp
    ctx.sink.write_csv("landing/privacy/erasure_requests.csv", ERASURE_HEADER, rows)
    return requested


def write_offline_truth(ctx: ChunkContext, rows: list[tuple[str, str, str]]) -> None:
    """Append truth rows linking offline records to people."""
    ctx.sink.write_csv(OFFLINE_RECORDS, ("source", "source_record_id", "person_id"), rows)
