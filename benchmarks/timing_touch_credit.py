"""Benchmark what splitting the timing model's credit over touches adds to its fit.

Run on a warehouse that a demo run has built (opened read-only):
`python -m benchmarks.timing_touch_credit --warehouse FILE`, or on a simulated world written
into a temporary folder: `python -m benchmarks.timing_touch_credit --members 200000`.

It times one `timing_credit_table` call with the default settings, which is what the
`attribution_timing_credit` asset ran before it wrote touch rows. It then fits once more
with `_fit_deals` and times the added step alone: `_touch_rows` (the median of `--repeats`
calls) and the write of its rows into an in-memory DuckDB table. The last printed line is
one JSON object of figures.
"""

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from benchmarks.attribution import load_simulated, run_simulator
from ml.attribution.timing import TimingConfig, _fit_deals, _timing_inputs, timing_credit_table
from ml.attribution.timing_touches import _touch_rows
from ml.io import replace_table


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Return the median wall time of `repeats` calls of `run`, in seconds."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def read_warehouse(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read `marts.fct_touches` and `marts.fct_conversions` from a warehouse file."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        touches = con.execute("select * from marts.fct_touches").df()
        conversions = con.execute("select * from marts.fct_conversions").df()
    conversions["revenue"] = conversions["revenue"].astype(float)
    return touches, conversions


def read_simulated(members: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a world and return its truth touches and deals as mart-shaped tables."""
    with tempfile.TemporaryDirectory() as folder:
        run_simulator(members, seed, folder)
        touches, conversions, _ = load_simulated(Path(folder))
    return touches, conversions


def measure(touches: pd.DataFrame, conversions: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """Time the channel fit and the touch split on one set of touches and conversions."""
    config = TimingConfig()
    began = time.perf_counter()
    timing_credit_table(touches, conversions, config)
    fit_seconds = time.perf_counter() - began

    inputs = _timing_inputs(touches, conversions, None)
    if inputs is None:
        raise ValueError("the timing model has nothing to credit on these tables")
    _, deals = _fit_deals(
        inputs.touches, inputs.events, inputs.credited, inputs.start, inputs.end, config
    )
    rows = _touch_rows(inputs.touches, inputs.credited, deals)
    split_seconds = median_seconds(
        lambda: _touch_rows(inputs.touches, inputs.credited, deals), repeats
    )
    with duckdb.connect(":memory:") as con:
        write_seconds = median_seconds(
            lambda: replace_table(con, "attribution", "timing_touch_credit", rows), repeats
        )
    return {
        "touches": len(touches),
        "credited_deals": len(deals.rows),
        "touch_rows": len(rows),
        "fit_seconds": round(fit_seconds, 3),
        "split_seconds": round(split_seconds, 3),
        "write_seconds": round(write_seconds, 3),
        "added_fraction": round((split_seconds + write_seconds) / fit_seconds, 4),
    }


def main() -> None:
    """Parse the arguments, run the measurement and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a demo warehouse file, read-only")
    parser.add_argument("--members", type=int, help="simulate a world of this many members")
    parser.add_argument("--seed", type=int, default=11, help="simulator seed (default 11)")
    parser.add_argument("--repeats", type=int, default=3, help="calls per median (default 3)")
    arguments = parser.parse_args()
    if (arguments.warehouse is None) == (arguments.members is None):
        parser.error("give exactly one of --warehouse and --members")

    if arguments.warehouse is not None:
        touches, conversions = read_warehouse(arguments.warehouse)
        source: dict[str, Any] = {"warehouse": str(arguments.warehouse)}
    else:
        touches, conversions = read_simulated(arguments.members, arguments.seed)
        source = {"members": arguments.members, "seed": arguments.seed}
    figures = {**source, **measure(touches, conversions, arguments.repeats)}
    print(json.dumps({"benchmark": "timing_touch_credit", **figures}))


if __name__ == "__main__":
    main()
