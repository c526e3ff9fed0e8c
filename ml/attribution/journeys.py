"""Validation of touches and conversions, and the touches each conversion may credit.

Eligibility rules:
- A touch is eligible for a conversion of the same journey when
  `converted_at - lookback_days <= touched_at <= converted_at`. A touch at the conversion's
  own time counts, and a touch after it earns nothing.
- A touch may be eligible for several conversions (say, an opportunity and its closed deal).
- Touches are ordered by `touched_at`, then `channel`, then `touch_id`, so ties in time always
  resolve the same way: the first touch of two at the same moment is the one whose channel
  (then touch id) sorts first.
- A journey with no conversion of a type is a non-converting path for that type; its path is
  its touches in the `lookback_days` ending at its last touch.
- `channel_grouping` renames channels before any model sees them.
"""

import logging

import numpy as np
import pandas as pd

from ml.attribution.config import OPPORTUNITY_CREATED, AttributionConfig
from ml.errors import DataQualityError

logger = logging.getLogger(__name__)

TOUCH_COLUMNS = ("journey_id", "touch_id", "touched_at", "channel", "program", "person_id")
CONVERSION_COLUMNS = ("conversion_id", "journey_id", "conversion_type", "converted_at", "revenue")
TOUCH_ORDER = ["touched_at", "channel", "touch_id"]


class AttributionInputError(DataQualityError):
    """Touches or conversions break a rule that attribution relies on."""


