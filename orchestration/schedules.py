"""Schedules: the daily refresh of the whole warehouse and the weekly model review."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from orchestration.jobs import demo_job, model_review_job

# 06:00 UTC, after the nightly connector syncs most tools run. Stopped by default so a
# fresh `make dev` does not start runs on its own; switch it on in the UI.
daily_refresh_schedule = ScheduleDefinition(
    name="daily_refresh",
    job=demo_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
)

# Mondays 07:00 UTC, after that day's refresh has rebuilt the marts the review reads. Stopped
# by default like the daily refresh.
weekly_model_review_schedule = ScheduleDefinition(
    name="weekly_model_review",
    job=model_review_job,
    cron_schedule="0 7 * * 1",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
)
