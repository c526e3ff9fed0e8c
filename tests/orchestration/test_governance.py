"""Governance wiring: the feedback sensor, the review job, and the tables a demo run leaves."""

import os
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import (
    DagsterInstance,
    SensorResult,
    SkipReason,
    build_sensor_context,
    materialize,
)

from orchestration.assets.governance import model_review
from orchestration.assets.scoring import member_scoring
from orchestration.definitions import defs
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.sensors import feedback_file_sensor
from tests.conftest import PipelineRun, failure_messages, run_job

FEEDBACK_CSV = (
    "feedback_id,submitted_at,submitted_by,feedback_type,person_email,deal_id,account_domain,"
    "comment\nF1,2025-03-01T10:00:00Z,ae,score_wrong,jane@acme.io,,,too low\n"
)


def _evaluate(instance: DagsterInstance, landing: Path, cursor: str | None):
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"landing": LandingResource(landing_dir=str(landing))},
        definitions=defs,
    )
    return feedback_file_sensor(context)


def test_definitions_have_review_job_schedule_sensor():
    assert defs.resolve_job_def("model_review_job") is not None
    schedule = defs.resolve_schedule_def("weekly_model_review")
    assert schedule.cron_schedule == "0 7 * * 1"
    assert schedule.job_name == "model_review_job"
    assert defs.resolve_sensor_def("feedback_file_sensor").job_name == "model_review_job"


