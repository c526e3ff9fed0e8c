"""The dbt project as Dagster assets: staging, intermediate and marts, with their tests."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from orchestration.resources import WarehouseResource
from orchestration.translator import SchemaTranslator

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

# The dbt command installed beside this interpreter, so the virtual environment need not be on
# PATH (the Makefile calls .venv/bin/dagster directly).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=SchemaTranslator())
def dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Build the selected dbt seeds, models and tests against the warehouse file."""
    # profiles.yml reads the path from this variable; dbt runs as a child process.
    os.environ["CRM_DUCKDB_PATH"] = str(warehouse.path.resolve())
    # DuckDB creates the file but not its folder, and the seeds may be the first step of a run
    # to open the warehouse (`make run CRM_DUCKDB_PATH=data/real.duckdb` in a fresh clone).
    warehouse.path.resolve().parent.mkdir(parents=True, exist_ok=True)
    # Dagster runs the project in several steps around the Python assets. A test that spans two
    # models (a relationships test) must wait for the step that builds the later one. dbt's
    # default, eager selection would run it as soon as either model is selected.
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    yield from dbt.cli(["build"], context=context).stream()
