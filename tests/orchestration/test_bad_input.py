"""An unreadable landing file is set aside, named in a failed check, and the rest still loads."""

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
    serialize_value,
)

from orchestration.assets.raw import REJECTED_FILES_CHECK, raw_assets
from orchestration.resources import LandingResource, WarehouseResource
from tests.conftest import UNREADABLE_ATTENDANCE, PipelineRun, failure_messages

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

HEADER = (
    "registration_id,event_id,event_name,event_type,program,email,full_name,company,"
    "registered_at,attended,attended_at\n"
)
ROW = (
    "r1,e1,Kickoff,webinar,intro,ana@example.com,Jos\xe9 Pe\xf1a,Acme,"
    "2025-01-01T10:00:00Z,true,2025-01-02T10:00:00Z\n"
)
OTHER_ROW = "r2,e1,Kickoff,webinar,intro,bo@example.com,Bo Lind,Acme,2025-01-01T11:00:00Z,false,\n"


def _resources(tmp_path: Path, landing: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database_path=str(tmp_path / "warehouse.duckdb")),
        "landing": LandingResource(landing_dir=str(landing)),
    }


def _check(result: ExecuteInProcessResult, table: str) -> tuple[bool, str]:
    """Return whether the table's rejected-files check passed, and its metadata as text."""
    evaluations = [
        evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.asset_key == AssetKey(["raw", table])
        and evaluation.check_name == REJECTED_FILES_CHECK
    ]
    assert len(evaluations) == 1
    evaluation = evaluations[0]
    text = " ".join(str(value.value) for value in evaluation.metadata.values())
    return evaluation.passed, text


def _materialization_text(result: ExecuteInProcessResult, table: str) -> str:
    events = {event.asset_key: event for event in result.get_asset_materialization_events()}
    metadata = events[AssetKey(["raw", table])].materialization.metadata
    return " ".join(f"{key}={value.value}" for key, value in metadata.items())


