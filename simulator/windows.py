"""Conversion windows: delay from a channel's last touch to the opportunity it preceded.

The planted window of a channel is its exposure decay (`weekly_decay`): a touch keeps
`weekly_decay ** k` of its weight k weeks later. The realised window is measured on the
generated world, per account segment and channel, over won new-business deals.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from simulator.config import CHANNELS, MECHANICS, SEGMENT_CYCLE_SCALE
from simulator.outcomes import WorldOutcome
from simulator.population import Chunk
from simulator.sink import Sink
from simulator.touches import TouchTable

WINDOW_HEADER = (
    "segment", "channel", "weekly_decay", "half_life_days", "cycle_scale", "won_deals",
    "deals_with_touch", "lag_days_mean", "lag_days_p50", "lag_days_p90", "cycle_days_p50",
)  # fmt: skip


@dataclass
class WindowSamples:
    """Lags collected over chunks, per (segment, channel)."""

    lags: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    won: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cycles: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


def collect_windows(
    samples: WindowSamples, chunk: Chunk, touches: TouchTable, world: WorldOutcome, days: int
) -> None:
    """Add, for each won new-business deal, the lag from each channel's last earlier touch."""
    account_of_person = np.array(
        [-1 if person.account is None else person.account.index for person in chunk.people]
    )
    first_account = chunk.accounts[0].index if chunk.accounts else 0
    keep = touches.is_touch() & (account_of_person[touches.person] >= 0)
    account = account_of_person[touches.person[keep]] - first_account
    channel = touches.channel[keep]
    day = touches.second[keep] // 86_400
    order = np.lexsort((day, channel, account))
    key = (account[order] * len(CHANNELS) + channel[order]).astype(np.int64)
    day = day[order]

    for deal in world.closed_won(days, "newbusiness"):
        segment = chunk.accounts[deal.account].segment
        samples.won[segment] += 1
        samples.cycles[segment].append(deal.close_day - deal.created_day)
        for channel_index, name in enumerate(CHANNELS):
            target = deal.account * len(CHANNELS) + channel_index
            low = np.searchsorted(key, target, side="left")
            high = np.searchsorted(key, target, side="right")
            earlier = np.searchsorted(day[low:high], deal.created_day, side="left")
            if earlier > 0:
                samples.lags[(segment, name)].append(deal.created_day - int(day[low + earlier - 1]))


def write_windows(sink: Sink, samples: WindowSamples) -> None:
    """Write one row per (segment, channel): planted decay and realised lag quantiles."""
    rows = []
    for segment, scale in SEGMENT_CYCLE_SCALE.items():
        cycles = samples.cycles.get(segment, [])
        for name in CHANNELS:
            decay = MECHANICS[name].weekly_decay
            lags = np.array(samples.lags.get((segment, name), []))
            rows.append(
                (
                    segment,
                    name,
                    decay,
                    round(7 * np.log(0.5) / np.log(decay), 1),
                    scale,
                    samples.won.get(segment, 0),
                    len(lags),
                    round(float(lags.mean()), 1) if len(lags) else "",
                    int(np.percentile(lags, 50)) if len(lags) else "",
                    int(np.percentile(lags, 90)) if len(lags) else "",
                    int(np.percentile(cycles, 50)) if cycles else "",
                )
            )
    sink.write_csv("truth/conversion_windows.csv", WINDOW_HEADER, rows)
