"""The raw multi-assets and the landing sensor, run with real resources on a temporary warehouse."""

import json
import shutil
from pathlib import Path

import duckdb
from dagster import (
    AssetKey,
    RunRequest,
    SensorResult,
    SkipReason,
    build_sensor_context,
    materialize,
)

from ingest import SOURCES
from orchestration.assets.raw import raw_assets
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.sensors import landing_file_sensor

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _landing_with_samples(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    for sample in ("slack", "hubspot", "stripe"):
        shutil.copytree(DATA_DIR / sample, landing / sample, ignore=shutil.ignore_patterns("*.md"))
    return landing


def test_raw_assets_cover_every_registry_table() -> None:
    keys = {key for assets in raw_assets for key in assets.keys}
    expected = {
        AssetKey(["raw", table.table]) for spec in SOURCES.values() for table in spec.tables
    }

    assert keys == expected
    assert all(
        assets.group_names_by_key[key] == "raw" for assets in raw_assets for key in assets.keys
    )


def test_raw_assets_materialize_partial_landing(tmp_path: Path) -> None:
    landing = _landing_with_samples(tmp_path)
    database = tmp_path / "warehouse.duckdb"
    resources = {
        "warehouse": WarehouseResource(database_path=str(database)),
        "landing": LandingResource(landing_dir=str(landing)),
    }

    result = materialize(raw_assets, resources=resources)
    events = {event.asset_key: event for event in result.get_asset_materialization_events()}
    messages = events[AssetKey(["raw", "slack_messages"])].materialization.metadata
    discord = events[AssetKey(["raw", "discord_messages"])].materialization.metadata
    with duckdb.connect(str(database), read_only=True) as con:
        loaded = con.execute("select count(*) from raw.slack_messages").fetchone()

    assert result.success
    assert len(events) == sum(len(spec.tables) for spec in SOURCES.values())
    assert loaded is not None
    assert messages["rows_loaded"].value == loaded[0]
    assert messages["rows_in"].value == loaded[0]
    assert messages["rows_quarantined"].value == 0
    assert messages["files_loaded"].value == 6
    assert discord["rows_in"].value == 0
    assert "no discord/ subfolder" in discord["note"].value


def _metadata_of(result: object, table: str) -> dict[str, object]:
    events = result.get_asset_materialization_events()  # type: ignore[attr-defined]
    [event] = [e for e in events if e.asset_key == AssetKey(["raw", table])]
    return {key: value.value for key, value in event.materialization.metadata.items()}


def test_raw_assets_rerun_skips_loaded_files(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(DATA_DIR / "hubspot", landing / "hubspot")
    resources = {
        "warehouse": WarehouseResource(database_path=str(tmp_path / "warehouse.duckdb")),
        "landing": LandingResource(landing_dir=str(landing)),
    }
    hubspot = [assets for assets in raw_assets if AssetKey(["raw", "hubspot_deals"]) in assets.keys]
    first = materialize(hubspot, resources=resources)

    second = materialize(hubspot, resources=resources)

    assert _metadata_of(first, "hubspot_contacts")["files_loaded"] == 1
    assert _metadata_of(second, "hubspot_contacts")["files_loaded"] == 0
    assert _metadata_of(second, "hubspot_contacts")["files_skipped"] == 1
    assert _metadata_of(second, "hubspot_contacts")["rows_in"] == 0


def test_landing_sensor_requests_run_for_new_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    resources = {"landing": LandingResource(landing_dir=str(landing))}

    empty = landing_file_sensor(build_sensor_context(resources=resources))
    (landing / "web" / "sessions.csv").write_text(
        "session_id,started_at\ns1,2024-01-01T00:00:00Z\n"
    )
    arrived = landing_file_sensor(build_sensor_context(resources=resources))

    assert isinstance(empty, SkipReason)
    assert isinstance(arrived, SensorResult)
    assert arrived.run_requests is not None
    assert len(arrived.run_requests) == 1
    assert isinstance(arrived.run_requests[0], RunRequest)
    assert arrived.cursor is not None
    assert list(json.loads(arrived.cursor)) == ["web/sessions.csv"]


def test_landing_sensor_leaves_review_decisions(tmp_path: Path) -> None:
    # identity_review_sensor requests a job that loads these files, so the landing sensor
    # must not start a second run that writes the warehouse at the same time.
    landing = tmp_path / "landing"
    path = landing / "identity_reviews" / "decisions.csv"
    path.parent.mkdir(parents=True)
    path.write_text("record_id_l,record_id_r,decision\nhubspot:1,slack:U1,must_link\n")
    resources = {"landing": LandingResource(landing_dir=str(landing))}

    arrived = landing_file_sensor(build_sensor_context(resources=resources))

    assert isinstance(arrived, SkipReason)


def test_landing_sensor_skips_unchanged_and_sees_changes(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = landing / "web" / "sessions.csv"
    path.parent.mkdir(parents=True)
    path.write_text("session_id,started_at\ns1,2024-01-01T00:00:00Z\n")
    resources = {"landing": LandingResource(landing_dir=str(landing))}
    first = landing_file_sensor(build_sensor_context(resources=resources))
    assert isinstance(first, SensorResult)

    unchanged = landing_file_sensor(build_sensor_context(resources=resources, cursor=first.cursor))
    path.write_text("session_id,started_at\ns1,2024-01-01T00:00:00Z\ns2,2024-01-02T00:00:00Z\n")
    changed = landing_file_sensor(build_sensor_context(resources=resources, cursor=first.cursor))

    assert isinstance(unchanged, SkipReason)
    assert isinstance(changed, SensorResult)
    assert changed.run_requests is not None
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key  # type: ignore[index]
