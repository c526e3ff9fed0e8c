"""Benchmark building the dashboard pages and publishing the warehouse copy.

Run: `python -m benchmarks.serving [--warehouse FILE] [--repeats N]` on a built warehouse
(default `data/warehouse.duckdb`, as `make demo` leaves it). The warehouse is only read; pages
and copies go to a temporary folder. Prints each repeat's timings, then one JSON object with
the median seconds of each step, the sizes of the warehouse, the copy and each page, and the
process's peak resident memory.
"""

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from serving import build_dashboards, describe_run, publish_warehouse
from serving.paths import DEFAULT_WAREHOUSE


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each step")
    return parser.parse_args()


def main() -> None:
    """Time page building and publishing on one warehouse and print the results."""
    args = _parse_args()
    build_seconds: list[float] = []
    publish_seconds: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for repeat in range(args.repeats):
            start = time.perf_counter()
            pages = build_dashboards(args.warehouse, work / "pages", describe_run(None))
            build_seconds.append(time.perf_counter() - start)

            start = time.perf_counter()
            published = publish_warehouse(args.warehouse, work / "published" / "warehouse.duckdb")
            publish_seconds.append(time.perf_counter() - start)
            print(
                f"repeat {repeat + 1}: pages {build_seconds[-1]:.2f} s, "
                f"publish {publish_seconds[-1]:.2f} s"
            )
        page_bytes = {page.path.name: page.path.stat().st_size for page in pages}
        page_rows = {page.path.name: page.rows_shown for page in pages}

    print(
        json.dumps(
            {
                "warehouse": str(args.warehouse),
                "warehouse_bytes": args.warehouse.stat().st_size,
                "published_bytes": published.size_bytes,
                "repeats": args.repeats,
                "build_pages_median_s": round(statistics.median(build_seconds), 3),
                "publish_median_s": round(statistics.median(publish_seconds), 3),
                "page_bytes": page_bytes,
                "page_rows": page_rows,
                # ru_maxrss is in kilobytes on Linux.
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
