"""Split the timing model's per-deal channel credit over the touches behind it.

For a won deal whose opportunity opened in week w, the timing model (`ml.attribution.timing`)
gives channel c the net share `(1 - exp(-beta_c x exposure_c[w])) x P(no later deal without
c)`. The exposure depends on the channel's touches only through their decayed sum
`D_c[w] = sum over touches t in weeks u < w of decay_c ** (w - 1 - u)`. So the share is split
in proportion to each touch's term of that sum, `decay_c ** (w - 1 - u) / D_c[w]`: this is
the Aumann-Shapley split of a function of a sum, and the touches' shares add up exactly to
the channel's. Touches in week w or later fed no exposure and get nothing.

Each deal's touch shares add up to the sum of its channels' net shares. The rest of the
deal, the part the model finds no channel caused (the deal would have opened anyway, or a
later deal would have replaced it), goes to a `(baseline)` row, as the counterfactual model
does in `attribute`.
"""

import logging

import numpy as np
import pandas as pd

from ml.attribution.attribute import CREDIT_COLUMNS
from ml.attribution.config import BASELINE
from ml.attribution.journeys import _check_columns
from ml.attribution.timing import (
    TimingConfig,
    _channel_table,
    _DealCredit,
    _empty_credit_table,
    _fit_deals,
    _timing_inputs,
    _week_index,
)
from ml.attribution.timing_reports import TIMING_MODEL
from ml.io import empty_frame

logger = logging.getLogger(__name__)

TOUCH_COLUMNS = ("touch_id", "program", "person_id")


def empty_touch_credit() -> pd.DataFrame:
    """Return `CREDIT_COLUMNS` without rows."""
    numbers = ("share", "revenue_credit")
    return empty_frame(
        CREDIT_COLUMNS, [column for column in CREDIT_COLUMNS if column not in numbers]
    )


