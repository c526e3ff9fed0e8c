"""Consent receipts as a consent-management platform (CMP) exports them.

One row per consent decision a person made at a collection point (cookie banner, signup
form, event registration), identified by the email the person gave there. The person's
latest receipt for the `marketing` purpose is their current status. The truth is the
`consent` column of truth/people.csv. A person who consented ends on `granted`. One who
did not ends on `denied`, or on `withdrawn` after an earlier grant.
"""

import numpy as np

from simulator import identities
from simulator.context import ChunkContext
from simulator.sink import connector_timestamp

CONSENT_RECEIPTS = "landing/consent/consent_receipts.csv"
RECEIPT_HEADER = (
    "receipt_id", "subject_email", "purpose", "status", "region", "country",
    "collection_point", "updated_at",
)  # fmt: skip
# Share of people the CMP has any receipt for. The others never met a banner or form
# that records consent, so the warehouse applies its no-record default to them.
RECEIPT_SHARE = 0.9
# Share of non-consenting people who first granted and later withdrew.
WITHDRAWN_SHARE = 0.3
COLLECTION_POINTS = ("web_banner", "signup_form", "event_registration")
PURPOSE = "marketing"


def write_consent_receipts(ctx: ChunkContext) -> None:
    """Write the CMP consent export of one chunk.

    The random stream is separate from the chunk's main stream, so adding this file did
    not change any other landing file of a given seed.
    """
    config = ctx.config
    rng = np.random.default_rng([config.seed, ctx.chunk.index, 6])
    rows = []
    for person in ctx.chunk.people:
        if rng.random() >= RECEIPT_SHARE:
            continue
        first_day = int(rng.integers(person.joined_day, config.days))
        decisions = ["granted"] if person.consent else ["denied"]
        if not person.consent and rng.random() < WITHDRAWN_SHARE:
            decisions = ["granted", "withdrawn"]
        day = first_day
        for status in decisions:
            second = day * 86_400 + int(rng.integers(0, 86_400))
            ctx.counters.consent_receipts += 1
            rows.append(
                (
                    f"CR{ctx.counters.consent_receipts:08d}",
                    identities.vary_email(rng, person.email_at(day)),
                    PURPOSE,
                    status,
                    person.region,
                    person.country,
                    COLLECTION_POINTS[rng.integers(len(COLLECTION_POINTS))],
                    connector_timestamp(config.start, second),
                )
            )
            day = int(rng.integers(day, config.days))
    ctx.sink.write_csv(CONSENT_RECEIPTS, RECEIPT_HEADER, rows)
