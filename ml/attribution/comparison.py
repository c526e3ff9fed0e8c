"""Measured experiment lift beside the conversions each attribution model credits the program.

An experiment randomizes units (accounts) into treatment and control. Its outcome here is an
`outcome_type` conversion of the unit's journey from its assignment until `window_days` later.
`lift * treated units` (with its interval) is the number of conversions the program caused.
Each model's figure is the credit (summed shares) it gives the program's channels on those
outcome conversions: `credited_treatment` in the treated arm, and `credited_difference`, the
treated arm's credit minus the control arm's scaled to the treated arm's size. When the
program works through touches the models see, `credited_difference` should land inside the
lift's interval. When it works through something the touches do not record, it stays near 0.
The journey models' credit comes from `attribution.credits`. The timing model is fitted on its
own and adds a row with an interval from its coefficient draws
(`ml.attribution.timing_experiments`).
"""

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from ml.attribution.config import OPPORTUNITY_CREATED
from ml.attribution.experiments import ExperimentLift, estimate_experiment_lift
from ml.attribution.journeys import AttributionInputError
from ml.attribution.timing import TimingConfig
from ml.attribution.timing_experiments import OUTCOME_COLUMNS, timing_arm_credit
from ml.attribution.timing_reports import TIMING_MODEL, warn_timing_absent
from ml.errors import ConfigurationError
from ml.identity.accounts import make_account_id
from ml.identity.prepare import normalize_domain

logger = logging.getLogger(__name__)

# Channels of the community programs, used for an experiment without its own channel list.
COMMUNITY_CHANNELS = (
    "community_chat",
    "community_forum",
    "github",
    "event",
    "webinar",
    "community_referral",
)
COMPARISON_COLUMNS = [
    "experiment_id",
    "program",
    "channels",
    "outcome_type",
    "n_treatment",
    "n_control",
    "treatment_rate",
    "control_rate",
    "lift",
    "lift_lower",
    "lift_upper",
    "measured_incremental",
    "measured_incremental_lower",
    "measured_incremental_upper",
    "model",
    "credited_treatment",
    "credited_control",
    "credited_difference",
    "credited_difference_lower",
    "credited_difference_upper",
]
ASSIGNMENT_COLUMNS = ("experiment_id", "experiment_name", "unit_id", "group", "assigned_at")


