"""Command line: attribute a journey file in the aggregated path format.

Example:
    python -m ml.attribution paths.csv --sep ';' --models linear markov --out credits.csv
"""

import argparse
import logging
import sys
from collections.abc import Sequence

from ml.attribution.aggregated import PATH_MODELS, attribute_paths, channel_table
from ml.attribution.config import AttributionConfig
from ml.attribution.paths import read_path_file
from ml.errors import CommunityRevenueError


def require_non_empty(text: str) -> str:
    """Return `text`, rejecting an empty separator, which pandas and `str.split` cannot use."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m ml.attribution",
        description=(
            "Attribute conversions of aggregated journeys and print conversions credited per "
            "channel. Required columns: path, total_conversions. Optional: "
            "total_conversion_value (0 when absent, so every credited value is 0) and "
            "total_null, the non-converting journeys (0 when absent). markov, shapley and "
            "counterfactual compare converting with non-converting journeys, so give them "
            "total_null. The rule-based models ignore it."
        ),
    )
    parser.add_argument("paths_file", help="CSV file of aggregated paths")
    parser.add_argument(
        "--sep",
        type=require_non_empty,
        default=",",
        help="column separator of the CSV (default ',')",
    )
    parser.add_argument(
        "--path-sep",
        type=require_non_empty,
        default=">",
        help="separator between channels in `path` (default '>')",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=list(PATH_MODELS),
        choices=PATH_MODELS,
        help="models to run (default: all that work without time stamps)",
    )
    parser.add_argument("--markov-order", type=int, default=1, help="Markov order, 1 to 3")
    parser.add_argument("--seed", type=int, default=0, help="seed of Shapley sampling and fits")
    parser.add_argument("--out", help="write one row per model, path and channel to this CSV")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = parse_arguments(argv)
    try:
        config = AttributionConfig(
            models=tuple(arguments.models), markov_order=arguments.markov_order, seed=arguments.seed
        )
        paths = read_path_file(arguments.paths_file, arguments.sep, arguments.path_sep)
        credits = attribute_paths(paths, config)
    except CommunityRevenueError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    table = channel_table(credits)
    sys.stdout.write(table.round(2).to_string() + "\n")
    if arguments.out:
        try:
            credits.to_csv(arguments.out, index=False)
        except OSError as error:
            sys.stderr.write(f"error: cannot write {arguments.out}: {error}\n")
            return 2
        sys.stdout.write(f"wrote {len(credits)} rows to {arguments.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
