"""The identity review sensor and job: a dropped decision file reaches identity and the marts."""

import os
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import (
    DagsterInstance,
    RunRequest,
    SensorResult,
    SkipReason,
    build_sensor_context,
)

from orchestration.definitions import defs
from orchestration.resources import LandingResource
from orchestration.sensors import identity_review_sensor
from tests.conftest import PipelineRun, failure_messages, run_job

HEADER = "pair_id,record_id_l,record_id_r,decision,reason,decided_by\n"


def _evaluate(instance: DagsterInstance, landing: Path, cursor: str | None = None):
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"landing": LandingResource(landing_dir=str(landing))},
        definitions=defs,
    )
    return identity_review_sensor(context)


def _write_decisions(landing: Path, name: str, rows: str) -> Path:
    path = landing / "identity_reviews" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_definitions_wire_review_sensor_to_job():
    sensor = defs.resolve_sensor_def("identity_review_sensor")

    assert sensor.job_name == "identity_review_job"
    assert defs.resolve_job_def("identity_review_job") is not None


def test_review_sensor_requests_run_per_change(tmp_path: Path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "sessions.csv").write_text("session_id,started_at\n", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        other_folders_only = _evaluate(instance, landing)

        _write_decisions(landing, "ana.csv", ",hubspot:1,slack:U1,must_link,,ana\n")
        first = _evaluate(instance, landing)
        unchanged = _evaluate(instance, landing, first.cursor)

        second_file = _write_decisions(landing, "bo.csv", ",events:r1,product:s1,cannot_link,,bo\n")
        later = time.time() + 5
        os.utime(second_file, (later, later))
        second = _evaluate(instance, landing, first.cursor)

    assert isinstance(other_folders_only, SkipReason)
    assert isinstance(first, SensorResult)
    assert first.run_requests is not None
    assert len(first.run_requests) == 1
    assert isinstance(first.run_requests[0], RunRequest)
    assert first.run_requests[0].tags["landing_files_changed"] == "1"
    assert isinstance(unchanged, SkipReason)
    assert isinstance(second, SensorResult)
    assert second.run_requests is not None
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def _query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


@pytest.mark.slow
def test_review_job_applies_dropped_decision(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)
    queue = _query(warehouse, "select * from identity.review_queue order by review_rank")
    apart = queue[~queue["same_person"]]
    assert not apart.empty, "the simulated run queued no pair of two people"
    pair = apart.iloc[0]
    members_before = _query(warehouse, "select count(*) as n from marts.dim_members")["n"][0]
    landing = tmp_path / "landing"
    _write_decisions(
        landing,
        "decisions.csv",
        f"{pair['pair_id']},{pair['record_id_l']},{pair['record_id_r']},must_link,same,ana\n",
    )

    with DagsterInstance.ephemeral() as instance:
        request = _evaluate(instance, landing)
    assert isinstance(request, SensorResult)
    result = run_job("identity_review_job", landing, warehouse)

    assert result.success, failure_messages(result)
    clusters = _query(warehouse, "select record_id, person_id from identity.person_clusters")
    person_of = dict(zip(clusters["record_id"], clusters["person_id"], strict=True))
    merged = person_of[pair["record_id_l"]]
    assert person_of[pair["record_id_r"]] == merged
    # The marts follow in the same run: the two members are now one.
    members = _query(warehouse, "select person_id, record_count from marts.dim_members")
    assert len(members) == members_before - 1
    record_count = members.loc[members["person_id"] == merged, "record_count"]
    assert record_count.tolist() == [int((clusters["person_id"] == merged).sum())]
    statuses = _query(warehouse, "select status from identity.review_decisions")
    assert statuses["status"].tolist() == ["applied"]
