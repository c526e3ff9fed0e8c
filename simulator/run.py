"""Run the simulator: chunk by chunk, write landing files and ground truth."""

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulator import (
    billing,
    community,
    consent,
    crm,
    experiment,
    feedback,
    lifecycle,
    marketing,
    offline,
    outcomes,
    programs,
    truth,
    windows,
)
from simulator.config import CHANNELS, SimulationConfig
from simulator.context import ChunkContext, RunCounters
from simulator.population import Chunk, generate_chunk
from simulator.sink import Sink
from simulator.touches import TouchTable, generate_touches

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    """Sizes of one run, as logged and stored in truth/manifest.json."""

    members: int
    accounts: int
    touches: int
    deals: int
    rows_written: int


@dataclass
class RunTotals:
    """Figures summed over chunks and written once at the end."""

    counters: RunCounters = field(default_factory=RunCounters)
    effects: truth.EffectTotals = field(default_factory=truth.EffectTotals)
    # One entry per extra draw of the deal process (`SimulationConfig.truth_replicates`).
    effect_replicates: list[truth.EffectTotals] = field(default_factory=list)
    window_samples: windows.WindowSamples = field(default_factory=windows.WindowSamples)
    experiment_totals: experiment.ExperimentTotals = field(
        default_factory=experiment.ExperimentTotals
    )


@dataclass
class SimulatedWorlds:
    """The generated world of a chunk and the counterfactual worlds derived from it."""

    world: outcomes.WorldOutcome
    untreated: outcomes.WorldOutcome
    design: experiment.ExperimentDesign


def _add_channel_effects(
    config: SimulationConfig,
    chunk: Chunk,
    draws: outcomes.ChunkDraws,
    log_odds: np.ndarray,
    effects: np.ndarray,
    into: truth.EffectTotals,
) -> outcomes.WorldOutcome:
    """Simulate a world and each world without one channel; add their counts to `into`."""
    world = outcomes.simulate_world(config, chunk, draws, log_odds)
    into.actual.add(world, config.days)
    for index, channel in enumerate(CHANNELS):
        counterfactual = outcomes.simulate_world(config, chunk, draws, log_odds - effects[:, index])
        into.without[channel].add(counterfactual, config.days)
    return world


def _simulate_worlds(
    config: SimulationConfig, chunk: Chunk, touches: TouchTable, totals: RunTotals
) -> SimulatedWorlds:
    """Simulate the world, one counterfactual per channel and one without the experiment."""
    exposure = outcomes.account_exposure(config, chunk, touches)
    draws = outcomes.draw_shared(config, chunk)
    base, effects = outcomes.creation_log_odds(config, chunk, exposure)
    design = experiment.assign_experiment(config, chunk, touches)
    treatment = experiment.treatment_log_odds(config, design)
    full = base + effects.sum(axis=1) + treatment

    world = _add_channel_effects(config, chunk, draws, full, effects, totals.effects)
    for replicate, into in enumerate(totals.effect_replicates, start=1):
        replicate_draws = outcomes.draw_shared(config, chunk, replicate)
        _add_channel_effects(config, chunk, replicate_draws, full, effects, into)
    untreated = outcomes.simulate_world(config, chunk, draws, full - treatment)
    truth.count_touches(totals.effects, touches.channel, touches.is_touch())
    windows.collect_windows(totals.window_samples, chunk, touches, world, config.days)
    return SimulatedWorlds(world, untreated, design)


