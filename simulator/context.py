"""State shared by the source writers while one chunk is written."""

from dataclasses import dataclass, field

import numpy as np

from simulator.config import CHANNELS, SimulationConfig
from simulator.population import Chunk
from simulator.sink import Sink, iso_strings
from simulator.touches import TouchTable

PERSON_RECORDS = "truth/person_records.csv"
TOUCHES = "truth/touches.csv"
PERSON_RECORD_HEADER = ("source", "source_record_id", "person_id")
TOUCH_HEADER = (
    "touch_id",
    "person_id",
    "account_id",
    "channel",
    "occurred_at",
    "source",
    "source_record_id",
    "source_event_id",
)


@dataclass
class RunCounters:
    """Serial numbers that continue across chunks, so ids stay unique in the whole run."""

    slack_messages: int = 0
    discourse_posts: int = 0
    discourse_topics: int = 0
    github_deliveries: int = 0
    github_issue_numbers: dict[str, int] = field(default_factory=dict)
    registrations: int = 0
    sessions: int = 0
    anonymous_ids: int = 0
    signups: int = 0
    hubspot_contacts: int = 0
    deals: int = 0
    stripe_objects: int = 0
    touches: int = 0
    badge_scans: int = 0
    call_notes: int = 0
    erasure_requests: int = 0
    consent_receipts: int = 0


@dataclass
class ChunkContext:
    """Everything a source writer needs for one chunk."""

    config: SimulationConfig
    chunk: Chunk
    touches: TouchTable
    sink: Sink
    counters: RunCounters
    rng: np.random.Generator

    identity_rows: list[tuple[str, str, str]] = field(default_factory=list)
    touch_rows: list[tuple[str, ...]] = field(default_factory=list)
    stamps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stamps = iso_strings(self.config.start, self.touches.second)

    def stamp(self, row: int | np.integer) -> str:
        """ISO 8601 UTC time stamp of one row of the touch table."""
        return self.stamps[row]

    def record_identity(self, source: str, record_id: str, person_index: int) -> None:
        """Stage one truth row linking a source record to the person behind it."""
        person = self.chunk.people[person_index]
        self.identity_rows.append((source, record_id, person.person_id))

    def record_touch(
        self,
        person_index: int,
        channel: int,
        source: str,
        record_id: str,
        event_id: str,
        occurred_at: str,
    ) -> None:
        """Stage one truth row for a touch, naming the landing record that carries it."""
        person = self.chunk.people[person_index]
        self.counters.touches += 1
        account_id = "" if person.account is None else person.account.account_id
        row = (
            f"T{self.counters.touches:09d}",
            person.person_id,
            account_id,
            CHANNELS[channel],
            occurred_at,
            source,
            record_id,
            event_id,
        )
        self.touch_rows.append(row)

    def flush(self) -> None:
        """Write the staged truth rows of the chunk."""
        self.sink.write_csv(PERSON_RECORDS, PERSON_RECORD_HEADER, self.identity_rows)
        self.sink.write_csv(TOUCHES, TOUCH_HEADER, self.touch_rows)
        self.identity_rows.clear()
        self.touch_rows.clear()

    def touches_of(self, channel: str) -> np.ndarray:
        """Row indices of the chunk's touch table for one channel, in time order."""
        return np.flatnonzero(self.touches.channel == CHANNELS.index(channel))
