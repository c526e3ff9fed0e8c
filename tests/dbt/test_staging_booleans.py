"""Staging reads every boolean text the loaders accept, through real dbt on a small warehouse."""

from pathlib import Path

import duckdb
import pytest

from tests.dbt.dbt_runner import run_dbt

# Every text the loaders accept as a boolean (ingest/validate.py), with its meaning.
BOOLEAN_TEXTS = {"true": True, "TRUE": True, " t ": True, "1": True}
BOOLEAN_TEXTS |= {"false": False, "F": False, "0": False}

MODELS = ["stg_events__attendance", "stg_hubspot__deals", "stg_slack__users"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("booleans") / "warehouse.duckdb"
    texts = list(BOOLEAN_TEXTS)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.event_attendance "
            "(registration_id varchar, event_id varchar, registered_at varchar, attended varchar)"
        )
        con.execute(
            "create table raw.hubspot_deals (deal_id varchar, is_deleted varchar)",
        )
        con.execute(
            "create table raw.slack_users (id varchar, is_bot varchar, deleted varchar)",
        )
        for index, text in enumerate(texts):
            con.execute(
                "insert into raw.event_attendance values (?, 'e1', '2025-01-01', ?)",
                [str(index), text],
            )
            con.execute("insert into raw.hubspot_deals values (?, ?)", [str(index), text])
            con.execute("insert into raw.slack_users values (?, ?, ?)", [str(index), text, text])
    completed = run_dbt(["run", "--select", *MODELS], path)
    assert completed.returncode == 0, completed.stdout[-3000:]
    return path


def _read(warehouse: Path, sql: str) -> dict[str, object]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(sql).fetchall())


def _expected(keep: bool | None = None) -> dict[str, bool]:
    return {
        str(index): meaning
        for index, meaning in enumerate(BOOLEAN_TEXTS.values())
        if keep is None or meaning == keep
    }


def test_attendance_reads_each_boolean_text(warehouse: Path) -> None:
    attended = _read(
        warehouse, "select registration_id, has_attended from staging.stg_events__attendance"
    )
    assert attended == _expected()


def test_deleted_deals_dropped_for_each_text(warehouse: Path) -> None:
    live_deals = _read(warehouse, "select deal_id, false from staging.stg_hubspot__deals")
    assert live_deals == _expected(keep=False)


def test_slack_user_flags_read_each_text(warehouse: Path) -> None:
    flags = _read(warehouse, "select user_id, is_bot from staging.stg_slack__users")
    assert flags == _expected()
