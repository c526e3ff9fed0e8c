"""The committed Discord sample and the public Stack Exchange dump through staging to activities."""

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from ingest import load_source
from tests.dbt.dbt_runner import run_dbt
from tests.ingest.conftest import SHARED_DATA_DIR, copy_sample

SELECTION = "+int_activities__classified +int_identity__person_records_unioned"


def _build(landing: Path, warehouse: Path, source: str) -> subprocess.CompletedProcess[str]:
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, source)
    return run_dbt(["build", "--select", *SELECTION.split()], warehouse)


def _rows(warehouse: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_discord_sample_reaches_activities(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    copy_sample(landing, "discord")
    warehouse = tmp_path / "warehouse.duckdb"
    completed = _build(landing, warehouse, "discord")
    assert completed.returncode == 0, completed.stdout[-3000:]

    activities = _rows(
        warehouse,
        "select activity_id, record_id, activity_type from intermediate.int_activities__classified "
        "where source = 'discord' order by activity_id",
    )
    records = _rows(
        warehouse,
        "select record_id, handle, full_name "
        "from intermediate.int_identity__person_records_unioned "
        "where source = 'discord' order by record_id",
    )
    # Of the 7 messages, msg005 is a bot's and msg007 a pin notice: neither is an activity.
    assert activities == [
        ("discord:100:msg001", "discord:user001", "chat_message"),
        ("discord:100:msg002", "discord:user002", "chat_message"),
        ("discord:100:msg003", "discord:user001", "chat_reply"),
        ("discord:100:msg004", "discord:user003", "chat_channel_join"),
        ("discord:100:msg006", "discord:user001", "chat_message"),
    ]
    assert records == [
        ("discord:user001", "alice", "Alice Smith"),
        ("discord:user002", "bob", "Bob Jones"),
        ("discord:user003", "charlie", "Charlie Brown"),
    ]


def test_stackexchange_dump_reaches_activities(tmp_path: Path) -> None:
    dump = SHARED_DATA_DIR / "community_stackexchange_dump"
    if not dump.is_dir():
        pytest.skip("Stack Exchange dump (CC BY-SA, not committed) is absent from shared/data")
    landing = tmp_path / "landing"
    (landing / "stackexchange").mkdir(parents=True)
    for name in ("Users.xml", "Posts.xml"):
        shutil.copy(dump / name, landing / "stackexchange" / name)
    warehouse = tmp_path / "warehouse.duckdb"
    completed = _build(landing, warehouse, "stackexchange")
    assert completed.returncode == 0, completed.stdout[-3000:]

    by_type = _rows(
        warehouse,
        "select raw_event, activity_type, channel, count(*) "
        "from intermediate.int_activities__classified where source = 'stackexchange' "
        "group by all order by raw_event",
    )
    records = _rows(
        warehouse,
        "select count(*), count(full_name), count(handle) "
        "from intermediate.int_identity__person_records_unioned where source = 'stackexchange'",
    )
    # Posts.xml: 556 questions and 1,095 answers; 6 questions and 6 answers belong to the
    # Community user (-1). Users.xml: 2,295 users less Community; 787 display names have a
    # space, 66 are `user<digits>` defaults.
    assert by_type == [
        ("answer", "forum_reply", "community_forum", 1089),
        ("question", "forum_topic", "community_forum", 550),
    ]
    assert records == [(2294, 787, 2228)]
