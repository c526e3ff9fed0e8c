"""A randomized experiment: facilitated community threads for a random half of accounts.

Eligible accounts have at least one Slack or Discourse member who joined before the
experiment starts. Each is assigned to treatment or control with equal probability. During the
experiment window, treatment adds EXPERIMENT_EFFECT to the account's weekly log-odds of opening
a new-business opportunity. The outcome is whether the account opens one inside the window.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator.config import SimulationConfig
from simulator.context import ChunkContext
from simulator.outcomes import WorldOutcome
from simulator.population import Chunk
from simulator.sink import Sink
from simulator.touches import TouchTable

EXPERIMENT_ID = "EXP001"
EXPERIMENT_NAME = "Facilitated community threads"
EXPERIMENT_EFFECT = 0.9
TREATMENT_SHARE = 0.5
# The window starts a quarter into the simulated period and lasts half a year (or to the end).
START_SHARE = 0.25
LENGTH_DAYS = 182
ASSIGNMENT_HEADER = (
    "experiment_id", "experiment_name", "unit_type", "unit_id", "group", "assigned_at",
)  # fmt: skip


@dataclass(frozen=True)
class ExperimentDesign:
    """Window and assignment of one chunk's accounts."""

    start_day: int
    end_day: int
    eligible: np.ndarray
    treated: np.ndarray


def experiment_window(config: SimulationConfig) -> tuple[int, int]:
    """Return (first day, day after the last) of the experiment, as days since the start."""
    start = int(config.days * START_SHARE)
    return start, min(start + LENGTH_DAYS, config.days)


def assign_experiment(
    config: SimulationConfig, chunk: Chunk, touches: TouchTable
) -> ExperimentDesign:
    """Pick eligible accounts and draw their arm from the chunk's experiment stream."""
    start_day, end_day = experiment_window(config)
    eligible = np.zeros(len(chunk.accounts), dtype=bool)
    community = touches.presence["slack"] | touches.presence["discourse"]
    first_account = chunk.accounts[0].index if chunk.accounts else 0
    for index, person in enumerate(chunk.people):
        if person.account is not None and community[index] and person.joined_day <= start_day:
            eligible[person.account.index - first_account] = True
    rng = np.random.default_rng([config.seed, chunk.index, 6])
    treated = eligible & (rng.random(len(chunk.accounts)) < TREATMENT_SHARE)
    return ExperimentDesign(start_day, end_day, eligible, treated)


def treatment_log_odds(config: SimulationConfig, design: ExperimentDesign) -> np.ndarray:
    """Return the treatment's addition to the weekly log-odds, per (account, week)."""
    week_start = 7 * np.arange(config.weeks)
    in_window = (week_start >= design.start_day) & (week_start < design.end_day)
    return EXPERIMENT_EFFECT * np.outer(design.treated, in_window)


def write_assignments(
    ctx: ChunkContext, design: ExperimentDesign, company_ids: dict[int, str]
) -> None:
    """Write one assignment row per eligible account, keyed by its HubSpot company id."""
    assigned_at = dt.datetime.combine(
        ctx.config.start + dt.timedelta(days=design.start_day), dt.time(9, 0)
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for local in np.flatnonzero(design.eligible).tolist():
        group = "treatment" if design.treated[local] else "control"
        rows.append(
            (
                EXPERIMENT_ID,
                EXPERIMENT_NAME,
                "hubspot_company",
                company_ids[local],
                group,
                assigned_at,
            )
        )
    ctx.sink.write_csv("landing/experiments/assignments.csv", ASSIGNMENT_HEADER, rows)


UNIT_HEADER = (
    "experiment_id", "account_id", "hubspot_company_id", "group", "opened_opportunity",
    "opened_opportunity_without_treatment",
)  # fmt: skip
EXPERIMENT_HEADER = (
    "experiment_id", "experiment_name", "unit_type", "start_date", "end_date",
    "planted_log_odds_effect", "treatment_units", "control_units", "treatment_converted",
    "control_converted", "treatment_converted_without_treatment", "true_incremental_conversions",
    "true_lift",
)  # fmt: skip


@dataclass
class ExperimentTotals:
    """Arm sizes and outcomes summed over chunks."""

    treatment_units: int = 0
    control_units: int = 0
    treatment_converted: int = 0
    control_converted: int = 0
    treatment_converted_without: int = 0


def opened_in_window(world: WorldOutcome, design: ExperimentDesign, accounts: int) -> np.ndarray:
    """Return, per account, whether it opened a new-business opportunity in the window."""
    opened = np.zeros(accounts, dtype=bool)
    for deal in world.deals:
        in_window = design.start_day <= deal.created_day < design.end_day
        if deal.deal_type == "newbusiness" and in_window:
            opened[deal.account] = True
    return opened


def record_experiment(
    ctx: ChunkContext,
    design: ExperimentDesign,
    world: WorldOutcome,
    untreated: WorldOutcome,
    company_ids: dict[int, str],
    totals: ExperimentTotals,
) -> None:
    """Write the chunk's unit-level truth and add its outcomes to the totals."""
    accounts = len(ctx.chunk.accounts)
    opened = opened_in_window(world, design, accounts)
    opened_without = opened_in_window(untreated, design, accounts)
    treated, control = design.treated, design.eligible & ~design.treated
    totals.treatment_units += int(treated.sum())
    totals.control_units += int(control.sum())
    totals.treatment_converted += int((opened & treated).sum())
    totals.control_converted += int((opened & control).sum())
    totals.treatment_converted_without += int((opened_without & treated).sum())
    rows = []
    for local in np.flatnonzero(design.eligible).tolist():
        rows.append(
            (
                EXPERIMENT_ID,
                ctx.chunk.accounts[local].account_id,
                company_ids[local],
                "treatment" if treated[local] else "control",
                "true" if opened[local] else "false",
                "true" if opened_without[local] else "false",
            )
        )
    ctx.sink.write_csv("truth/experiment_units.csv", UNIT_HEADER, rows)


def write_experiment_truth(sink: Sink, config: SimulationConfig, totals: ExperimentTotals) -> None:
    """Write the experiment's planted effect and its true effect on the treated accounts.

    `true_incremental_conversions` is treated accounts that opened an opportunity minus those
    that would have without treatment (same draws); `true_lift` divides it by treated units.
    """
    start_day, end_day = experiment_window(config)
    incremental = totals.treatment_converted - totals.treatment_converted_without
    lift = incremental / totals.treatment_units if totals.treatment_units else 0.0
    row = (
        EXPERIMENT_ID,
        EXPERIMENT_NAME,
        "hubspot_company",
        (config.start + dt.timedelta(days=start_day)).isoformat(),
        (config.start + dt.timedelta(days=end_day - 1)).isoformat(),
        EXPERIMENT_EFFECT,
        totals.treatment_units,
        totals.control_units,
        totals.treatment_converted,
        totals.control_converted,
        totals.treatment_converted_without,
        incremental,
        round(lift, 6),
    )
    sink.write_csv("truth/experiments.csv", EXPERIMENT_HEADER, [row])
