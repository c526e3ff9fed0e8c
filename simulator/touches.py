"""Touches of one chunk: who touched which channel, when, driven by latent intent."""

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np

from simulator.config import CHANNELS, MECHANICS, MONTH_SEASONALITY, SimulationConfig
from simulator.population import Chunk

# Probability that a person has an account in each tool, before the intent shift.
SOURCE_PRESENCE: dict[str, float] = {
    "slack": 0.65,
    "discourse": 0.4,
    "github": 0.35,
    "web": 0.9,
    "events": 1.0,
    "product": 1.0,
}
CHANNEL_SOURCE: dict[str, str] = {
    "community_chat": "slack",
    "community_forum": "discourse",
    "github": "github",
    "event": "events",
    "webinar": "events",
    "product_signup": "product",
}
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "webinar": ("webinar",),
    "event": ("meetup", "conference", "workshop"),
}
# Share of event registrations that lead to attendance at person intent 0.
ATTENDANCE_RATE = 0.62
WEEKEND_WEIGHT = 0.35


@dataclass(frozen=True)
class Event:
    """One scheduled event or webinar of the shared catalogue."""

    event_id: str
    name: str
    event_type: str
    program: str
    day: int
    hour: int


@dataclass
class TouchTable:
    """Touches and event registrations of one chunk, as parallel arrays.

    Attributes:
        person: chunk-local person index of each touch.
        channel: index into CHANNELS.
        second: seconds since the start of the window (UTC).
        event: index into the event catalogue for event and webinar rows, else -1.
        attended: False only for event registrations without attendance. Such rows are no
            touch: they exist so the attendance file shows no-shows.
        presence: source name -> boolean array over chunk people (has an account there).
    """

    person: np.ndarray
    channel: np.ndarray
    second: np.ndarray
    event: np.ndarray
    attended: np.ndarray
    presence: dict[str, np.ndarray]

    def is_touch(self) -> np.ndarray:
        """Boolean mask of rows that are touches (everything but no-show registrations)."""
        return self.attended


@functools.cache
def day_weights(start: dt.date, days: int) -> np.ndarray:
    """Return the relative activity of each day: month seasonality times a weekend dip."""
    weights = np.empty(days)
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        weight = MONTH_SEASONALITY[day.month - 1]
        if day.weekday() >= 5:
            weight *= WEEKEND_WEIGHT
        weights[offset] = weight
    return weights


@functools.cache
def _day_cdf(start: dt.date, days: int) -> np.ndarray:
    weights = day_weights(start, days)
    cdf = np.concatenate([[0.0], np.cumsum(weights)])
    return cdf / cdf[-1]


@functools.cache
def event_catalogue(seed: int, start: dt.date, days: int) -> tuple[Event, ...]:
    """Return the events of the window, which depend only on the seed and dates.

    Webinars run every two weeks on Tuesday or Thursday, meetups monthly, workshops every six
    weeks and a conference each spring and autumn.
    """
    rng = np.random.default_rng([seed, 0, 2])
    events: list[Event] = []
    cities = ("Berlin", "London", "New York", "Bangalore", "Sao Paulo", "Toronto", "Tokyo")
    topics = ("Getting started", "Modeling at scale", "Release tour", "Customer panel", "Ask us")

    def add(event_type: str, name: str, program: str, day: int) -> None:
        if 0 <= day < days:
            number = len(events) + 1
            hour = int(rng.integers(14, 19))
            events.append(Event(f"EV{number:05d}", name, event_type, program, day, hour))

    for day in range(1, days, 14):
        topic = topics[rng.integers(len(topics))]
        add("webinar", f"Webinar: {topic}", "webinars", day + int(rng.integers(0, 3)))
    for day in range(10, days, 30):
        city = cities[rng.integers(len(cities))]
        add("meetup", f"{city} meetup", "meetups", day + int(rng.integers(0, 7)))
    for day in range(20, days, 42):
        add("workshop", "Hands-on workshop", "workshops", day)
    for offset in range(0, days, 365):
        add("conference", f"RevMap Summit {offset // 365 + 1}", "conference", offset + 120)
        add("conference", f"RevMap Community Day {offset // 365 + 1}", "conference", offset + 300)
    return tuple(sorted(events, key=lambda event: (event.day, event.event_id)))


