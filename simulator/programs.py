"""Monthly cost of each community and marketing program (landing/programs/costs.csv)."""

import datetime as dt

import numpy as np

from simulator.billing import add_months
from simulator.config import SimulationConfig
from simulator.experiment import experiment_window
from simulator.sink import Sink
from simulator.touches import event_catalogue

COST_HEADER = ("month", "program", "channel", "cost_type", "amount", "currency")
# (program, channel, cost type, monthly USD at 1,000 members). Event program names match the
# `program` column of events/attendance.csv.
PROGRAMS: tuple[tuple[str, str, str, float], ...] = (
    ("slack_community", "community_chat", "platform_and_moderation", 1500.0),
    ("forum", "community_forum", "platform_and_moderation", 900.0),
    ("developer_relations", "github", "headcount", 9000.0),
    ("webinars", "webinar", "production", 2500.0),
    ("meetups", "event", "venue_and_travel", 3000.0),
    ("workshops", "event", "instructors", 2000.0),
    ("conference", "event", "sponsorship", 0.0),
    ("ambassador_referrals", "community_referral", "rewards", 1200.0),
    ("facilitated_threads", "community_forum", "facilitation", 1500.0),
    ("newsletter", "newsletter", "tools", 800.0),
    ("paid_search", "paid_search", "media", 6000.0),
    ("paid_social", "social", "media", 4000.0),
)
CONFERENCE_COST = 40_000.0
# Costs grow less than proportionally with community size.
SIZE_EXPONENT = 0.8


def write_program_costs(sink: Sink, config: SimulationConfig) -> None:
    """Write one row per program and calendar month of the window.

    The conference program costs CONFERENCE_COST in months with a conference and nothing
    otherwise. The facilitated-threads program (the experiment's treatment) costs only in
    months that overlap the experiment window.
    """
    rng = np.random.default_rng([config.seed, 0, 7])
    scale = (config.members / 1000) ** SIZE_EXPONENT
    start_day, end_day = experiment_window(config)
    first_month = config.start.replace(day=1)
    catalogue = event_catalogue(config.seed, config.start, config.days)
    conference_days = [event.day for event in catalogue if event.event_type == "conference"]
    rows = []
    month = 0
    while add_months(first_month, month) <= config.end:
        month_start = add_months(first_month, month)
        month_end = add_months(first_month, month + 1) - dt.timedelta(days=1)
        offset_start = (month_start - config.start).days
        offset_end = (month_end - config.start).days
        for program, channel, cost_type, monthly in PROGRAMS:
            amount = monthly
            if program == "conference":
                has_conference = any(offset_start <= day <= offset_end for day in conference_days)
                amount = CONFERENCE_COST if has_conference else 0.0
            if program == "facilitated_threads" and (
                offset_end < start_day or offset_start >= end_day
            ):
                amount = 0.0
            noise = rng.uniform(0.9, 1.1)
            rows.append(
                (
                    month_start.strftime("%Y-%m"),
                    program,
                    channel,
                    cost_type,
                    round(amount * scale * noise, 2),
                    "USD",
                )
            )
        month += 1
    sink.write_csv("landing/programs/costs.csv", COST_HEADER, rows)
