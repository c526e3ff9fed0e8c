"""Benchmark the timing attribution model on the simulator's planted channel effects.

Run: `python -m benchmarks.attribution_timing`. For each world size in
`ATTRIBUTION_TIMING_MEMBERS` (default 5,000 and 200,000 members) and each seed (11, on
which the defaults of `TimingConfig` were chosen, and 12, a check) the simulator writes a
world into a temporary folder. The model then credits the won new-business deals from the
truth touches and deals (so identity resolution is perfect), three ways:
- `planted`: each channel's decay and saturation as the simulator planted them, so only
  the coefficients are estimated;
- `selected`: the defaults, each channel's decay picked from a grid by likelihood;
- `fixed`: every channel at decay 0.7 and saturation 1.0.

Each is scored against `truth/channel_effects.csv` (incremental won new-business deals)
with the same NMAE, Spearman and top-3 agreement as `benchmarks.attribution`, and by the
share of channels whose true share lies inside the model's 95% share interval. The
journey-level counterfactual and linear models are scored on the same worlds beside it.

The true incremental deals are themselves one random draw. The simulator draws the deal
process `TRUTH_REPLICATES` more times on the same touches, and each model is also scored
against the shares of the mean over all draws (`*_expected`). `truth_noise_nmae` is how far
one draw's shares stray from the other draws' mean: about what a model that knew the
expected effects exactly would score against the drawn truth. `nmae_oracle_credit*` score
the credit formula fed the simulator's own weekly chances (`benchmarks.timing_oracle`): the
formula's own error, apart from anything estimated.
The last printed line is one JSON object of figures.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.attribution import load_simulated, run_simulator
from benchmarks.timing_oracle import oracle_credit
from ml.attribution import AttributionConfig, attribute, summarize_channels
from ml.attribution.evaluate import compare_models, nmae, spearman, top_k_agreement, truth_noise
from ml.attribution.timing import TimingConfig, timing_attribution
from simulator.config import DEFAULT_END, DEFAULT_START, MECHANICS

MEMBERS = [
    int(size) for size in os.environ.get("ATTRIBUTION_TIMING_MEMBERS", "5000,200000").split(",")
]
SEEDS = (11, 12)
TRUTH_REPLICATES = 8
PLANTED_SHAPES = {
    channel: (mechanics.weekly_decay, mechanics.saturation)
    for channel, mechanics in MECHANICS.items()
}
# The journey-level headline model and one path model, scored on the same worlds.
JOURNEY_MODELS = ("counterfactual", "linear")
VARIANTS = {
    "planted": TimingConfig(select_shapes=False, channel_shapes=PLANTED_SHAPES),
    "selected": TimingConfig(),
    "fixed": TimingConfig(select_shapes=False),
}


def new_business_events(truth_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return every new-business opportunity and the won ones, timed at creation.

    `closed_at` lets the net credit ignore later deals that would close after the window.
    """
    deals = pd.read_csv(truth_dir / "deals.csv", dtype={"deal_id": str})
    deals = deals[deals["deal_type"] == "newbusiness"]
    events = pd.DataFrame(
        {
            "journey_id": deals["account_id"],
            "event_at": pd.to_datetime(deals["created_at"], utc=True),
            "value": deals["amount"].astype(float),
            "closed_at": pd.to_datetime(deals["closed_at"], utc=True),
        }
    )
    won = deals["is_won"].astype(str).str.lower() == "true"
    return events, events[won.to_numpy()]


def expected_truth(truth_dir: Path) -> tuple[pd.Series, float]:
    """Return the shares of the mean incremental won deals over all draws, and the noise."""
    draws = pd.read_csv(truth_dir / "channel_effect_replicates.csv")
    table = draws.pivot(index="channel", columns="replicate", values="incremental_conversions")
    return truth_noise(table)


def score_journey_models(
    touches: pd.DataFrame, conversions: pd.DataFrame, truth: pd.Series, expected: pd.Series
) -> dict[str, float]:
    """Score the journey-level headline and a path model on the same world, for comparison."""
    config = AttributionConfig(models=JOURNEY_MODELS)
    started = time.perf_counter()
    credits = attribute(touches, conversions, config)
    summary = summarize_channels(credits)
    won = summary[summary["conversion_type"] == "closed_won"]
    scores = compare_models(won, truth)
    print(f"journey models ({time.perf_counter() - started:.0f} s):")
    print(scores.round(4).to_string(index=False))
    figures = {f"nmae_journey_{row.model}": float(row.nmae) for row in scores.itertuples()}
    for row in compare_models(won, expected).itertuples():
        figures[f"nmae_journey_{row.model}_expected"] = float(row.nmae)
    return figures


