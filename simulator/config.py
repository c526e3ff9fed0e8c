"""Simulation settings and the planted mechanics shared by every step of the simulator."""

import datetime as dt
from dataclasses import dataclass

DEFAULT_START = dt.date(2024, 7, 1)
DEFAULT_END = dt.date(2026, 6, 30)

# Members are generated in chunks of this many, each from its own seeded random stream, so
# output depends only on (members, seed, start, end) and memory stays flat as members grow.
CHUNK_MEMBERS = 20_000

# Every touch channel, in the order used for arrays. These are the canonical channels shared
# with the dbt channel taxonomy and attribution (dbt maps source records to them by rule).
CHANNELS: tuple[str, ...] = (
    "community_chat",
    "community_forum",
    "github",
    "event",
    "webinar",
    "community_referral",
    "newsletter",
    "paid_search",
    "social",
    "organic_search",
    "direct",
    "referral",
    "product_signup",
)
COMMUNITY_CHANNELS = frozenset(
    {"community_chat", "community_forum", "github", "event", "webinar", "community_referral"}
)
WEB_CHANNELS: tuple[str, ...] = (
    "community_referral",
    "newsletter",
    "paid_search",
    "social",
    "organic_search",
    "direct",
    "referral",
)


@dataclass(frozen=True)
class ChannelMechanics:
    """Planted behaviour of one touch channel.

    Attributes:
        touch_rate: mean touches per participating person over two years at latent intent 0.
        intent_slope: log-rate change per unit of person intent (confounding: intent also
            drives buying).
        effect: additive change in the weekly log-odds of opportunity creation when the
            account's exposure to the channel is saturated (1.0). Zero means no causal effect.
        saturation: decayed touch count at which exposure reaches 1 - 1/e.
        weekly_decay: share of a week's touches still counted one week later. It sets how long
            a touch keeps raising opportunity creation (the channel's conversion window).
    """

    touch_rate: float
    intent_slope: float
    effect: float
    saturation: float
    weekly_decay: float


MECHANICS: dict[str, ChannelMechanics] = {
    "community_chat": ChannelMechanics(9.0, 0.6, 0.0, 2.0, 0.6),
    "community_forum": ChannelMechanics(3.0, 0.5, 0.35, 1.0, 0.75),
    "github": ChannelMechanics(3.0, 0.4, 0.25, 1.0, 0.8),
    "event": ChannelMechanics(0.9, 0.5, 1.2, 0.6, 0.85),
    "webinar": ChannelMechanics(1.4, 0.6, 0.9, 0.6, 0.8),
    "community_referral": ChannelMechanics(1.2, 0.4, 0.6, 0.8, 0.7),
    "newsletter": ChannelMechanics(2.0, 0.3, 0.25, 1.0, 0.6),
    "paid_search": ChannelMechanics(1.2, 0.5, 0.45, 0.8, 0.5),
    "social": ChannelMechanics(1.5, 0.4, 0.0, 1.0, 0.6),
    "organic_search": ChannelMechanics(1.5, 0.4, 0.15, 1.0, 0.6),
    "direct": ChannelMechanics(1.5, 0.6, 0.0, 1.0, 0.6),
    "referral": ChannelMechanics(1.0, 0.3, 0.0, 1.0, 0.6),
    "product_signup": ChannelMechanics(0.35, 0.8, 1.4, 0.5, 0.85),
}

# Relative activity by calendar month (January first): low in August and December, high in
# the first and fourth quarters. Touches and the opportunity base rate both follow it.
MONTH_SEASONALITY: tuple[float, ...] = (
    1.15,
    1.1,
    1.1,
    1.0,
    1.0,
    0.9,
    0.8,
    0.7,
    1.05,
    1.15,
    1.1,
    0.75,
)


# Sales-cycle length multiplier by account segment (employees below 200, below 2,000, above).
SEGMENT_CYCLE_SCALE: dict[str, float] = {"smb": 0.7, "mid_market": 1.0, "enterprise": 1.6}


@dataclass(frozen=True)
class SimulationConfig:
    """Arguments of one simulator run; output files depend on nothing else.

    Attributes:
        members: number of people (community members and buyers) to generate.
        seed: seed of every random draw.
        start: first day of simulated activity.
        end: last day of simulated activity (inclusive).
        chunk_members: people generated per chunk. Each chunk has its own random stream, so
            changing this changes the output; it bounds memory use.
        truth_replicates: extra draws of the deal process on the same people and touches.
            Above 0, `truth/channel_effect_replicates.csv` contains each draw's incremental
            outcomes per channel, so a benchmark can tell the planted truth's own sampling
            noise from a model's error. Every other file comes from the first draw alone.
    """

    members: int
    seed: int
    start: dt.date = DEFAULT_START
    end: dt.date = DEFAULT_END
    chunk_members: int = CHUNK_MEMBERS
    truth_replicates: int = 0

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> int:
        """Number of simulated weeks; the last one may be partial."""
        return (self.days + 6) // 7

    @property
    def synced_at(self) -> str:
        """Fixed connector sync time stamp: the day after the end, so output never uses today."""
        return f"{self.end + dt.timedelta(days=1)} 06:00:00"