def timing_credit_tables(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: TimingConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the timing model once and return its channel rows and its touch rows.

    The channel rows are exactly `timing_credit_table`'s. The touch rows split each credited
    deal's net share per channel over the channel's touches of earlier weeks (see the module
    docstring). Summed over deals, a channel's touch shares equal its `credited_conversions`
    and their `revenue_credit` its `revenue_credit` (when the deals have one currency).

    Args:
        touches: `marts.fct_touches`, as for `timing_credit_table`, with `touch_id`,
            `program` and `person_id`.
        conversions: `marts.fct_conversions`, as for `timing_credit_table`, with
            `conversion_id`.
        config: Settings; defaults to `TimingConfig()`.
        as_of: When the data were extracted, as for `timing_credit_table`.

    Returns:
        The channel table (`TIMING_CREDIT_COLUMNS`) and the touch table (`CREDIT_COLUMNS`,
        model `timing`, conversion type `closed_won`, journeys being accounts). The touch
        table has one row per credited deal and touch with a positive share, and one
        `(baseline)` row per deal whose channel shares sum to less than 1, carrying the
        rest. Both are empty when there is nothing to credit.

    Raises:
        AttributionInputError: A column is missing, or the inputs break a rule of
            `timing_credit_table`.
    """
    _check_columns(touches, "touches", TOUCH_COLUMNS)
    _check_columns(conversions, "conversions", ("conversion_id",))
    inputs = _timing_inputs(touches, conversions, as_of)
    if inputs is None:
        return _empty_credit_table(), empty_touch_credit()
    result, deals = _fit_deals(
        inputs.touches,
        inputs.events,
        inputs.credited,
        inputs.start,
        inputs.end,
        config or TimingConfig(),
    )
    channel_rows = _channel_table(result, inputs.credited)
    return channel_rows, _touch_rows(inputs.touches, inputs.credited, deals)


def timing_touch_credit(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: TimingConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Credit won new-business deals to single touches with the timing model.

    Returns the touch table of `timing_credit_tables`, which documents the arguments.
    """
    return timing_credit_tables(touches, conversions, config, as_of)[1]


def split_over_touches(
    touch_journey: np.ndarray,
    touch_channel: np.ndarray,
    touch_week: np.ndarray,
    deals: _DealCredit,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each deal's net share per channel over the touches that fed its exposure.

    Args:
        touch_journey: Each touch's position in `deals.journeys`.
        touch_channel: Each touch's position in `deals.channels`.
        touch_week: Each touch's week, counted from `deals.start`; touches outside
            `0 .. deals.weeks - 1` are ignored, as in the fit.
        deals: The credited deals' net shares.

    Returns:
        Touch position, deal position and share of each (touch, deal) pair with a
        positive share.

    Raises:
        ValueError: A channel has a positive share of a deal but no touch of an earlier
            week, which the exposure formula rules out.
    """
    channel, deal = np.nonzero(deals.net_share > 0)
    credited = pd.DataFrame(
        {
            "pair": np.arange(len(deal)),
            "key": deals.journey[deal] * len(deals.channels) + channel,
            "deal_week": deals.week[deal],
        }
    )
    inside = (touch_week >= 0) & (touch_week < deals.weeks) & (touch_journey >= 0)
    touched = pd.DataFrame(
        {
            "touch": np.flatnonzero(inside),
            "key": touch_journey[inside] * len(deals.channels) + touch_channel[inside],
            "touch_week": touch_week[inside],
        }
    )
    pairs = credited.merge(touched, on="key")
    pairs = pairs[pairs["touch_week"] < pairs["deal_week"]]
    pair = pairs["pair"].to_numpy()
    age = (pairs["deal_week"] - 1 - pairs["touch_week"]).to_numpy()

    weight = deals.decays[channel[pair]] ** age
    total = np.bincount(pair, weights=weight, minlength=len(deal))
    if (total <= 0).any():
        missing = int(np.flatnonzero(total <= 0)[0])
        raise ValueError(
            f"timing touch credit: channel {deals.channels[channel[missing]]!r} has a positive "
            f"share of credited deal {int(deals.rows[deal[missing]])} but no touch before its "
            "week. Its exposure must come from such a touch, so this is a bug in the split"
        )
    share = deals.net_share[channel[pair], deal[pair]] * weight / total[pair]
    positive = share > 0
    return pairs["touch"].to_numpy()[positive], deal[pair][positive], share[positive]


def _touch_rows(touches: pd.DataFrame, credited: pd.DataFrame, deals: _DealCredit) -> pd.DataFrame:
    """Return the `CREDIT_COLUMNS` rows of every credited touch and deal baseline."""
    touch, deal, share = split_over_touches(
        deals.journeys.get_indexer(touches["journey_id"]),
        pd.Index(deals.channels).get_indexer(touches["channel"]),
        _week_index(touches["touched_at"], deals.start),
        deals,
    )
    won = credited.iloc[deals.rows].reset_index(drop=True)
    values = won["value"].to_numpy(dtype=float)
    # Take the credited rows before converting: converting every time stamp of a large
    # touch table to numpy took seconds.
    picked = touches.iloc[touch].reset_index(drop=True)
    rows = pd.DataFrame(
        {
            "model": TIMING_MODEL,
            "conversion_id": won["conversion_id"].to_numpy()[deal],
            "conversion_type": won["conversion_type"].to_numpy()[deal],
            **{
                column: picked[column].to_numpy()
                for column in ("journey_id", "touch_id", "channel", "program", "person_id")
            },
            "share": share,
            "revenue_credit": share * values[deal],
            "order": picked["touched_at"],
        }
    )

    # NOTE: each channel's share is what removing that channel alone would lose, so with
    # several strong channels the shares can add up to more than 1. Such a deal gets no
    # baseline row, and its rows sum to more than the deal.
    rest = 1.0 - deals.net_share.sum(axis=0)
    with_rest = np.flatnonzero(rest > 0)
    baseline = pd.DataFrame(
        {
            "model": TIMING_MODEL,
            "conversion_id": won["conversion_id"].to_numpy()[with_rest],
            "conversion_type": won["conversion_type"].to_numpy()[with_rest],
            "journey_id": won["journey_id"].to_numpy()[with_rest],
            "touch_id": None,
            "channel": BASELINE,
            "program": None,
            "person_id": None,
            "share": rest[with_rest],
            "revenue_credit": rest[with_rest] * values[with_rest],
            "order": pd.Series(
                pd.NaT, index=range(len(with_rest)), dtype=picked["touched_at"].dtype
            ),
        }
    )
    frames = [frame for frame in (rows, baseline) if not frame.empty]
    if not frames:
        return empty_touch_credit()
    combined = pd.concat(frames, ignore_index=True)
    combined = combined.sort_values(
        ["conversion_id", "order"], kind="mergesort", na_position="last"
    )
    return combined[CREDIT_COLUMNS].reset_index(drop=True)
