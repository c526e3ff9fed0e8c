"""Run the project's dbt commands against a test warehouse, as the tests in this folder do."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

DBT = str(Path(sys.executable).parent / "dbt")
DBT_PROJECT = REPO_ROOT / "dbt_project"


def run_dbt(arguments: list[str], warehouse: Path) -> subprocess.CompletedProcess[str]:
    """Run `dbt ARGUMENTS` on the project with `warehouse` as its DuckDB file.

    The output is captured and the exit status is not checked, so that a test can assert on
    it and show the end of the log.
    """
    return subprocess.run(
        [DBT, *arguments, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)],
        env={**os.environ, "CRM_DUCKDB_PATH": str(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
