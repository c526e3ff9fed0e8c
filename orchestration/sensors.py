"""Sensors: start the raw loads, the model review or the identity review run on new files."""

import hashlib
import json

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from ingest import SOURCES
from ingest.files import snapshot_landing
from ingest.registry import FEEDBACK, IDENTITY_REVIEWS
from orchestration.jobs import identity_review_job, model_review_job
from orchestration.resources import LandingResource

LANDING_POLL_SECONDS = 60
# Folders whose own sensor requests a job that loads them. The landing sensor leaves them out,
# so one new file does not start two runs that both write the warehouse.
OWN_SENSOR_FOLDERS = frozenset({IDENTITY_REVIEWS.folder})


@sensor(
    name="landing_file_sensor",
    target=AssetSelection.groups("raw"),
    minimum_interval_seconds=LANDING_POLL_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Requests a run of the raw assets when a landing file is new or has changed; files in "
        "landing/identity_reviews are left to identity_review_sensor."
    ),
)
def landing_file_sensor(
    context: SensorEvaluationContext, landing: LandingResource
) -> SensorResult | SkipReason:
    """Compare the landing files with the cursor (path to modification time and size).

    A deleted file requests nothing, because the loaders keep the rows of deleted files.
    """
    folders = [spec.folder for spec in SOURCES.values() if spec.folder not in OWN_SENSOR_FOLDERS]
    return _request_for_changes(context, landing, folders)


def _request_for_changes(
    context: SensorEvaluationContext, landing: LandingResource, folders: list[str]
) -> SensorResult | SkipReason:
    """Request one run when files in `folders` are new or changed since the cursor."""
    previous: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    current = snapshot_landing(landing.path, folders)
    changed = sorted(path for path, signature in current.items() if previous.get(path) != signature)
    if not changed:
        return SkipReason(f"no new or changed files among {len(current)} in {landing.path}")

    changes = json.dumps({path: current[path] for path in changed}, sort_keys=True)
    run_key = hashlib.sha256(changes.encode("utf-8")).hexdigest()[:32]
    context.log.info("%s new or changed landing files, first %s", len(changed), changed[0])
    return SensorResult(
        run_requests=[
            RunRequest(run_key=run_key, tags={"landing_files_changed": str(len(changed))})
        ],
        cursor=json.dumps(current, sort_keys=True),
    )


@sensor(
    name="feedback_file_sensor",
    job=model_review_job,
    minimum_interval_seconds=LANDING_POLL_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Requests a model review run when a feedback file in landing/feedback is new or has "
        "changed, so the feedback labels and review counts follow it."
    ),
)
def feedback_file_sensor(
    context: SensorEvaluationContext, landing: LandingResource
) -> SensorResult | SkipReason:
    """Compare the feedback files with the cursor and request `model_review_job` on a change."""
    return _request_for_changes(context, landing, [FEEDBACK.folder])


@sensor(
    name="identity_review_sensor",
    job=identity_review_job,
    minimum_interval_seconds=LANDING_POLL_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Requests an identity review run when a decision file in landing/identity_reviews is "
        "new or has changed, so the decisions reach the identity tables and everything built "
        "on them without waiting for the daily refresh."
    ),
)
def identity_review_sensor(
    context: SensorEvaluationContext, landing: LandingResource
) -> SensorResult | SkipReason:
    """Compare the decision files with the cursor and request `identity_review_job` on a change.

    A deleted decision file requests nothing, because its rows stay loaded and in effect.
    """
    return _request_for_changes(context, landing, [IDENTITY_REVIEWS.folder])


sensors = [landing_file_sensor, feedback_file_sensor, identity_review_sensor]