def _query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_truncated_json_set_aside(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(DATA_DIR / "slack", landing / "slack", ignore=shutil.ignore_patterns("*.md"))
    users = landing / "slack" / "users.json"
    text = users.read_text()
    users.write_text(text[: len(text) // 2])

    result = materialize(raw_assets, resources=_resources(tmp_path, landing))
    passed, check_text = _check(result, "slack_users")
    database = tmp_path / "warehouse.duckdb"
    messages = _query(database, "select count(*) from raw.slack_messages")
    rejected = _query(database, "select table_name, _file, reason from quarantine.rejected_files")

    assert result.success
    assert not passed
    assert "slack/users.json" in check_text
    assert "line" in check_text
    assert "slack/users.json" in _materialization_text(result, "slack_users")
    assert messages[0][0] > 0
    assert len(rejected) == 1
    assert rejected[0][:2] == ("slack_users", "slack/users.json")
    assert "invalid JSON" in str(rejected[0][2])
    assert _check(result, "slack_messages")[0]


def test_latin1_csv_loads_once_fixed(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "events"
    folder.mkdir(parents=True)
    (folder / "attendance_good.csv").write_text(HEADER + OTHER_ROW, encoding="utf-8")
    bad = folder / "attendance_latin1.csv"
    bad.write_bytes((HEADER + ROW).encode("latin-1"))
    resources = _resources(tmp_path, landing)
    database = tmp_path / "warehouse.duckdb"
    rejected_sql = (
        "select source, table_name, _file, content_hash, _row_number, field, reason "
        "from quarantine.rejected_files"
    )

    first = materialize(raw_assets, resources=resources)
    first_passed, first_text = _check(first, "event_attendance")
    first_loaded = _query(database, "select registration_id, _file from raw.event_attendance")
    first_rejected = _query(database, rejected_sql)
    ledger = _query(database, "select _file from raw.load_ledger where table_name = 'events'")

    assert first.success
    assert not first_passed
    assert "events/attendance_latin1.csv, row 1, field 'full_name'" in first_text
    assert "events/attendance_latin1.csv" in _materialization_text(first, "event_attendance")
    assert first_loaded == [("r2", "events/attendance_good.csv")]
    assert len(first_rejected) == 1
    source, table, path, content_hash, row, field, reason = first_rejected[0]
    assert (source, table, path) == ("events", "event_attendance", "events/attendance_latin1.csv")
    assert len(str(content_hash)) == 64
    assert (row, field) == (1, "full_name")
    assert "not valid UTF-8" in str(reason)
    assert ("events/attendance_latin1.csv",) not in ledger

    second = materialize(raw_assets, resources=resources)
    second_rejected = _query(database, rejected_sql)
    second_loaded = _query(database, "select count(*) from raw.event_attendance")

    assert second.success
    assert not _check(second, "event_attendance")[0]
    assert second_rejected == first_rejected
    assert second_loaded == [(1,)]

    bad.write_text(HEADER + ROW, encoding="utf-8")
    third = materialize(raw_assets, resources=resources)
    third_passed, third_text = _check(third, "event_attendance")
    third_loaded = _query(
        database, "select registration_id from raw.event_attendance order by registration_id"
    )

    assert third.success
    assert third_passed
    assert "events/attendance_latin1.csv" not in third_text
    assert third_loaded == [("r1",), ("r2",)]
    assert _query(database, rejected_sql) == []


def test_empty_csv_set_aside(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "events"
    folder.mkdir(parents=True)
    (folder / "attendance_good.csv").write_text(HEADER + OTHER_ROW, encoding="utf-8")
    (folder / "attendance_empty.csv").write_bytes(b"")

    result = materialize(raw_assets, resources=_resources(tmp_path, landing))
    passed, check_text = _check(result, "event_attendance")
    database = tmp_path / "warehouse.duckdb"

    assert result.success
    assert not passed
    assert "events/attendance_empty.csv: the file is empty" in check_text
    assert _query(database, "select count(*) from raw.event_attendance") == [(1,)]
    assert _query(database, "select _file, reason from quarantine.rejected_files") == [
        ("events/attendance_empty.csv", "the file is empty; expected a header row")
    ]


# Landing files that cannot be read, each with the personal data its reason must not contain
# and the row, field and reason stored for it. ATTENDANCE_RAGGED's line 3 has one field too many.
ATTENDANCE_RAGGED = (
    HEADER + OTHER_ROW + "r3,e1,Kickoff,webinar,intro,cleo@example.com,Cleo Marsh,Acme,"
    "2025-01-01T12:00:00Z,true,,+44 20 7946 0000\n"
)
# The byte 0xEB is a Latin-1 e with diaeresis. The three bytes after it start the surname, so
# neither they nor the byte may appear.
ATTENDANCE_LATIN1 = (
    HEADER + "r4,e1,Kickoff,webinar,intro,zoe@example.com,Zo\xebQuixley,Acme,"
    "2025-01-01T12:00:00Z,false,\n"
).encode("latin-1")
# An export saved without its header, so line 1 is a data row that must not be quoted as the
# header.
ATTENDANCE_HEADERLESS = OTHER_ROW.replace("bo@example.com,Bo Lind", "dag@example.com,Dag Holm")
UNREADABLE_CASES = [
    pytest.param(
        ATTENDANCE_RAGGED,
        # The phone number is searched with its spaces: four digits alone turn up in the
        # event log's time stamps by chance.
        ["cleo@example.com", "Cleo Marsh", "20 7946 0000"],
        (
            2,
            None,
            "line 3 does not fit the header (too many columns: Expected Number of Columns: 11 "
            "Found: 12). Fix the quoting or delimiters on that line and load the file again",
        ),
        id="line-does-not-fit-header",
    ),
    pytest.param(
        ATTENDANCE_LATIN1,
        ["Qui", "\\xeb"],
        (
            1,
            "full_name",
            "the byte at offset 160 (line 2) is not valid UTF-8 (invalid continuation byte); "
            "expected UTF-8 with or without a byte order mark. Convert the file from its "
            "encoding, for example `iconv -f latin1 -t utf-8` for Latin-1, and load it again",
        ),
        id="not-utf8",
    ),
    pytest.param(
        ATTENDANCE_HEADERLESS,
        ["dag@example.com", "Dag Holm"],
        (
            None,
            "registration_id",
            "header (line 1) is missing required column 'registration_id'; it has 11 "
            "column(s), expected them to include ['registration_id', 'event_id', "
            "'registered_at']",
        ),
        id="no-header",
    ),
]


@pytest.mark.parametrize(("content", "personal", "stored"), UNREADABLE_CASES)
def test_rejected_file_stores_no_content(
    tmp_path: Path,
    content: str | bytes,
    personal: list[str],
    stored: tuple[int | None, str | None, str],
) -> None:
    landing = tmp_path / "landing"
    folder = landing / "events"
    folder.mkdir(parents=True)
    (folder / "attendance_good.csv").write_text(HEADER + OTHER_ROW, encoding="utf-8")
    bad = folder / "attendance_bad.csv"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")
    instance = DagsterInstance.ephemeral()

    result = materialize(raw_assets, resources=_resources(tmp_path, landing), instance=instance)
    rejected = _query(
        tmp_path / "warehouse.duckdb",
        "select _file, _row_number, field, reason from quarantine.rejected_files",
    )
    # Every event Dagster stored for the run: logs, materialization and check metadata.
    event_log = "\n".join(serialize_value(entry) for entry in instance.all_logs(result.run_id))

    assert result.success
    assert rejected == [("events/attendance_bad.csv", *stored)]
    assert "events/attendance_bad.csv" in _check(result, "event_attendance")[1]
    assert stored[2] in event_log
    for text in personal:
        assert text not in str(rejected), f"{text!r} stored in quarantine.rejected_files"
        assert text not in event_log, f"{text!r} stored in the Dagster event log"


def test_unreadable_file_spares_downstream(simulated_run: PipelineRun) -> None:
    result = simulated_run.result
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    rejected = _query(simulated_run.warehouse, "select _file from quarantine.rejected_files")
    attendance_files = _query(
        simulated_run.warehouse, "select distinct _file from raw.event_attendance"
    )

    assert result.success, failure_messages(result)
    assert not _check(result, "event_attendance")[0]
    assert rejected == [(UNREADABLE_ATTENDANCE,)]
    assert attendance_files == [("events/attendance.csv",)]
    assert AssetKey(["identity", "erasure_audit"]) in materialized
    assert AssetKey(["marts", "fct_attribution_credit"]) in materialized
