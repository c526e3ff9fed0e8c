"""The one Definitions object: assets, checks, jobs, schedules, sensors and resources."""

from dagster import Definitions, in_process_executor
from dagster_dbt import DbtCliResource

from orchestration.assets.attribution import (
    attribution_credits,
    attribution_sensitivity,
    attribution_timing_credit,
)
from orchestration.assets.dbt import DBT_EXECUTABLE, dbt_models, dbt_project
from orchestration.assets.forecasting import revenue_forecast
from orchestration.assets.governance import model_review
from orchestration.assets.identity import identity_resolution
from orchestration.assets.raw import raw_assets
from orchestration.assets.scoring import member_scoring
from orchestration.assets.serving import build_published_warehouse, dashboards
from orchestration.assets.windows import conversion_windows
from orchestration.checks.expectations import expectation_checks
from orchestration.checks.reconciliation import credits_sum_to_revenue
from orchestration.jobs import demo_job, identity_review_job, model_review_job, raw_load_job
from orchestration.resources import LandingResource, ServingResource, WarehouseResource
from orchestration.schedules import daily_refresh_schedule, weekly_model_review_schedule
from orchestration.sensors import (
    feedback_file_sensor,
    identity_review_sensor,
    landing_file_sensor,
)

# Every asset that writes the warehouse; the published copy is made after all of them.
pipeline_assets = [
    *raw_assets,
    dbt_models,
    identity_resolution,
    attribution_credits,
    attribution_sensitivity,
    attribution_timing_credit,
    revenue_forecast,
    conversion_windows,
    member_scoring,
    model_review,
]

defs = Definitions(
    assets=[
        *pipeline_assets,
        dashboards,
        build_published_warehouse([*pipeline_assets, dashboards]),
    ],
    asset_checks=[*expectation_checks, credits_sum_to_revenue],
    jobs=[demo_job, raw_load_job, model_review_job, identity_review_job],
    schedules=[daily_refresh_schedule, weekly_model_review_schedule],
    sensors=[landing_file_sensor, feedback_file_sensor, identity_review_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "landing": LandingResource(),
        "serving": ServingResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    },
    # DuckDB allows one writer per file, so steps run one at a time anyway. Running them in
    # one process also saves each step the seconds of importing Dagster, dbt and Splink.
    executor=in_process_executor,
)