def score_world(members: int, seed: int) -> dict[str, Any]:
    """Simulate one world and score the three variants of the timing model on it."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run_simulator(members, seed, folder, TRUTH_REPLICATES)
        simulate_seconds = time.perf_counter() - started
        touches, conversions, truth = load_simulated(Path(folder))
        events, won = new_business_events(Path(folder) / "truth")
        expected, noise = expected_truth(Path(folder) / "truth")
    start = pd.Timestamp(DEFAULT_START, tz="UTC")
    end = pd.Timestamp(DEFAULT_END, tz="UTC") + pd.Timedelta(days=1)
    figures: dict[str, Any] = {
        "members": members,
        "touches": len(touches),
        "opportunities": len(events),
        "won_deals": len(won),
        "simulate_seconds": round(simulate_seconds, 1),
        "truth_noise_nmae": noise,
        "nmae_drawn_truth_vs_expected": nmae(truth, expected),
    }
    print(f"\n{members} members, seed {seed}: {len(touches)} touches, {len(events)} opportunities")
    print(f"truth noise NMAE {noise:.4f} over {TRUTH_REPLICATES + 1} draws of the deal process")
    oracle = oracle_credit(members, seed)
    oracle_shares = oracle / oracle.sum()
    figures["nmae_oracle_credit"] = nmae(oracle_shares, truth)
    figures["nmae_oracle_credit_expected"] = nmae(oracle_shares, expected)
    print(
        f"credit formula with the simulator's chances: NMAE {figures['nmae_oracle_credit']:.4f} "
        f"(against the expected shares {figures['nmae_oracle_credit_expected']:.4f})"
    )
    figures.update(score_journey_models(touches, conversions, truth, expected))
    for name, config in VARIANTS.items():
        started = time.perf_counter()
        result = timing_attribution(touches, events, won, start, end, config)
        seconds = time.perf_counter() - started
        shares = result.shares()
        key = name
        figures[f"nmae_{key}"] = nmae(shares, truth)
        figures[f"nmae_{key}_expected"] = nmae(shares, expected)
        figures[f"spearman_{key}"] = spearman(shares, truth)
        figures[f"top3_{key}"] = top_k_agreement(shares, truth)
        figures[f"seconds_{key}"] = round(seconds, 1)
        intervals = pd.DataFrame(result.share_intervals, index=["lower", "upper"]).T
        intervals = intervals.reindex(truth.index)
        inside = (intervals["lower"] <= truth) & (truth <= intervals["upper"])
        figures[f"share_interval_coverage_{key}"] = float(inside.mean())
        figures[f"log_likelihood_{key}"] = round(result.log_likelihood, 2)
        table = pd.DataFrame(
            {
                "true share": truth,
                "expected share": expected,
                "share": shares,
                "share 95% interval": pd.Series(
                    {
                        c: f"{low:.3f} to {high:.3f}"
                        for c, (low, high) in result.share_intervals.items()
                    }
                ),
                "coefficient": pd.Series(result.coefficients),
                "std error": pd.Series(result.standard_errors),
                "planted": pd.Series({c: m.effect for c, m in MECHANICS.items()}),
                "shape": pd.Series(result.shapes),
            }
        )
        print(
            f"\n{name} shapes: NMAE {figures[f'nmae_{key}']:.4f} (against the expected "
            f"shares {figures[f'nmae_{key}_expected']:.4f}), log-likelihood "
            f"{result.log_likelihood:.2f}, {seconds:.0f} s"
        )
        print(table.round(3).to_string())
    return figures


def main() -> None:
    """Score every world size and print the figures, the last line as JSON."""
    figures = {
        f"members_{members}_seed_{seed}": score_world(members, seed)
        for seed in SEEDS
        for members in MEMBERS
    }
    print(json.dumps(figures, default=float))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python -m benchmarks.attribution_timing (sizes via env, see docstring)")
    main()
