"""Sensors: start the raw loads when files arrive or change in the landing folder."""

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
from orchestration.resources import LandingResource

LANDING_POLL_SECONDS = 60


@sensor(
    name="landing_file_sensor",
    target=AssetSelection.groups("raw"),
    minimum_interval_seconds=LANDING_POLL_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description="Requests a run of the raw assets when a landing file is new or has changed.",
)
def landing_file_sensor(
    context: SensorEvaluationContext, landing: LandingResource
) -> SensorResult | SkipReason:
    """Compare the landing files with the cursor (path to modification time and size).

    A deleted file requests nothing, because the loaders keep the rows of deleted files.
    """
    previous: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    current = snapshot_landing(landing.path, [spec.folder for spec in SOURCES.values()])
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


sensors = [landing_file_sensor]
