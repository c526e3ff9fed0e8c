"""Shared fixtures: a seeded simulated world and one full pipeline run over it.

The run is real: the simulator writes landing files, Dagster runs every asset in-process
against a DuckDB file in a temporary folder (loaders, dbt build, Splink, attribution,
forecast), and the tests read the warehouse it leaves.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import ExecuteInProcessResult

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Small enough to run in two to three minutes, large enough for a few dozen closed-won deals.
SIMULATED_MEMBERS = 400
SIMULATED_SEED = 11


@dataclass(frozen=True)
class PipelineRun:
    """A finished run of the demo job: where its inputs and warehouse are, and its result."""

    landing_dir: Path
    truth_dir: Path
    warehouse: Path
    result: ExecuteInProcessResult


def run_job(job_name: str, landing_dir: Path, warehouse: Path) -> ExecuteInProcessResult:
    """Run one job of the project's definitions in-process on one landing folder and warehouse."""
    from orchestration.definitions import defs

    saved = {key: os.environ.get(key) for key in ("CRM_LANDING_DIR", "CRM_DUCKDB_PATH")}
    os.environ["CRM_LANDING_DIR"] = str(landing_dir)
    os.environ["CRM_DUCKDB_PATH"] = str(warehouse)
    try:
        return defs.resolve_job_def(job_name).execute_in_process(raise_on_error=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo_job(landing_dir: Path, warehouse: Path) -> ExecuteInProcessResult:
    """Run every asset and check of the project's definitions on one landing folder."""
    return run_job("demo_job", landing_dir, warehouse)


def failure_messages(result: ExecuteInProcessResult) -> str:
    """Join the message of every step failure and of the errors that caused it."""
    messages = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        error = event.event_specific_data.error
        while error is not None:
            messages.append(f"{event.step_key}: {error.message[:2000]}")
            error = error.cause
    return "\n".join(messages)


UNREADABLE_ATTENDANCE = "events/attendance_latin1.csv"


def _write_unreadable_attendance(landing: Path) -> None:
    """Write a copy of the first attendance row that ends in a Latin-1 byte."""
    with (landing / "events" / "attendance.csv").open(encoding="utf-8") as handle:
        header, row = handle.readline(), handle.readline()
    (landing / UNREADABLE_ATTENDANCE).write_bytes((header + row.rstrip("\n")).encode() + b"\xe9\n")


@pytest.fixture(scope="session")
def simulated_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """Simulate a small community and run the whole pipeline over it once per session.

    The landing folder also contains `UNREADABLE_ATTENDANCE`, a file that is not UTF-8, so the
    run shows that one unreadable file is set aside and every later asset still runs.
    """
    root = tmp_path_factory.mktemp("simulated")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "--members",
            str(SIMULATED_MEMBERS),
            "--seed",
            str(SIMULATED_SEED),
            "--out",
            str(root / "world"),
        ],
        check=True,
        cwd=REPO_ROOT,
    )
    landing = root / "world" / "landing"
    _write_unreadable_attendance(landing)
    warehouse = root / "warehouse.duckdb"
    result = run_demo_job(landing, warehouse)
    return PipelineRun(landing, root / "world" / "truth", warehouse, result)
