"""Command line: python -m simulator --members N --seed S --out DIR."""

import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from simulator.config import DEFAULT_END, DEFAULT_START, SimulationConfig
from simulator.run import simulate


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Write a seeded simulated community: DIR/landing (source files) and DIR/truth.",
    )
    parser.add_argument("--members", type=int, required=True, help="number of people to generate")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        help=f"first simulated day, YYYY-MM-DD (default {DEFAULT_START})",
    )
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=DEFAULT_END,
        help=f"last simulated day, YYYY-MM-DD (default {DEFAULT_END})",
    )
    parser.add_argument(
        "--truth-replicates",
        type=int,
        default=0,
        help="extra draws of the deal process, written to truth/channel_effect_replicates.csv "
        "to measure the truth's own noise (default 0: none)",
    )
    args = parser.parse_args(argv)
    if args.truth_replicates < 0:
        parser.error(f"--truth-replicates must be 0 or more, got {args.truth_replicates}")
    if args.members < 1:
        parser.error(f"--members must be at least 1, got {args.members}")
    if (args.end - args.start).days < 60:
        parser.error(f"--end must be at least 60 days after --start, got {args.start}..{args.end}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the simulator from command-line arguments and print a one-line summary."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = SimulationConfig(
        members=args.members,
        seed=args.seed,
        start=args.start,
        end=args.end,
        truth_replicates=args.truth_replicates,
    )
    began = time.perf_counter()
    summary = simulate(config, args.out)
    print(  # noqa: T201 - the command line reports its result on stdout
        f"wrote {summary.rows_written} rows for {summary.members} members, {summary.accounts} "
        f"accounts, {summary.touches} touches, {summary.deals} deals to {args.out} "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
