"""Load throughput of the raw loaders on large generated landing files.

Run: `python -m benchmarks.loaders [--csv-rows N] [--json-rows N] [--seed S]`. Generates a web
sessions CSV, a Slack export and GitHub JSON Lines in a temporary folder, loads each into a
fresh DuckDB file in its own process and prints rows per second and peak resident memory.
The last printed line is one JSON object with all figures.
"""

import argparse
import json
import multiprocessing
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from ingest import load_source

START = datetime(2024, 1, 1, tzinfo=UTC)
SLACK_CHANNELS = ("general", "help", "show-and-tell", "jobs", "releases")
MESSAGES_PER_DAY_FILE = 200


def write_sessions_csv(path: Path, rows: int, rng: random.Random) -> None:
    """Write a web sessions file with the simulator's columns."""
    mediums = ["", "email", "cpc", "social", "community"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "session_id,anonymous_id,user_email,started_at,landing_url,referrer_url,"
            "utm_source,utm_medium,utm_campaign,pageviews,pages\n"
        )
        for number in range(rows):
            started = START + timedelta(seconds=rng.randrange(300 * 86400))
            email = f"user{rng.randrange(100000)}@example.com" if rng.random() < 0.3 else ""
            handle.write(
                f"s{number},a{rng.randrange(500000)},{email},{started:%Y-%m-%dT%H:%M:%SZ},"
                f"https://example.com/docs/{number % 97},https://www.google.com/,"
                f"newsletter,{rng.choice(mediums)},spring-{number % 13},{rng.randrange(1, 20)},"
                f"/docs|/pricing\n"
            )


def write_slack_export(folder: Path, rows: int, rng: random.Random) -> None:
    """Write a Slack export with `MESSAGES_PER_DAY_FILE` messages a channel-day file."""
    (folder / "users.json").write_text(json.dumps([{"id": "U1", "name": "ada"}]))
    (folder / "channels.json").write_text(
        json.dumps(
            [
                {"id": f"C{n}", "name": name, "created": "1700000000"}
                for n, name in enumerate(SLACK_CHANNELS)
            ]
        )
    )
    written = 0
    day = 0
    while written < rows:
        channel = SLACK_CHANNELS[day % len(SLACK_CHANNELS)]
        count = min(MESSAGES_PER_DAY_FILE, rows - written)
        base = START.timestamp() + day * 86400
        messages = [
            {
                "type": "message",
                "user": f"U{rng.randrange(5000)}",
                "text": "How do I join the warehouse to the CRM? " * rng.randrange(1, 4),
                "ts": f"{base + n:.6f}",
                "reactions": [{"name": "+1", "users": ["U2"], "count": 1}],
            }
            for n in range(count)
        ]
        path = folder / channel / f"{(START + timedelta(days=day)):%Y-%m-%d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(messages))
        written += count
        day += 1


def write_github_deliveries(path: Path, rows: int, rng: random.Random) -> None:
    """Write webhook deliveries, one JSON object a line."""
    with path.open("w", encoding="utf-8") as handle:
        for number in range(rows):
            delivered = START + timedelta(seconds=number)
            payload = {
                "action": "created",
                "starred_at": f"{delivered:%Y-%m-%dT%H:%M:%SZ}",
                "sender": {"id": rng.randrange(10**6), "login": f"dev{number % 5000}"},
                "repository": {"full_name": "acme/warehouse"},
            }
            line = {
                "event": "star",
                "delivery_id": f"d{number}",
                "delivered_at": f"{delivered:%Y-%m-%dT%H:%M:%SZ}",
                "payload": payload,
            }
            handle.write(json.dumps(line) + "\n")


def _load_in_child(
    landing: str, source: str, database: str, results: "multiprocessing.Queue[dict[str, float]]"
) -> None:
    with duckdb.connect(database) as con:
        con.execute("set enable_progress_bar = false")
        started = time.perf_counter()
        reports = load_source(con, Path(landing), source)
        first = time.perf_counter() - started
        started = time.perf_counter()
        load_source(con, Path(landing), source)
        again = time.perf_counter() - started
    rows = sum(report.rows_loaded for report in reports)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.put({"rows": rows, "seconds": first, "reload_seconds": again, "peak_rss_mb": peak_mb})


def measure(landing: Path, source: str, database: Path) -> dict[str, float]:
    """Load one source in a fresh process so its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[dict[str, float]] = context.Queue()
    child = context.Process(
        target=_load_in_child, args=(str(landing), source, str(database), results)
    )
    child.start()
    figures = results.get()
    child.join()
    figures["rows_per_second"] = round(figures["rows"] / figures["seconds"])
    return {key: round(value, 2) for key, value in figures.items()}


def main() -> None:
    """Generate the files, load them and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=1_000_000, help="web session rows")
    parser.add_argument(
        "--json-rows", type=int, default=200_000, help="Slack messages and GitHub deliveries, each"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generated data")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="loader-benchmark-") as tmp:
        root = Path(tmp)
        landing = root / "landing"
        (landing / "web").mkdir(parents=True)
        (landing / "github").mkdir()
        (landing / "slack").mkdir()
        started = time.perf_counter()
        write_sessions_csv(landing / "web" / "sessions.csv", args.csv_rows, rng)
        write_slack_export(landing / "slack", args.json_rows, rng)
        write_github_deliveries(landing / "github" / "deliveries.jsonl", args.json_rows, rng)
        print(f"generated files in {time.perf_counter() - started:.1f} s")

        figures = {}
        for source in ("web", "slack", "github"):
            figures[source] = measure(landing, source, root / f"{source}.duckdb")
            print(f"{source}: {figures[source]}")
        figures["csv_mb"] = round((landing / "web" / "sessions.csv").stat().st_size / 2**20, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
