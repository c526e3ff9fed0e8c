"""Benchmark simulator and loader throughput: rows per second and peak memory by member count.

Each size runs `python -m simulator` in its own process, then loads every landing source into
a new DuckDB file in a second process, so the peak resident memory reported by `os.wait4`
belongs to one step alone. Output goes to a temporary folder that is deleted afterwards.

    .venv/bin/python -m benchmarks.sources                    # 100,000 and 1,000,000 members
    .venv/bin/python -m benchmarks.sources --members 20000    # one size
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (100_000, 1_000_000)
SUMMARY_PATTERN = re.compile(r"wrote (\d+) rows for (\d+) members, (\d+) accounts, (\d+) touches")


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# Loads every source of a landing folder into a DuckDB file and prints the rows loaded.
LOAD_SCRIPT = """
import sys
from pathlib import Path
import duckdb
from ingest import SOURCES, load_source
con = duckdb.connect(sys.argv[2])
con.execute("set enable_progress_bar = false")
reports = [r for source in SOURCES for r in load_source(con, Path(sys.argv[1]), source)]
print(sum(r.rows_loaded for r in reports), sum(r.rows_quarantined for r in reports))
"""


def _run_measured(command: list[str]) -> tuple[str, float, float, float]:
    """Run a command; return its output, wall seconds, CPU seconds and peak RSS in MB."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    # wait4 reaps the child and returns its own resource usage; recording the exit code on
    # the Popen object keeps it from waiting again.
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed: exit {status}")
    # ru_maxrss is in kilobytes on Linux.
    return output, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure_load(landing: Path, database: Path) -> dict[str, float | int]:
    """Load a landing folder into a new warehouse file and return time and memory figures."""
    command = [sys.executable, "-c", LOAD_SCRIPT, str(landing), str(database)]
    output, wall, cpu, peak = _run_measured(command)
    # The counts are the script's last line; anything above it is DuckDB's own output.
    loaded, quarantined = (int(value) for value in output.strip().splitlines()[-1].split())
    return {
        "load_rows": loaded,
        "load_quarantined": quarantined,
        "load_wall_s": round(wall, 1),
        "load_cpu_s": round(cpu, 1),
        "load_rows_per_wall_s": round(loaded / wall),
        "load_peak_rss_mb": round(peak, 1),
    }


def measure(members: int, seed: int, load: bool = True) -> dict[str, float | int]:
    """Run the simulator once, then load its output; return size, time and memory figures."""
    with tempfile.TemporaryDirectory(prefix="simulator-bench-") as folder:
        command = [
            sys.executable, "-m", "simulator", "--members", str(members), "--seed", str(seed),
            "--out", folder,
        ]  # fmt: skip
        output, wall, cpu, peak = _run_measured(command)
        match = SUMMARY_PATTERN.search(output)
        if match is None:
            raise RuntimeError(f"simulator output has no summary line: {output!r}")
        rows, _, accounts, touches = (int(value) for value in match.groups())
        size = _folder_bytes(Path(folder))
        loading = (
            measure_load(Path(folder) / "landing", Path(folder) / "warehouse.duckdb")
            if load
            else {}
        )
    return {
        "members": members,
        "accounts": accounts,
        "touches": touches,
        "rows": rows,
        "output_mb": round(size / 1e6, 1),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "rows_per_wall_s": round(rows / wall),
        "rows_per_cpu_s": round(rows / cpu),
        "peak_rss_mb": round(peak, 1),
        **loading,
    }


def main() -> None:
    """Measure each requested size and print one line per size, then a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, action="append", help="member count (repeatable)")
    parser.add_argument("--seed", type=int, default=7, help="simulator seed (default 7)")
    parser.add_argument(
        "--no-load", action="store_true", help="measure generation only, without loading"
    )
    args = parser.parse_args()
    sizes = args.members or list(DEFAULT_SIZES)

    results = []
    for members in sizes:
        figures = measure(members, args.seed, load=not args.no_load)
        print(
            f"{members:>9} members: {figures['rows']:>11} rows in {figures['wall_s']:>7} s "
            f"({figures['cpu_s']} s CPU), {figures['rows_per_wall_s']} rows/s, "
            f"peak {figures['peak_rss_mb']} MB, output {figures['output_mb']} MB; "
            f"load {figures.get('load_wall_s', '-')} s, {figures.get('load_rows_per_wall_s', '-')} "
            f"rows/s, peak {figures.get('load_peak_rss_mb', '-')} MB",
            flush=True,
        )
        results.append(figures)
    print(json.dumps({"benchmark": "sources", "seed": args.seed, "runs": results}))


if __name__ == "__main__":
    main()
