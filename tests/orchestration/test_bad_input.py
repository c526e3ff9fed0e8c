"""A malformed landing file fails its raw asset with a precise message and writes nothing."""

import shutil
from pathlib import Path

import duckdb
from dagster import materialize

from orchestration.assets.raw import raw_assets
from orchestration.resources import LandingResource, WarehouseResource
from tests.conftest import failure_messages

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def test_truncated_json_fails_asset_naming_file_and_row(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(DATA_DIR / "slack", landing / "slack", ignore=shutil.ignore_patterns("*.md"))
    users = landing / "slack" / "users.json"
    text = users.read_text()
    users.write_text(text[: len(text) // 2])
    database = tmp_path / "warehouse.duckdb"
    resources = {
        "warehouse": WarehouseResource(database_path=str(database)),
        "landing": LandingResource(landing_dir=str(landing)),
    }

    result = materialize(raw_assets, resources=resources, raise_on_error=False)
    message = failure_messages(result)

    assert not result.success
    assert "slack/users.json" in message
    assert "line" in message or "row" in message
    with duckdb.connect(str(database), read_only=True) as con:
        slack_tables = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name like 'slack_%'"
        ).fetchone()
    assert slack_tables == (0,)


def test_latin1_csv_fails_asset_naming_row_and_field(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "events").mkdir(parents=True)
    header = "registration_id,event_id,event_name,event_type,program,email,full_name,company,"
    header += "registered_at,attended,attended_at\n"
    row = "r1,e1,Kickoff,webinar,intro,ana@example.com,Jos\xe9 Pe\xf1a,Acme,"
    row += "2025-01-01T10:00:00Z,true,2025-01-02T10:00:00Z\n"
    (landing / "events" / "attendance.csv").write_bytes((header + row).encode("latin-1"))
    database = tmp_path / "warehouse.duckdb"
    resources = {
        "warehouse": WarehouseResource(database_path=str(database)),
        "landing": LandingResource(landing_dir=str(landing)),
    }

    result = materialize(raw_assets, resources=resources, raise_on_error=False)
    message = failure_messages(result)

    assert not result.success
    assert "events/attendance.csv" in message
    assert "row 1" in message
    assert "full_name" in message
