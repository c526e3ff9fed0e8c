"""Benchmark the timing model's bootstrap intervals: their cost and how often they cover the truth.

Run on a simulated world written into a temporary folder:
`python -m benchmarks.timing_bootstrap --members 5000 --samples 100`, or, for the cost
alone, on a warehouse that a demo run has built (opened read-only):
`python -m benchmarks.timing_bootstrap --warehouse FILE`.

It fits the timing model once with the default settings (selected decays, 200 coefficient
draws), as the `attribution_timing_credit` asset does, then runs `bootstrap_timing_intervals`
with `--samples` resamples of accounts. On a simulated world it also counts the channels
whose true share (`truth/channel_effects.csv`) lies inside each kind of 95% interval: the
coefficient-draw interval, which keeps the picked decays fixed, and the bootstrap interval,
which picks them again on every resample. The last printed line is one JSON object of
figures.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.attribution import load_simulated, run_simulator
from benchmarks.timing_touch_credit import read_warehouse
from ml.attribution.timing_bootstrap import TimingBootstrapConfig, bootstrap_timing_intervals
from ml.attribution.timing_touches import timing_credit_tables


def coverage(lower: pd.Series, upper: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Return the share of channels whose true share lies inside, and the mean width."""
    truth = truth.reindex(lower.index).fillna(0.0)
    inside = (lower <= truth) & (truth <= upper)
    return {
        "coverage": round(float(inside.mean()), 3),
        "width": round(float((upper - lower).mean()), 4),
    }


def measure(
    touches: pd.DataFrame, conversions: pd.DataFrame, samples: int, truth: pd.Series | None
) -> dict[str, Any]:
    """Fit once, bootstrap, and compare both kinds of interval with the truth when given."""
    began = time.perf_counter()
    channels, _ = timing_credit_tables(touches, conversions)
    fit_seconds = time.perf_counter() - began
    began = time.perf_counter()
    intervals = bootstrap_timing_intervals(
        touches, conversions, bootstrap=TimingBootstrapConfig(samples=samples)
    )
    bootstrap_seconds = time.perf_counter() - began

    figures: dict[str, Any] = {
        "touches": len(touches),
        "channels": len(channels),
        "credited_deals": int(channels["credited_deals"].max()),
        "fit_seconds": round(fit_seconds, 2),
        "bootstrap_seconds": round(bootstrap_seconds, 1),
        "seconds_per_resample": round(bootstrap_seconds / samples, 3),
        "resamples_fitted": int(intervals["resamples"].max()),
    }
    if truth is None:
        return figures

    table = channels.merge(intervals, on="channel", suffixes=("", "_boot")).set_index("channel")
    draws = coverage(table["share_lower"], table["share_upper"], truth)
    boot = coverage(table["share_lower_boot"], table["share_upper_boot"], truth)

    printed = pd.DataFrame(
        {
            "true share": truth.reindex(table.index),
            "share": table["share"],
            "draw interval": table["share_lower"].round(3).astype(str)
            + " to "
            + table["share_upper"].round(3).astype(str),
            "bootstrap interval": table["share_lower_boot"].round(3).astype(str)
            + " to "
            + table["share_upper_boot"].round(3).astype(str),
            "decay": table["decay"],
        }
    )
    print(printed.round(3).to_string())
    return {
        **figures,
        "draw_interval_coverage": draws["coverage"],
        "draw_interval_mean_width": draws["width"],
        "bootstrap_interval_coverage": boot["coverage"],
        "bootstrap_interval_mean_width": boot["width"],
    }


def main() -> None:
    """Parse the arguments, run the measurement and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a demo warehouse file, read-only")
    parser.add_argument("--members", type=int, help="simulate a world of this many members")
    parser.add_argument("--seed", type=int, default=11, help="simulator seed (default 11)")
    parser.add_argument("--samples", type=int, default=100, help="resamples (default 100)")
    arguments = parser.parse_args()
    if (arguments.warehouse is None) == (arguments.members is None):
        parser.error("give exactly one of --warehouse and --members")

    if arguments.warehouse is not None:
        touches, conversions = read_warehouse(arguments.warehouse)
        truth = None
        source: dict[str, Any] = {"warehouse": str(arguments.warehouse)}
    else:
        with tempfile.TemporaryDirectory() as folder:
            run_simulator(arguments.members, arguments.seed, folder)
            touches, conversions, truth = load_simulated(Path(folder))
        source = {"members": arguments.members, "seed": arguments.seed}
    figures = {**source, "samples": arguments.samples}
    figures.update(measure(touches, conversions, arguments.samples, truth))
    print(json.dumps({"benchmark": "timing_bootstrap", **figures}))


if __name__ == "__main__":
    main()
