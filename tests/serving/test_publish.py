"""The published warehouse copy: made by the job, readable while a run writes the original."""

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from serving import publish_warehouse
from tests.conftest import PipelineRun

pytestmark = pytest.mark.slow

CHECKED_MARTS = ("fct_community_revenue", "fct_kpi_revenue", "fct_channel_revenue")


def _count_in_subprocess(database: Path, table: str) -> subprocess.CompletedProcess[str]:
    """Open `database` read-only in another process, as a BI tool would, and count a table."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute(f'select count(*) from {sys.argv[2]}').fetchone()[0])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(database), table],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _counts(database: Path) -> dict[str, int]:
    counts = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for mart in CHECKED_MARTS:
            row = con.execute(f"select count(*) from marts.{mart}").fetchone()
            assert row is not None
            counts[mart] = int(row[0])
    return counts


def test_demo_job_publishes_copy(simulated_run: PipelineRun):
    published = simulated_run.warehouse.parent / "published" / simulated_run.warehouse.name

    assert published.is_file()
    assert _counts(published) == _counts(simulated_run.warehouse)
    assert not list(published.parent.glob("*.tmp"))


def test_copy_readable_while_original_written(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)
    published = publish_warehouse(warehouse, tmp_path / "published" / "warehouse.duckdb").path

    with duckdb.connect(str(warehouse)) as writer:
        writer.execute("create or replace table marts.written_during_run as select 1 as x")
        blocked = _count_in_subprocess(warehouse, "marts.fct_community_revenue")
        from_copy = _count_in_subprocess(published, "marts.fct_community_revenue")

    # The original is locked by the writer, which is the failure the copy exists to avoid.
    assert blocked.returncode != 0
    assert "lock" in blocked.stderr.lower()
    assert from_copy.returncode == 0, from_copy.stderr
    assert int(from_copy.stdout) == _counts(warehouse)["fct_community_revenue"]


def test_republish_replaces_copy_under_open_reader(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)
    target = tmp_path / "published" / "warehouse.duckdb"
    publish_warehouse(warehouse, target)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table marts.added_after_first_copy as select 42 as answer")

    with duckdb.connect(str(target), read_only=True) as reader:
        second = publish_warehouse(warehouse, target)
        old_tables = reader.execute(
            "select count(*) from information_schema.tables "
            "where table_name = 'added_after_first_copy'"
        ).fetchone()

    assert old_tables == (0,)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select answer from marts.added_after_first_copy").fetchone() == (42,)
    assert second.tables["marts"] == _table_count(warehouse, "marts")
    assert sorted(path.name for path in target.parent.iterdir()) == ["warehouse.duckdb"]


def _table_count(database: Path, schema: str) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        row = con.execute(
            "select count(*) from information_schema.tables where table_schema = ?", [schema]
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_publish_onto_warehouse_itself_raises(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()

    with pytest.raises(ValueError, match="is the warehouse itself"):
        publish_warehouse(warehouse, warehouse)