def _write_chunk(ctx: ChunkContext, worlds: SimulatedWorlds, totals: RunTotals) -> None:
    """Write every landing file and truth table of one chunk."""
    design, world = worlds.design, worlds.world
    community.write_slack(ctx)
    community.write_discourse(ctx)
    community.write_github(ctx)
    marketing.write_attendance(ctx)
    marketing.write_web(ctx)
    marketing.write_signups(ctx)
    required = set(np.flatnonzero(design.eligible).tolist())
    crm_result = crm.write_hubspot(ctx, world, required)
    billing_result = billing.write_stripe(ctx, world, crm_result)
    experiment.write_assignments(ctx, design, crm_result.company_ids)
    offline_rows = offline.write_badge_scans(ctx) + offline.write_call_notes(ctx, crm_result)
    erasure = offline.write_erasure_requests(ctx)
    consent.write_consent_receipts(ctx)

    groups = {
        local: "treatment" if design.treated[local] else "control"
        for local in np.flatnonzero(design.eligible).tolist()
    }
    truth.write_chunk_truth(ctx, world, crm_result, billing_result, erasure, groups)
    experiment.record_experiment(
        ctx, design, world, worlds.untreated, crm_result.company_ids, totals.experiment_totals
    )
    ids_by_deal = {id(crm_deal.deal): crm_deal.deal_id for crm_deal in crm_result.deals}
    deal_ids = {position: ids_by_deal[id(deal)] for position, deal in enumerate(world.deals)}
    lifecycle.write_lifecycle(ctx.sink, ctx.config, ctx.chunk, ctx.touches, world, deal_ids)
    offline.write_offline_truth(ctx, offline_rows)
    feedback.write_feedback(ctx, crm_result)
    ctx.flush()


def _simulate_chunk(
    config: SimulationConfig,
    chunk_index: int,
    first_person: int,
    first_account: int,
    sink: Sink,
    totals: RunTotals,
) -> tuple[int, int]:
    """Generate and write one chunk; return (people, accounts) it contained."""
    members = min(config.chunk_members, config.members - first_person)
    chunk = generate_chunk(config, chunk_index, first_person, members, first_account)
    touches = generate_touches(config, chunk)
    worlds = _simulate_worlds(config, chunk, touches, totals)

    rng = np.random.default_rng([config.seed, chunk_index, 5])
    ctx = ChunkContext(config, chunk, touches, sink, totals.counters, rng)
    _write_chunk(ctx, worlds, totals)
    logger.info(
        "chunk %d: %d people, %d accounts, %d touches, %d deals",
        chunk_index,
        len(chunk.people),
        len(chunk.accounts),
        int(touches.is_touch().sum()),
        len(worlds.world.deals),
    )
    return len(chunk.people), len(chunk.accounts)


def simulate(config: SimulationConfig, out_dir: Path) -> RunSummary:
    """Write DIR/landing and DIR/truth for one configuration, replacing earlier output there.

    Args:
        config: run settings; the output depends only on them.
        out_dir: output folder. Its `landing` and `truth` subfolders are deleted first.

    Returns:
        Sizes of the run.
    """
    for sub in ("landing", "truth"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    sink = Sink(out_dir)
    totals = RunTotals(
        effect_replicates=[truth.EffectTotals() for _ in range(config.truth_replicates)]
    )
    people = accounts = chunk_index = 0
    while people < config.members:
        added_people, added_accounts = _simulate_chunk(
            config, chunk_index, people, accounts, sink, totals
        )
        people += added_people
        accounts += added_accounts
        chunk_index += 1

    community.finish_slack(sink, config.start, config.seed)
    programs.write_program_costs(sink, config)
    truth.write_channel_effects(sink, totals.effects)
    if totals.effect_replicates:
        truth.write_channel_effect_replicates(sink, [totals.effects, *totals.effect_replicates])
    windows.write_windows(sink, totals.window_samples)
    experiment.write_experiment_truth(sink, config, totals.experiment_totals)
    sink.close()
    summary = RunSummary(
        members=people,
        accounts=accounts,
        touches=sum(totals.effects.touches.values()),
        deals=totals.counters.deals,
        rows_written=sink.rows_written,
    )
    manifest = {
        "members": config.members,
        "seed": config.seed,
        "start": config.start.isoformat(),
        "end": config.end.isoformat(),
        "accounts": summary.accounts,
        "touches": summary.touches,
        "deals": summary.deals,
    }
    (out_dir / "truth" / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return summary
