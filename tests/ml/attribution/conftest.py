from collections.abc import Callable

import pandas as pd
import pytest

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