def assign_company_journeys(assignments: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    """Add the account journey of each HubSpot company unit of `raw.experiment_assignments`.

    Args:
        assignments: experiment_id, experiment_name, unit_id (HubSpot company id), group,
            assigned_at.
        companies: company_id and company_domain (`staging.stg_hubspot__companies`).

    Returns:
        The assignments with `journey_id`, the account id made from the company's domain as
        identity resolution makes it. Units whose company or domain is unknown are dropped
        with a warning. No assignments (an empty frame) give an empty result.
    """
    if assignments.empty:
        return pd.DataFrame(columns=[*ASSIGNMENT_COLUMNS, "journey_id"])
    missing = [column for column in ASSIGNMENT_COLUMNS if column not in assignments.columns]
    if missing:
        raise AttributionInputError(
            f"experiment assignments: column(s) {missing} missing; expected "
            f"{list(ASSIGNMENT_COLUMNS)}"
        )
    domains = companies.assign(company_id=companies["company_id"].astype(str)).set_index(
        "company_id"
    )["company_domain"]
    frame = assignments.loc[:, list(ASSIGNMENT_COLUMNS)].copy()
    domain = frame["unit_id"].astype(str).map(domains).map(normalize_domain)
    frame["journey_id"] = domain.map(make_account_id, na_action="ignore")
    unknown = frame["journey_id"].isna()
    if unknown.any():
        logger.warning(
            "experiment assignments: %d unit(s) without a company domain dropped, first %r",
            int(unknown.sum()),
            frame.loc[unknown, "unit_id"].iloc[0],
        )
    return frame[~unknown].reset_index(drop=True)


# NOTE: every opportunity counts as an outcome, expansions included, while the simulator's
# experiment counts new-business opportunities only, so the measured lift is diluted a little.
def _outcomes(
    units: pd.DataFrame, conversions: pd.DataFrame, outcome_type: str, window_days: float
) -> pd.DataFrame:
    """Return the outcome conversions of each unit.

    Columns: conversion_id, journey_id, group, converted_at and window_end (the end of the
    unit's outcome window).
    """
    of_type = conversions.loc[
        conversions["conversion_type"] == outcome_type,
        ["conversion_id", "journey_id", "converted_at"],
    ].astype({"journey_id": str, "conversion_id": str})
    pairs = units.merge(of_type, on="journey_id")
    assigned = pd.to_datetime(pairs["assigned_at"], utc=True)
    pairs["converted_at"] = pd.to_datetime(pairs["converted_at"], utc=True)
    pairs["window_end"] = assigned + pd.Timedelta(days=window_days)
    inside = (pairs["converted_at"] >= assigned) & (pairs["converted_at"] < pairs["window_end"])
    return pairs.loc[inside, ["conversion_id", "journey_id", "group", "converted_at", "window_end"]]


def compare_experiments(
    assignments: pd.DataFrame,
    conversions: pd.DataFrame,
    credits: pd.DataFrame,
    experiment_channels: Mapping[str, Sequence[str]] | None = None,
    outcome_type: str = OPPORTUNITY_CREATED,
    window_days: float = 182.0,
    confidence: float = 0.95,
    touches: pd.DataFrame | None = None,
    timing: TimingConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Set each experiment's measured lift beside every model's credit to its channels.

    Args:
        assignments: Output of `assign_company_journeys` (journey_id, group `treatment` or
            `control`, assigned_at, experiment_id, experiment_name).
        conversions: Conversion table as for `attribute`.
        credits: Output of `attribute` on the same conversions.
        experiment_channels: Experiment id to the channels its program runs in; experiments
            not listed use `COMMUNITY_CHANNELS`.
        outcome_type: Conversion type that counts as the experiment's outcome.
        window_days: Days after assignment in which an outcome counts.
        confidence: Coverage of the lift interval (Wald interval of a difference in rates)
            and of the timing model's interval.
        touches: Touch table as for `timing_credit_table` (journeys are accounts); needed
            with `timing`.
        timing: Settings of the timing model, to add its row per experiment as model
            `timing` (see `ml.attribution.timing_experiments`). None leaves it out.
        as_of: When the data were extracted, passed to the timing model.

    Returns:
        One row per experiment and model with `COMPARISON_COLUMNS`. Only the timing rows
        have `credited_difference_lower` and `credited_difference_upper`, from the model's
        coefficient draws (NaN with `interval_draws=0`). When the timing model cannot run,
        its rows are absent and a warning gives the reason.

    Raises:
        ConfigurationError: `timing` is given without `touches`.
    """
    if timing is not None and touches is None:
        raise ConfigurationError(
            "compare_experiments: timing is set but touches is None; pass marts.fct_touches "
            "as touches, or leave timing as None"
        )
    experiment_channels = experiment_channels or {}
    shares = credits.astype({"conversion_id": str}).groupby(["model", "conversion_id", "channel"])
    shares = shares["share"].sum().reset_index()
    rows = []
    measured: dict[str, dict[str, object]] = {}
    program_channels: dict[str, tuple[str, ...]] = {}
    weighted_outcomes = []
    for key, units in assignments.groupby("experiment_id", sort=True):
        experiment_id = str(key)
        units = units.drop_duplicates("journey_id").astype({"journey_id": str})
        outcomes = _outcomes(units, conversions, outcome_type, window_days)
        lift = estimate_experiment_lift(
            units, outcomes, unit_column="journey_id", confidence=confidence
        )
        channels = tuple(experiment_channels.get(experiment_id, COMMUNITY_CHANNELS))
        measured[experiment_id] = _measured_columns(
            experiment_id, str(units["experiment_name"].iloc[0]), channels, outcome_type, lift
        )
        program_channels[experiment_id] = channels
        credited = shares[shares["channel"].isin(channels)].merge(outcomes, on="conversion_id")
        by_arm = credited.groupby(["model", "group"])["share"].sum()
        scale = lift.n_treatment / lift.n_control
        for model in sorted(credits["model"].unique()):
            treated = float(by_arm.get((model, "treatment"), 0.0))
            control = float(by_arm.get((model, "control"), 0.0))
            rows.append(
                {
                    **measured[experiment_id],
                    "model": str(model),
                    "credited_treatment": treated,
                    "credited_control": control,
                    "credited_difference": treated - control * scale,
                    "credited_difference_lower": float("nan"),
                    "credited_difference_upper": float("nan"),
                }
            )
        # Each outcome's weight in credited_difference, so that the timing model's draws
        # of the weighted sum give the difference's interval.
        weight = outcomes["group"].astype(str).map({"treatment": 1.0, "control": -scale})
        weighted_outcomes.append(
            outcomes.assign(experiment_id=experiment_id, weight=weight.fillna(0.0))
        )
    if timing is not None and touches is not None and measured:
        outcomes = pd.concat(weighted_outcomes, ignore_index=True)[list(OUTCOME_COLUMNS)]
        credit, reason = timing_arm_credit(
            touches, conversions, outcomes, program_channels, timing, as_of, confidence
        )
        if reason is not None:
            warn_timing_absent("experiment comparison", dict.fromkeys(measured, reason))
        for row in credit.to_dict("records"):
            rows.append({**measured[row["experiment_id"]], "model": TIMING_MODEL, **row})
    if not rows:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in COMPARISON_COLUMNS})
    table = pd.DataFrame(rows)[COMPARISON_COLUMNS]
    return table.sort_values(["experiment_id", "model"], kind="mergesort").reset_index(drop=True)


def _measured_columns(
    experiment_id: str,
    program: str,
    channels: tuple[str, ...],
    outcome_type: str,
    lift: ExperimentLift,
) -> dict[str, object]:
    """Return the columns of `COMPARISON_COLUMNS` that describe the experiment and its lift."""
    return {
        "experiment_id": experiment_id,
        "program": program,
        "channels": ",".join(channels),
        "outcome_type": outcome_type,
        "n_treatment": lift.n_treatment,
        "n_control": lift.n_control,
        "treatment_rate": lift.treatment_rate,
        "control_rate": lift.control_rate,
        "lift": lift.lift,
        "lift_lower": lift.lower,
        "lift_upper": lift.upper,
        "measured_incremental": lift.incremental_conversions(),
        "measured_incremental_lower": lift.lower * lift.n_treatment,
        "measured_incremental_upper": lift.upper * lift.n_treatment,
    }
