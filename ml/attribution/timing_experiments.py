"""Credit experiment outcomes with the timing model, for the experiment comparison.

An experiment counts a unit's outcome when an opportunity opens between the unit's assignment
and the end of its window. The timing model (`ml.attribution.timing`) is fitted once on the
warehouse's new-business opportunities, then credits each outcome opportunity to the program's
channels. A channel's net share of an opportunity is the part its exposure caused, times the
chance that, without the channel, no later opportunity opens before the unit's outcome window
ends: only then does removing the channel lose the outcome. So `credited_difference` is
the model's estimate of the outcomes that the treated arm's extra exposure to the program's
channels caused, which is what the experiment measures when the program works through touches.
"""

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ml.attribution.journeys import AttributionInputError, _check_columns
from ml.attribution.timing import (
    OUTCOME_WINDOW_END,
    TimingConfig,
    _credit_opportunities,
    _fit_timing_hazard,
    _FittedHazard,
    _hazard_inputs,
)

OUTCOME_COLUMNS = ("experiment_id", "journey_id", "converted_at", "window_end", "group", "weight")
ARM_CREDIT_COLUMNS = (
    "experiment_id",
    "credited_treatment",
    "credited_control",
    "credited_difference",
    "credited_difference_lower",
    "credited_difference_upper",
)


def timing_arm_credit(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    outcomes: pd.DataFrame,
    experiment_channels: Mapping[str, Sequence[str]],
    config: TimingConfig,
    as_of: pd.Timestamp | None = None,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, str | None]:
    """Credit each experiment's outcome opportunities to its program's channels, per arm.

    The hazard is fitted as `timing_credit_table` fits it (same events, window and settings),
    but no won deal is needed. The figures are summed net shares of the program's channels,
    so an opportunity can count for more than 1 when several channels each caused it.

    NOTE: every outcome opportunity is credited with the hazard fitted on new-business
    opportunities, including one opened after the account's first win (an expansion), whose
    timing that hazard does not describe.

    Args:
        touches: `marts.fct_touches`, as for `timing_credit_table` (journeys are accounts).
        conversions: `marts.fct_conversions`, as for `timing_credit_table`.
        outcomes: One row per experiment and outcome opportunity, with `OUTCOME_COLUMNS`.
            `converted_at` is when the opportunity opened and `window_end` the end of the
            unit's outcome window. `group` is `treatment` or `control`. `weight` is the
            opportunity's weight in `credited_difference`: 1 in the treated arm, and minus
            the treated arm's size over the control arm's in the control arm.
        experiment_channels: Every experiment to report, to its program's channels. An
            experiment without outcome rows gets 0.
        config: Timing model settings. With `interval_draws` above 0 the difference gets
            an interval from the coefficient draws; with 0 its bounds are NaN.
        as_of: When the data were extracted, as for `timing_credit_table`.
        confidence: Coverage of that interval.

    Returns:
        One row per experiment with `ARM_CREDIT_COLUMNS`, and None. When the model cannot
        run, an empty frame and the reason: no `opportunity_created` conversion, no touch
        or opportunity inside the window, or the error that `AttributionInputError` or
        `ValueError` raised.
    """
    _check_columns(outcomes, "outcomes", OUTCOME_COLUMNS)
    types = set()
    if "conversion_type" in conversions.columns:
        types = set(conversions["conversion_type"].dropna().astype(str))
    if "opportunity_created" not in types:
        return pd.DataFrame(), f"no opportunity_created conversion (types found: {sorted(types)})"
    try:
        inputs = _hazard_inputs(touches, conversions, as_of)
        if inputs is None:
            return pd.DataFrame(), (
                "no touch within a year before an opportunity_created conversion opened "
                "before its account's first win"
            )
        hazard = _fit_timing_hazard(inputs.touches, inputs.events, inputs.start, inputs.end, config)
    except (AttributionInputError, ValueError) as error:
        return pd.DataFrame(), f"the timing fit raised {type(error).__name__}: {error}"
    experiment = outcomes["experiment_id"].astype(str)
    rows = [
        _arm_credit(
            hazard,
            str(experiment_id),
            outcomes[experiment == str(experiment_id)].reset_index(drop=True),
            channels,
            confidence,
        )
        for experiment_id, channels in experiment_channels.items()
    ]
    return pd.DataFrame(rows, columns=list(ARM_CREDIT_COLUMNS)), None


def _arm_credit(
    hazard: _FittedHazard,
    experiment_id: str,
    outcomes: pd.DataFrame,
    channels: Sequence[str],
    confidence: float,
) -> dict[str, float | str]:
    """Return one experiment's row of `ARM_CREDIT_COLUMNS`."""
    row: dict[str, float | str] = dict.fromkeys(ARM_CREDIT_COLUMNS, 0.0)
    row["experiment_id"] = experiment_id
    has_draws = hazard.config.interval_draws > 0
    if not has_draws:
        row["credited_difference_lower"] = row["credited_difference_upper"] = float("nan")
    if outcomes.empty:
        return row
    credited = pd.DataFrame(
        {
            "journey_id": outcomes["journey_id"].astype(str),
            "event_at": pd.to_datetime(outcomes["converted_at"], utc=True),
            "value": outcomes["weight"].astype(float),
            OUTCOME_WINDOW_END: pd.to_datetime(outcomes["window_end"], utc=True),
        }
    )
    _, deals = _credit_opportunities(hazard, credited)

    # NOTE: summing each channel's share (what removing that channel alone would lose) is
    # not the share that removing all the program's channels at once would lose, and with
    # two strong program channels the two can differ. The journey models' rows sum the same way.
    program = [deals.channels.index(channel) for channel in channels if channel in deals.channels]
    program_share = deals.net_share[program].sum(axis=0)
    group = outcomes["group"].to_numpy()[deals.rows]
    weight = credited["value"].to_numpy()[deals.rows]
    row["credited_treatment"] = float(program_share[group == "treatment"].sum())
    row["credited_control"] = float(program_share[group == "control"].sum())
    row["credited_difference"] = float(program_share @ weight)
    # Without a credited opportunity inside the window there are no draws. Every draw would
    # credit 0, so `row` keeps its zeros.
    if has_draws and len(deals.value_draws):
        tail = (1 - confidence) / 2
        drawn = deals.value_draws[:, program].sum(axis=1)
        lower, upper = np.quantile(drawn, [tail, 1 - tail])
        row["credited_difference_lower"] = float(lower)
        row["credited_difference_upper"] = float(upper)
    return row
