"""The committed GitHub webhook samples through the loaders and dbt's activity classification."""

from pathlib import Path

import duckdb

from ingest import load_source
from tests.dbt.dbt_runner import run_dbt
from tests.ingest.conftest import copy_sample


def test_every_sample_event_is_classified(tmp_path: Path) -> None:
    # Each event folder of the samples (push, release, member, sponsorship, ...) is a format
    # docs/sources.md lists, so each needs a row in the event taxonomy, or dbt's not-null
    # test on activity_type fails the whole run.
    landing = tmp_path / "landing"
    copy_sample(landing, "github")
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "github")
    completed = run_dbt(["build", "--select", "+int_activities__classified"], warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unclassified = con.execute(
            "select distinct raw_event from intermediate.int_activities__classified "
            "where source = 'github' and activity_type is null order by raw_event"
        ).fetchall()
        events = con.execute(
            "select count(distinct raw_event) from intermediate.int_activities__classified "
            "where source = 'github'"
        ).fetchall()
    assert unclassified == []
    assert events[0][0] == len(list((landing / "github").iterdir()))
    assert completed.returncode == 0, completed.stdout[-3000:]
