"""Run the ChannelAttribution package on an aggregated path file and print JSON results.

This script runs in a separate virtual environment that has the GPL-licensed
`channelattribution` package; `benchmarks.attribution` starts it in a subprocess. It is never
imported by the project. Usage: `REFERENCE_PYTHON benchmarks/channelattribution_reference.py
PATHS.csv SEP NSIM`.
"""

import json
import sys
import time

import ChannelAttribution as ca
import pandas as pd


def main() -> None:
    """Print heuristic and first-order Markov results with timings as one JSON object."""
    paths_file, sep, nsim = sys.argv[1], sys.argv[2], float(sys.argv[3])
    data = pd.read_csv(paths_file, sep=sep)
    heuristic = ca.heuristic_models(
        data, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
    )
    results = {"heuristics": heuristic.to_dict(orient="list")}
    for label, simulations in (("markov_default", 1e5), ("markov_precise", nsim)):
        start = time.perf_counter()
        markov = ca.markov_model(
            data,
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            order=1,
            nsim_start=simulations,
            out_more=True,
            verbose=False,
            flg_pro=False,
        )
        results[label] = {
            "seconds": time.perf_counter() - start,
            "nsim_start": simulations,
            "result": markov["result"].to_dict(orient="list"),
            "removal_effects": markov["removal_effects"].to_dict(orient="list"),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