def test_feedback_sensor_requests_a_review_per_new_file(tmp_path: Path):
    landing = tmp_path / "landing"
    (landing / "web").mkdir(parents=True)
    (landing / "web" / "sessions.csv").write_text("session_id,started_at\n", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        nothing = _evaluate(instance, landing, None)
        assert isinstance(nothing, SkipReason)

        (landing / "feedback").mkdir()
        (landing / "feedback" / "feedback_1.csv").write_text(FEEDBACK_CSV, encoding="utf-8")
        first = _evaluate(instance, landing, None)
        assert isinstance(first, SensorResult)
        assert len(first.run_requests) == 1
        assert first.run_requests[0].tags["landing_files_changed"] == "1"

        unchanged = _evaluate(instance, landing, first.cursor)
        assert isinstance(unchanged, SkipReason)

        second_file = landing / "feedback" / "feedback_2.csv"
        second_file.write_text(FEEDBACK_CSV.replace("F1", "F2"), encoding="utf-8")
        later = time.time() + 5
        os.utime(second_file, (later, later))
        second = _evaluate(instance, landing, first.cursor)
        assert isinstance(second, SensorResult)
        assert second.run_requests[0].run_key != first.run_requests[0].run_key


def _query(run: PipelineRun, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        return con.execute(sql).df()


@pytest.mark.slow
def test_demo_run_registers_one_champion(simulated_run: PipelineRun):
    registry = _query(
        simulated_run, "select model_name, version, status, auc from governance.model_registry"
    )
    [scoring] = [
        event.event_specific_data.materialization.metadata
        for event in simulated_run.result.get_asset_materialization_events()
        if event.asset_key.path == ["governance", "model_registry"]
    ]

    assert registry["model_name"].tolist() == ["conversion_propensity"]
    assert registry["status"].tolist() == ["champion"]
    assert registry["version"].iloc[0] == scoring["version"].value
    assert scoring["newly_registered"].value is True


@pytest.mark.slow
def test_demo_review_on_training_data_flags_no_decay(simulated_run: PipelineRun):
    reviews = _query(simulated_run, "select * from governance.model_reviews")

    assert len(reviews) == 1
    review = reviews.iloc[0]
    assert review["auc"] == pytest.approx(review["registered_auc"])
    assert review["max_psi"] == pytest.approx(0.0, abs=1e-9)
    flags = set(filter(None, review["flags"].split(",")))
    assert not flags & {"auc_decay", "brier_decay", "calibration_decay", "feature_drift"}
    assert review["feedback_score_wrong"] + review["feedback_score_right"] > 0


@pytest.mark.slow
def test_demo_bias_metrics_cover_three_dimensions(simulated_run: PipelineRun):
    bias = _query(simulated_run, "select dimension, group_value, rows from governance.bias_metrics")
    reviewed_rows = _query(simulated_run, "select rows from governance.model_reviews")["rows"][0]

    assert set(bias["dimension"]) == {"segment", "source", "region"}
    assert set(bias.groupby("dimension")["rows"].sum()) == {reviewed_rows}
    assert {"NA", "EMEA"} <= set(bias.loc[bias["dimension"] == "region", "group_value"])


@pytest.mark.slow
def test_demo_deal_feedback_overrides_influence_flag(simulated_run: PipelineRun):
    labels = _query(
        simulated_run,
        "select reviewed.*, feedback.feedback_type from marts.fct_community_influence_reviewed "
        "as reviewed left join marts.fct_model_feedback as feedback using (feedback_id)",
    )
    from_feedback = labels[labels["influence_label_source"] == "feedback"]
    from_rule = labels[labels["influence_label_source"] == "rule"]

    assert len(from_feedback) > 0
    stated = from_feedback["feedback_type"] == "deal_community_influenced"
    assert (from_feedback["is_community_influenced"] == stated).all()
    assert (from_rule["is_community_influenced"] == from_rule["rule_is_community_influenced"]).all()
    disagreeing = (
        from_feedback["feedback_is_community_influenced"]
        != from_feedback["rule_is_community_influenced"]
    )
    assert (from_feedback["feedback_disagrees_with_rule"] == disagreeing).all()
    # The simulator plants mistaken statements, so some feedback overturns the rule.
    assert disagreeing.any()


@pytest.mark.slow
def test_demo_score_feedback_resolves_to_persons(simulated_run: PipelineRun):
    feedback = _query(simulated_run, "select * from marts.fct_model_feedback")
    truth = pd.read_csv(simulated_run.truth_dir / "feedback.csv", dtype=str)
    landed = pd.read_csv(simulated_run.landing_dir / "feedback" / "feedback.csv", dtype=str)

    assert len(feedback) == len(landed)
    score = feedback[feedback["feedback_type"].isin(["score_wrong", "score_right"])]
    assert (score["resolution"] == "resolved").mean() >= 0.8
    deals = feedback[~feedback.index.isin(score.index)]
    assert (deals["resolution"] == "resolved").all()
    assert set(truth["feedback_id"]) == set(feedback["feedback_id"])


@pytest.mark.slow
def test_new_score_complaints_flag_the_next_review(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)
    landing = tmp_path / "landing"
    shutil.copytree(simulated_run.landing_dir / "feedback", landing / "feedback")
    before = _query(simulated_run, "select * from governance.model_reviews").iloc[0]
    # The mart drops emails, so the resolved subjects' emails come from the raw file rows.
    emails = _query(
        simulated_run,
        "select distinct lower(trim(raw.person_email)) as email "
        "from marts.fct_model_feedback as feedback "
        "inner join raw.feedback_submissions as raw using (feedback_id) "
        "where feedback.resolution = 'resolved' and feedback.person_id is not null "
        "order by 1 limit 12",
    )["email"]
    rows = [
        f"NEW{index},2026-06-20T10:00:00Z,csm@vendor.example,score_wrong,{email},,,too high"
        for index, email in enumerate(emails)
    ]
    (landing / "feedback" / "feedback_new.csv").write_text(
        FEEDBACK_CSV.splitlines()[0] + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )

    result = run_job("model_review_job", landing, warehouse)

    assert result.success, failure_messages(result)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reviews = con.execute("select * from governance.model_reviews").df()
    assert len(reviews) == 1
    after = reviews.iloc[0]
    assert after["feedback_score_wrong"] == before["feedback_score_wrong"] + len(emails)
    assert after["feedback_score_right"] == before["feedback_score_right"]
    assert "feedback_score_wrong" in after["flags"].split(",")
    assert after["auc"] == pytest.approx(before["auc"])


@pytest.mark.slow
def test_rescoring_same_data_registers_nothing(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)

    result = materialize(
        [member_scoring], resources={"warehouse": WarehouseResource(database_path=str(warehouse))}
    )

    assert result.success
    [metadata] = [
        event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key.path == ["governance", "model_registry"]
    ]
    assert metadata["newly_registered"].value is False
    assert metadata["rows"].value == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from governance.model_artifacts").fetchone() == (1,)


@pytest.mark.slow
def test_review_flags_drift_planted_in_marts(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        # Keep one activity in four, as if most sources stopped exporting: counts collapse.
        con.execute(
            "delete from marts.fct_activities where hash(activity_id) % 4 <> 0 "
            "and occurred_at < (select max(occurred_at) from marts.fct_activities)"
        )

    result = materialize(
        [model_review], resources={"warehouse": WarehouseResource(database_path=str(warehouse))}
    )

    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        review = con.execute("select * from governance.model_reviews").df().iloc[0]
    assert "feature_drift" in review["flags"].split(",")
    assert review["max_psi"] > 0.2
    assert review["drifted_features"] != ""