def _check_columns(frame: pd.DataFrame, table: str, required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise AttributionInputError(
            f"{table}: column(s) {missing} missing; found {list(frame.columns)}, expected "
            f"{list(required)}"
        )


def _reject_rows(frame: pd.DataFrame, bad: pd.Series, table: str, field: str, rule: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AttributionInputError(
            f"{table}, row {row}, field {field!r}: value {frame[field].iloc[row]!r} is invalid; "
            f"expected {rule} ({int(bad.sum())} row(s) affected)"
        )


def _require_labels(frame: pd.DataFrame, table: str, fields: tuple[str, ...]) -> None:
    """Reject blank values in `fields` of `frame` and convert those columns to strings."""
    for field in fields:
        blank = frame[field].isna() | (frame[field].astype(str).str.strip() == "")
        _reject_rows(frame, blank, table, field, "a non-blank string")
        frame[field] = frame[field].astype(str)


def _finite_numbers(
    frame: pd.DataFrame,
    table: str,
    field: str,
    rows: pd.Series | None = None,
    rule: str = "a finite number",
) -> pd.Series:
    """Return `field` as floats, rejecting values that are not finite (only in `rows` if set)."""
    numbers = pd.to_numeric(frame[field], errors="coerce").astype(float)
    bad = ~np.isfinite(numbers)
    if rows is not None:
        bad &= rows
    _reject_rows(frame, bad, table, field, rule)
    return numbers


def _utc_times(values: pd.Series) -> pd.Series:
    """Parse time stamps as UTC (naive ones as UTC), leaving NaT where a value does not parse.

    pandas infers one format from the first string and fails the strings of any other, so
    those are parsed again as ISO 8601: a date alone among full time stamps still parses.
    """
    times = pd.to_datetime(values, utc=True, errors="coerce")
    retry = times.isna() & values.notna()
    if retry.any():
        times[retry] = pd.to_datetime(values[retry], utc=True, errors="coerce", format="ISO8601")
    return times


def _parse_times(frame: pd.DataFrame, table: str, field: str) -> pd.Series:
    # pandas reads numbers as nanoseconds since 1970, so epoch seconds would silently become
    # dates in January 1970. A number's unit cannot be inferred, so numbers are rejected.
    values = frame[field]
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        _reject_rows(
            frame,
            values.notna(),
            table,
            field,
            "a time stamp, not a number: convert epoch numbers first, for example with "
            "pd.to_datetime(values, unit='s', utc=True)",
        )
    times = _utc_times(values)
    _reject_rows(frame, times.isna(), table, field, "a time stamp (tz-aware, or naive as UTC)")
    return times


def prepare_touches(touches: pd.DataFrame, config: AttributionConfig) -> pd.DataFrame:
    """Check the touch table, apply channel grouping and sort touches in journey order.

    Raises:
        AttributionInputError: A column is missing, an id or channel is blank, a time stamp
            does not parse, or a touch id repeats within a journey.
    """
    _check_columns(touches, "touches", TOUCH_COLUMNS)
    frame = touches.loc[:, list(TOUCH_COLUMNS)].reset_index(drop=True).copy()
    _require_labels(frame, "touches", ("journey_id", "touch_id", "channel"))
    frame["touched_at"] = _parse_times(frame, "touches", "touched_at")
    duplicate = frame.duplicated(["journey_id", "touch_id"])
    _reject_rows(frame, duplicate, "touches", "touch_id", "a touch id unique within its journey")
    for field in ("program", "person_id"):
        frame[field] = frame[field].astype(object).where(frame[field].notna(), None)
    frame["channel"] = frame["channel"].map(lambda c: config.channel_grouping.get(c, c))
    return frame.sort_values(["journey_id", *TOUCH_ORDER], kind="mergesort").reset_index(drop=True)


def prepare_conversions(conversions: pd.DataFrame) -> pd.DataFrame:
    """Check the conversion table and return it with parsed times and float revenue.

    Raises:
        AttributionInputError: A column is missing, an id or type is blank, a conversion id
            repeats, a time stamp does not parse or a revenue is not a finite number.
    """
    _check_columns(conversions, "conversions", CONVERSION_COLUMNS)
    frame = conversions.loc[:, list(CONVERSION_COLUMNS)].reset_index(drop=True).copy()
    _require_labels(frame, "conversions", ("conversion_id", "journey_id", "conversion_type"))
    duplicate = frame.duplicated("conversion_id")
    _reject_rows(frame, duplicate, "conversions", "conversion_id", "a unique conversion id")
    frame["converted_at"] = _parse_times(frame, "conversions", "converted_at")
    frame["revenue"] = _finite_numbers(frame, "conversions", "revenue")
    return frame


def _milestones(conversions: pd.DataFrame) -> pd.DataFrame:
    """Return conversion_id and opportunity_at, the latest opportunity creation before it."""
    opportunities = conversions.loc[
        conversions["conversion_type"] == OPPORTUNITY_CREATED, ["journey_id", "converted_at"]
    ].rename(columns={"converted_at": "opportunity_at"})
    later = conversions.loc[
        conversions["conversion_type"] != OPPORTUNITY_CREATED,
        ["conversion_id", "journey_id", "converted_at"],
    ]
    pairs = later.merge(opportunities, on="journey_id")
    pairs = pairs[pairs["opportunity_at"] <= pairs["converted_at"]]
    return pairs.groupby("conversion_id", as_index=False)["opportunity_at"].max()


def eligible_touches(
    touches: pd.DataFrame, conversions: pd.DataFrame, config: AttributionConfig
) -> pd.DataFrame:
    """Pair each conversion with its eligible touches, in touch order.

    Args:
        touches: Output of `prepare_touches`.
        conversions: Output of `prepare_conversions`.
        config: Supplies `lookback_days`.

    Returns:
        One row per conversion and eligible touch with the conversion's columns, the touch's
        columns, `position` (0-based), `path_length`, `age_days` and `milestone_position`
        (position of the last touch at or before the opportunity creation, NaN if unknown).
    """
    pairs = conversions.merge(touches, on="journey_id", how="inner")
    window = pd.Timedelta(days=config.lookback_days)
    keep = (pairs["touched_at"] <= pairs["converted_at"]) & (
        pairs["touched_at"] >= pairs["converted_at"] - window
    )
    pairs = pairs[keep].sort_values(["conversion_id", *TOUCH_ORDER], kind="mergesort")
    pairs = pairs.reset_index(drop=True)
    grouped = pairs.groupby("conversion_id", sort=False)
    pairs["position"] = grouped.cumcount()
    pairs["path_length"] = grouped["touch_id"].transform("size")
    pairs["age_days"] = (pairs["converted_at"] - pairs["touched_at"]).dt.total_seconds() / 86400.0

    opportunity_at = pairs[["conversion_id"]].merge(
        _milestones(conversions), on="conversion_id", how="left"
    )["opportunity_at"]
    before = (pairs["touched_at"] <= opportunity_at).astype(int)
    last_before = before.groupby(pairs["conversion_id"]).transform("sum") - 1
    pairs["milestone_position"] = last_before.where(
        opportunity_at.notna() & (last_before >= 0)
    ).astype(float)
    return pairs


def group_paths(keys: pd.Series, channels: pd.Series) -> pd.Series:
    """Return the channel tuple of each key, indexed by key in order of first appearance.

    The rows of one key must be contiguous and in touch order, as `prepare_touches` and
    `eligible_touches` leave them.
    """
    codes = pd.factorize(keys)[0]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    ends = np.r_[starts[1:], len(codes)]
    values = channels.tolist()
    bounds = zip(starts.tolist(), ends.tolist(), strict=True)
    paths = [tuple(values[start:end]) for start, end in bounds]
    return pd.Series(paths, index=keys.to_numpy()[starts], dtype=object)


def non_converting_journeys(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    conversion_type: str,
    config: AttributionConfig,
) -> pd.Series:
    """Return the channel path of every journey without a conversion of `conversion_type`.

    Args:
        touches: Output of `prepare_touches`.
        conversions: Output of `prepare_conversions`.
        conversion_type: The conversion type the journeys lack.
        config: Supplies `lookback_days`.

    Returns:
        Channel tuples indexed by journey id, sorted by journey id.
    """
    converted = set(
        conversions.loc[conversions["conversion_type"] == conversion_type, "journey_id"]
    )
    rest = touches[~touches["journey_id"].isin(converted)]
    if rest.empty:
        return pd.Series(dtype=object)
    last = rest.groupby("journey_id")["touched_at"].transform("max")
    rest = rest[rest["touched_at"] >= last - pd.Timedelta(days=config.lookback_days)]
    return group_paths(rest["journey_id"], rest["channel"])


def non_converting_paths(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    conversion_type: str,
    config: AttributionConfig,
) -> list[tuple[str, ...]]:
    """Return the channel path of every journey without a conversion of `conversion_type`."""
    return list(non_converting_journeys(touches, conversions, conversion_type, config))
