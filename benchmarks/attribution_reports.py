"""Benchmark the cost of the timing model in the identity-threshold and consent reports.

Run: `python -m benchmarks.attribution_reports --warehouse FILE`, on a warehouse that a demo
run has built (for example `make demo`, or the demo job on a simulated landing folder). The
file is opened read-only. Each figure is the median wall time of `--repeats` runs of:
- `threshold_sensitivity` on every identity threshold, without and with the timing model
  (`REPORT_TIMING_CONFIG`, no credit intervals);
- `consent_shift_levels` with every attribution model, without and with the timing model;
- `timing_credit_table` on the warehouse's touches, with no credit intervals and with the
  default 200 coefficient draws, to show what skipping the draws saves per timing run.
The last printed line is one JSON object of figures.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ml.attribution import AttributionConfig
from ml.attribution.levels import consent_shift_levels
from ml.attribution.sensitivity import (
    threshold_sensitivity,
    touch_records_from_activities,
    with_main_clustering,
)
from ml.attribution.timing import TimingConfig, timing_credit_table
from ml.attribution.timing_reports import REPORT_TIMING_CONFIG
from ml.identity.config import IdentityConfig

TABLES = {
    "touches": "marts.fct_touches",
    "conversions": "marts.fct_conversions",
    "people": "marts.fct_conversion_people",
    "activities": "intermediate.int_identity__activities_resolved",
    "records": "intermediate.int_identity__person_records_unioned",
    "person_clusters": "identity.person_clusters",
    "threshold_clusters": "identity.threshold_clusters",
}


def read_inputs(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Read the tables both reports use from a warehouse file, read-only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = {name: con.execute(f"select * from {sql}").df() for name, sql in TABLES.items()}
    frames["conversions"]["revenue"] = frames["conversions"]["revenue"].astype(float)
    return frames


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Return the median wall time of `repeats` calls of `run`, in seconds."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 2)


def measure(frames: dict[str, pd.DataFrame], repeats: int) -> dict[str, Any]:
    """Time each report without and with the timing model, and one timing run with draws."""
    settings = AttributionConfig(lookback_days=365)
    as_of = pd.Timestamp.now(tz="UTC")
    clusters = with_main_clustering(
        frames["threshold_clusters"], frames["person_clusters"], IdentityConfig().match_threshold
    )
    records = touch_records_from_activities(frames["activities"])
    touches, conversions = frames["touches"], frames["conversions"]

    def sensitivity(timing: TimingConfig | None) -> Callable[[], object]:
        return lambda: threshold_sensitivity(
            records, clusters, frames["records"], conversions, settings, touches, timing=timing,
            as_of=as_of,
        )  # fmt: skip

    def consent(timing: TimingConfig | None) -> Callable[[], object]:
        return lambda: consent_shift_levels(
            touches, conversions, frames["people"], settings, timing=timing, as_of=as_of
        )

    def timing(config: TimingConfig) -> Callable[[], object]:
        return lambda: timing_credit_table(touches, conversions, config, as_of=as_of)

    return {
        "thresholds": int(clusters["threshold"].nunique()),
        "touches": len(touches),
        "conversions": len(conversions),
        "sensitivity_without_timing_s": median_seconds(sensitivity(None), repeats),
        "sensitivity_with_timing_s": median_seconds(sensitivity(REPORT_TIMING_CONFIG), repeats),
        "consent_without_timing_s": median_seconds(consent(None), repeats),
        "consent_with_timing_s": median_seconds(consent(REPORT_TIMING_CONFIG), repeats),
        "timing_no_draws_s": median_seconds(timing(REPORT_TIMING_CONFIG), repeats),
        "timing_200_draws_s": median_seconds(timing(TimingConfig()), repeats),
    }


def main() -> None:
    """Measure the reports on one warehouse and print the figures, then a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB file of a demo run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (default 3)")
    args = parser.parse_args()
    figures = measure(read_inputs(args.warehouse), args.repeats)
    for name, value in figures.items():
        print(f"{name}: {value}", flush=True)
    print(json.dumps({"benchmark": "attribution_reports", "repeats": args.repeats, **figures}))


if __name__ == "__main__":
    main()
