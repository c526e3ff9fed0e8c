import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]


def _run_serving(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "serving", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", ["dashboards", "publish"])
def test_cli_missing_warehouse_exits_2(command: str, tmp_path: Path):
    absent = tmp_path / "absent.duckdb"

    done = _run_serving(command, "--warehouse", str(absent), "--to", str(tmp_path / "copy.duckdb"))

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(absent) in done.stderr
    assert "not found" in done.stderr


def test_cli_publish_onto_itself_exits_2(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()

    done = _run_serving("publish", "--warehouse", str(warehouse), "--to", str(warehouse))

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "is the warehouse itself" in done.stderr


def test_cli_locked_warehouse_exits_2(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as writer:
        writer.execute("create table t as select 1 as x")

        done = _run_serving("publish", "--warehouse", str(warehouse))

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(warehouse) in done.stderr
