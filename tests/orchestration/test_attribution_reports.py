"""The attribution report assets on a copy of the demo run's warehouse."""

import logging
import shutil
from pathlib import Path

import duckdb
import pydantic
import pytest
from dagster import materialize

from orchestration.assets.attribution import (
    TimingRunConfig,
    attribution_credits,
    attribution_sensitivity,
)
from orchestration.resources import WarehouseResource
from tests.conftest import PipelineRun

pytestmark = pytest.mark.slow


def _read(warehouse: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_reports_without_opportunities_keep_other_models(
    simulated_run: PipelineRun, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(simulated_run.warehouse, warehouse)
    # Without opportunity_created conversions the timing model has no events to fit, as in a
    # CRM export that only has closed deals.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "delete from marts.fct_conversions where conversion_type = 'opportunity_created'"
        )
        con.execute(
            "delete from marts.fct_conversion_people where conversion_id not in "
            "(select conversion_id from marts.fct_conversions)"
        )
    thresholds = _read(
        warehouse, "select count(distinct threshold) from attribution.threshold_sensitivity"
    )[0][0]

    with caplog.at_level(logging.WARNING, logger="ml.attribution"):
        result = materialize(
            [attribution_credits, attribution_sensitivity],
            resources={"warehouse": WarehouseResource(database_path=str(warehouse))},
        )

    assert result.success
    sensitivity = _read(
        warehouse,
        "select model, count(distinct threshold) from attribution.threshold_sensitivity "
        "group by model",
    )
    assert sensitivity == [("counterfactual", thresholds)]
    consent_models = {
        row[0] for row in _read(warehouse, "select distinct model from attribution.consent_shift")
    }
    assert "timing" not in consent_models
    assert {"linear", "counterfactual"} <= consent_models
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING
        and "timing model rows are absent" in record.getMessage()
    ]
    assert len(warnings) == 3
    assert sum("threshold sensitivity" in message for message in warnings) == 1
    assert sum("consent report" in message for message in warnings) == 1
    assert sum("experiment comparison" in message for message in warnings) == 1
    assert all("no opportunity_created conversion" in message for message in warnings)
    comparison_models = {
        row[0]
        for row in _read(warehouse, "select distinct model from attribution.experiment_comparison")
    }
    assert "timing" not in comparison_models
    assert "counterfactual" in comparison_models
    metadata = {
        event.asset_key.path[-1]: event.event_specific_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert metadata["threshold_sensitivity"]["thresholds_with_timing"].value == []
    assert metadata["consent_shift"]["timing_model_included"].value is False
    assert metadata["experiment_comparison"]["timing_model_included"].value is False


@pytest.mark.parametrize("samples", [-1, -100])
def test_timing_run_config_rejects_negative_samples(samples):
    # Checked when the step starts, before the timing model reads the warehouse.
    with pytest.raises(pydantic.ValidationError, match="timing_bootstrap_samples"):
        TimingRunConfig(timing_bootstrap_samples=samples)


def test_timing_run_config_accepts_zero_samples():
    assert TimingRunConfig(timing_bootstrap_samples=0).timing_bootstrap_samples == 0
