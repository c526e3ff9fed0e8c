"""Command line: build the dashboard pages, or publish the warehouse copy, outside Dagster.

Examples:
    python -m serving dashboards                 # data/warehouse.duckdb -> data/dashboards/
    python -m serving publish --to /srv/bi/warehouse.duckdb
    python -m serving where                      # print where the pages and the copy go
"""

import argparse
import logging
import sys
from pathlib import Path

import duckdb

from serving.dashboards import build_dashboards, describe_run
from serving.paths import dashboard_dir, published_path, warehouse_path
from serving.publish import publish_warehouse


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m serving", description=__doc__)
    parser.add_argument(
        "command",
        choices=["dashboards", "publish", "where"],
        help="dashboards: write the HTML pages; publish: copy the warehouse for BI tools; "
        "where: print the paths of both",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB warehouse file (default: CRM_DUCKDB_PATH or data/warehouse.duckdb)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the pages (default: CRM_DASHBOARD_DIR or dashboards/ beside the "
        "warehouse)",
    )
    parser.add_argument(
        "--to",
        type=Path,
        default=None,
        help="path of the published copy (default: CRM_PUBLISHED_PATH or "
        "published/<warehouse name> beside the warehouse)",
    )
    return parser.parse_args()


def main() -> int:
    """Run the command named on the command line and print where its output went.

    Returns:
        0 on success; 2 when the warehouse is missing, is locked by a writer, or is also
        the copy's target, after one error line on standard error.
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = _parse_args()
    try:
        return _run(args)
    except (FileNotFoundError, ValueError, duckdb.IOException) as error:
        logging.getLogger("serving").error("%s", error)
        return 2


def _run(args: argparse.Namespace) -> int:
    """Run one command with the parsed arguments."""
    warehouse = args.warehouse or warehouse_path()
    if args.command == "where":
        pages = args.out or dashboard_dir(warehouse)
        sys.stdout.write(
            f"Dashboards: {pages / 'executive.html'}, operator.html and analyst.html beside it.\n"
            f"Published copy for BI tools: {args.to or published_path(warehouse)}\n"
        )
        return 0
    if args.command == "publish":
        published = publish_warehouse(warehouse, args.to or published_path(warehouse))
        sys.stdout.write(f"Published copy for BI tools: {published.path}\n")
        return 0

    pages = build_dashboards(warehouse, args.out or dashboard_dir(warehouse), describe_run(None))
    for page in pages:
        sys.stdout.write(f"{page.page.title}: {page.path} ({page.rows_shown} rows)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
