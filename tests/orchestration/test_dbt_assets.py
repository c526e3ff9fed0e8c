"""The dbt assets against a warehouse path that a fresh clone does not have yet."""

from pathlib import Path

import duckdb
from dagster import AssetKey, materialize
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import DBT_EXECUTABLE, dbt_models, dbt_project
from orchestration.resources import WarehouseResource


def test_dbt_creates_missing_warehouse_folder(tmp_path: Path) -> None:
    # `make run CRM_DUCKDB_PATH=data/real.duckdb` in a fresh clone: `data/` does not exist, and
    # the dbt seeds may be the run's first step to open the warehouse.
    warehouse = tmp_path / "not_yet" / "real.duckdb"
    result = materialize(
        [dbt_models],
        selection=[AssetKey(["seeds", "currency_rates"])],
        resources={
            "warehouse": WarehouseResource(database_path=str(warehouse)),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        },
        raise_on_error=False,
    )
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from seeds.currency_rates").fetchall()
    assert rows[0][0] > 0
