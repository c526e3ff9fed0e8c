"""The simulator's landing folder loads completely: every file, every row, nothing quarantined."""

import subprocess
import sys
from pathlib import Path

import duckdb

from ingest import SOURCES, load_source
from tests.ingest.conftest import assert_accounting, scalar

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_simulated_landing_loads_without_rejections(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "--members",
            "60",
            "--seed",
            "1",
            "--out",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    landing = tmp_path / "landing"
    written = {path.name for path in landing.iterdir() if path.is_dir()}

    reports = [report for source in SOURCES for report in load_source(con, landing, source)]
    loaded = {source for source, spec in SOURCES.items() if (landing / spec.folder).is_dir()}

    assert written <= set(SOURCES), f"landing folders without a loader: {written - set(SOURCES)}"
    assert loaded == written
    assert sum(report.rows_in for report in reports) > 0
    assert scalar(con, "select count(*) from quarantine.rejected_rows") == 0
    assert all(report.files_loaded == report.files_seen for report in reports)
    assert_accounting(con)