def _sample_days(rng: np.random.Generator, cdf: np.ndarray, from_days: np.ndarray) -> np.ndarray:
    """Draw one day per entry of `from_days`, on or after it, following the day weights."""
    low = cdf[from_days]
    draws = low + rng.random(len(from_days)) * (1.0 - low)
    return np.clip(np.searchsorted(cdf, draws, side="right") - 1, 0, len(cdf) - 2)


def _next_events(
    days: np.ndarray, catalogue: tuple[Event, ...], kinds: tuple[str, ...]
) -> np.ndarray:
    """Map each day to the index of the first catalogue event of `kinds` on or after it."""
    indices = np.array([i for i, event in enumerate(catalogue) if event.event_type in kinds])
    event_days = np.array([catalogue[i].day for i in indices])
    position = np.searchsorted(event_days, days, side="left")
    found = position < len(indices)
    result = np.full(len(days), -1)
    result[found] = indices[position[found]]
    return result


def generate_touches(config: SimulationConfig, chunk: Chunk) -> TouchTable:
    """Draw every touch and event registration of the chunk's people.

    Touch counts are Poisson with a rate that grows with the person's intent and activity;
    days follow month seasonality from the person's join day on.

    Args:
        config: run settings.
        chunk: the chunk's people.

    Returns:
        The chunk's touches, sorted by time.
    """
    # NOTE: touches do not react to deals (no onboarding webinars after a win, no sales-led
    # invitations), so post-purchase activity is as frequent as before the purchase.
    rng = np.random.default_rng([config.seed, chunk.index, 3])
    count = len(chunk.people)
    intent = np.array([person.intent for person in chunk.people])
    activity = np.array([person.activity for person in chunk.people])
    joined = np.array([person.joined_day for person in chunk.people])
    exposure_share = (config.days - joined) / config.days * (config.days / 730.0)
    cdf = _day_cdf(config.start, config.days)
    catalogue = event_catalogue(config.seed, config.start, config.days)

    presence = {
        source: rng.random(count) < np.clip(share + 0.1 * intent, 0.0, 1.0)
        for source, share in SOURCE_PRESENCE.items()
    }
    parts: list[tuple[np.ndarray, ...]] = []
    for channel_index, channel in enumerate(CHANNELS):
        mechanics = MECHANICS[channel]
        rate = mechanics.touch_rate * activity * np.exp(mechanics.intent_slope * intent)
        rate = rate * exposure_share
        source = CHANNEL_SOURCE.get(channel, "web")
        if channel in EVENT_KINDS:
            rate = rate / ATTENDANCE_RATE
        counts = rng.poisson(rate) * presence[source]
        if channel == "product_signup":
            counts = np.minimum(counts, 2)
        people = np.repeat(np.arange(count), counts)
        days = _sample_days(rng, cdf, joined[people])
        event = np.full(len(people), -1)
        attended = np.ones(len(people), dtype=bool)
        if channel in EVENT_KINDS:
            event = _next_events(days, catalogue, EVENT_KINDS[channel])
            keep = event >= 0
            people, event = people[keep], event[keep]
            days = np.array([catalogue[i].day for i in event], dtype=np.int64)
            show_rate = np.clip(ATTENDANCE_RATE + 0.1 * intent[people], 0.05, 0.95)
            attended = rng.random(len(people)) < show_rate
            seconds = days * 86_400 + np.array([catalogue[i].hour for i in event]) * 3600
        else:
            hours = np.clip(rng.normal(14.0, 3.5, len(people)), 0, 23.99)
            seconds = days * 86_400 + (hours * 3600).astype(np.int64)
        channel_column = np.full(len(people), channel_index)
        parts.append((people, channel_column, seconds, event, attended))

    columns = [np.concatenate([part[i] for part in parts]) for i in range(5)]
    order = np.lexsort((columns[1], columns[0], columns[2]))
    return TouchTable(
        person=columns[0][order].astype(np.int64),
        channel=columns[1][order].astype(np.int64),
        second=columns[2][order].astype(np.int64),
        event=columns[3][order].astype(np.int64),
        attended=columns[4][order].astype(bool),
        presence=presence,
    )
