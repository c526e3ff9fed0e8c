"""Run the simulator: chunk by chunk, write landing files and ground truth."""

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator import billing, community, crm, marketing, outcomes, truth
from simulator.config import CHANNELS, CHUNK_MEMBERS, SimulationConfig
from simulator.context import ChunkContext, RunCounters
from simulator.population import generate_chunk
from simulator.sink import Sink
from simulator.touches import generate_touches

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    """Sizes of one run, as logged and stored in truth/manifest.json."""

    members: int
    accounts: int
    touches: int
    deals: int
    rows_written: int


def _simulate_chunk(
    config: SimulationConfig,
    chunk_index: int,
    first_person: int,
    first_account: int,
    sink: Sink,
    counters: RunCounters,
    totals: truth.EffectTotals,
) -> tuple[int, int]:
    """Generate and write one chunk; return (people, accounts) it contained."""
    members = min(CHUNK_MEMBERS, config.members - first_person)
    chunk = generate_chunk(config, chunk_index, first_person, members, first_account)
    touches = generate_touches(config, chunk)

    exposure = outcomes.account_exposure(config, chunk, touches)
    draws = outcomes.draw_shared(config, chunk)
    base, effects = outcomes.creation_log_odds(config, chunk, exposure)
    full = base + effects.sum(axis=1)
    world = outcomes.simulate_world(config, chunk, draws, full)
    totals.actual.add(world, config.days)
    for index, channel in enumerate(CHANNELS):
        counterfactual = outcomes.simulate_world(config, chunk, draws, full - effects[:, index])
        totals.without[channel].add(counterfactual, config.days)
    truth.count_touches(totals, touches.channel, touches.is_touch())

    rng = np.random.default_rng([config.seed, chunk_index, 5])
    ctx = ChunkContext(config, chunk, touches, sink, counters, rng)
    community.write_slack(ctx)
    community.write_discourse(ctx)
    community.write_github(ctx)
    marketing.write_attendance(ctx)
    marketing.write_web(ctx)
    marketing.write_signups(ctx)
    crm_result = crm.write_hubspot(ctx, world)
    billing_result = billing.write_stripe(ctx, world, crm_result)
    truth.write_chunk_truth(ctx, world, crm_result, billing_result)
    ctx.flush()
    logger.info(
        "chunk %d: %d people, %d accounts, %d touches, %d deals",
        chunk_index,
        len(chunk.people),
        len(chunk.accounts),
        int(touches.is_touch().sum()),
        len(world.deals),
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
    counters = RunCounters()
    totals = truth.EffectTotals()
    people = accounts = chunk_index = 0
    while people < config.members:
        added_people, added_accounts = _simulate_chunk(
            config, chunk_index, people, accounts, sink, counters, totals
        )
        people += added_people
        accounts += added_accounts
        chunk_index += 1

    community.finish_slack(sink, config.start, config.seed)
    truth.write_channel_effects(sink, totals)
    sink.close()
    summary = RunSummary(
        members=people,
        accounts=accounts,
        touches=sum(totals.touches.values()),
        deals=counters.deals,
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
