"""Feedback from sales and success on scores and deals, some of it mistaken.

Reps comment on a share of deals ("was this deal community-influenced?") and on the
conversion scores of some deal contacts. The truth of a deal statement is whether any person
of the account touched a community channel in the 90 days before the deal was created, the
same window the warehouse's influence rule uses. Reps state it correctly with probability
`DEAL_FEEDBACK_ACCURACY`. Score feedback cannot know the score, so it follows the outcome: a
contact of a won deal is reported as "score was wrong" (the rep believes the score was too
low) with probability `WON_SCORE_WRONG_SHARE`, otherwise "score was right".
"""

import numpy as np

from simulator.config import CHANNELS, COMMUNITY_CHANNELS
from simulator.context import ChunkContext
from simulator.crm import CrmResult
from simulator.sink import iso_timestamp

FEEDBACK_FILE = "landing/feedback/feedback.csv"
FEEDBACK_TRUTH = "truth/feedback.csv"
FEEDBACK_HEADER = (
    "feedback_id", "submitted_at", "submitted_by", "feedback_type", "person_email", "deal_id",
    "account_domain", "comment",
)  # fmt: skip
TRUTH_HEADER = ("feedback_id", "person_id", "deal_id", "statement_is_true")
DEAL_FEEDBACK_SHARE = 0.3
DEAL_FEEDBACK_ACCURACY = 0.85
WON_SCORE_FEEDBACK_SHARE = 0.4
WON_SCORE_WRONG_SHARE = 0.6
INFLUENCE_WINDOW_DAYS = 90
SUBMITTERS = ("ae.north@vendor.example", "ae.south@vendor.example", "csm.team@vendor.example")
# Separate stream from the chunk's, so adding feedback left every other landing file unchanged.
STREAM = 17


def _community_days(ctx: ChunkContext) -> dict[int, np.ndarray]:
    """Days of community touches per chunk-local account index."""
    community = np.array([CHANNELS[index] in COMMUNITY_CHANNELS for index in ctx.touches.channel])
    mask = community & ctx.touches.is_touch()
    first_account = ctx.chunk.accounts[0].index if ctx.chunk.accounts else 0
    days: dict[int, list[int]] = {}
    for person, second in zip(ctx.touches.person[mask], ctx.touches.second[mask], strict=True):
        account = ctx.chunk.people[int(person)].account
        if account is not None:
            days.setdefault(account.index - first_account, []).append(int(second) // 86_400)
    return {account: np.array(values) for account, values in days.items()}


def write_feedback(ctx: ChunkContext, crm: CrmResult) -> None:
    """Append feedback rows about this chunk's deals and deal contacts, and their truth."""
    config = ctx.config
    rng = np.random.default_rng([config.seed, ctx.chunk.index, STREAM])
    touch_days = _community_days(ctx)
    rows: list[tuple[str, ...]] = []
    truth: list[tuple[str, ...]] = []
    for crm_deal in crm.deals:
        deal = crm_deal.deal
        day = deal.created_day + int(rng.integers(7, 45))
        if day >= config.days:
            continue
        account = ctx.chunk.accounts[deal.account]
        submitter = SUBMITTERS[int(rng.integers(len(SUBMITTERS)))]
        stamp = iso_timestamp(config.start, day * 86_400 + int(rng.integers(8, 18)) * 3_600)
        if rng.random() < DEAL_FEEDBACK_SHARE:
            days = touch_days.get(deal.account, np.array([], dtype=int))
            window = (days < deal.created_day) & (days >= deal.created_day - INFLUENCE_WINDOW_DAYS)
            influenced = bool(window.any())
            correct = rng.random() < DEAL_FEEDBACK_ACCURACY
            stated = influenced if correct else not influenced
            kind = "deal_community_influenced" if stated else "deal_not_influenced"
            comment = "came in through the community" if stated else "outbound, no community"
            feedback_id = f"FB{ctx.chunk.index:03d}{len(rows):05d}"
            rows.append((feedback_id, stamp, submitter, kind, "", crm_deal.deal_id,
                         account.domain, comment))  # fmt: skip
            truth.append((feedback_id, "", crm_deal.deal_id, str(correct).lower()))
        if not (deal.won and deal.is_closed(config.days)):
            continue
        for person_index in crm_deal.contact_people:
            if rng.random() >= WON_SCORE_FEEDBACK_SHARE or deal.close_day >= config.days:
                continue
            person = ctx.chunk.people[person_index]
            wrong = rng.random() < WON_SCORE_WRONG_SHARE
            kind = "score_wrong" if wrong else "score_right"
            comment = "closed won, the score had them as unlikely" if wrong else "score matched"
            feedback_id = f"FB{ctx.chunk.index:03d}{len(rows):05d}"
            stamp = iso_timestamp(config.start, deal.close_day * 86_400 + 12 * 3_600)
            rows.append((feedback_id, stamp, submitter, kind, person.email_at(deal.close_day),
                         "", account.domain, comment))  # fmt: skip
            truth.append((feedback_id, person.person_id, "", "unknown"))
    ctx.sink.write_csv(FEEDBACK_FILE, FEEDBACK_HEADER, rows)
    ctx.sink.write_csv(FEEDBACK_TRUTH, TRUTH_HEADER, truth)
