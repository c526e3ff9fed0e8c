from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from tests.ml.attribution.test_timing import confounded_world

DAY0 = pd.Timestamp("2026-03-01", tz="UTC")


def make_touches(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    """Build a touch table from (journey_id, touch_id, day offset, channel) rows."""
    return pd.DataFrame(
        {
            "journey_id": [row[0] for row in rows],
            "touch_id": [row[1] for row in rows],
            "touched_at": [DAY0 + pd.Timedelta(days=row[2]) for row in rows],
            "channel": [row[3] for row in rows],
            "program": [None] * len(rows),
            "person_id": [None] * len(rows),
        }
    )


def make_conversions(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """Build a conversion table from (conversion_id, journey_id, type, day offset, revenue)."""
    return pd.DataFrame(
        {
            "conversion_id": [row[0] for row in rows],
            "journey_id": [row[1] for row in rows],
            "conversion_type": [row[2] for row in rows],
            "converted_at": [DAY0 + pd.Timedelta(days=row[3]) for row in rows],
            "revenue": [row[4] for row in rows],
        }
    )


@pytest.fixture
def touches_factory() -> Callable[[list[tuple[str, str, float, str]]], pd.DataFrame]:
    return make_touches


@pytest.fixture
def conversions_factory() -> Callable[[list[tuple[str, str, str, float, float]]], pd.DataFrame]:
    return make_conversions


@pytest.fixture(scope="module")
def world_with_ids() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touches with ids, programs and people, and conversions with every other deal won."""
    touches, events = confounded_world(accounts=600, seed=5)
    touches = touches.reset_index(drop=True)
    touches["touch_id"] = "t" + touches.index.astype(str)
    touches["program"] = touches["channel"] + "-program"
    touches["person_id"] = "p" + (touches.index % 7).astype(str) + "-" + touches["journey_id"]
    opened = events.reset_index(drop=True)
    pipeline = pd.DataFrame(
        {
            "journey_id": opened["journey_id"],
            "opportunity_id": "o" + opened.index.astype(str),
            "conversion_type": "opportunity_created",
            "converted_at": opened["event_at"],
            "revenue": 0.0,
        }
    )
    # Every other opportunity is won, sixty days after it opened, for a varying amount.
    won = pipeline.iloc[::2].assign(
        conversion_type="closed_won",
        converted_at=lambda frame: frame["converted_at"] + pd.Timedelta(days=60),
        revenue=lambda frame: 1000.0 + 10.0 * np.arange(len(frame)),
    )
    conversions = pd.concat([pipeline, won], ignore_index=True)
    conversions["conversion_id"] = "c" + conversions.index.astype(str)
    return touches, conversions
