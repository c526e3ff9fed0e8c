"""The committed Salesforce connector sample through the loaders and the Salesforce staging."""

import csv
from pathlib import Path

import duckdb

from ingest import load_source
from tests.dbt.dbt_runner import run_dbt
from tests.ingest.conftest import copy_sample


def _build_salesforce_staging(landing: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "salesforce")
    completed = run_dbt(["build", "--select", "path:models/staging/salesforce"], warehouse)
    assert completed.returncode == 0, completed.stdout[-3000:]


def _count(warehouse: Path, sql: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_sample_staging_drops_deleted_records(tmp_path: Path) -> None:
    # In the sample, all 10 opportunities and 8 of the 9 accounts have is_deleted true. The 4
    # contacts leave it blank, and the lead has FALSE.
    landing = tmp_path / "landing"
    copy_sample(landing, "salesforce")
    warehouse = tmp_path / "warehouse.duckdb"

    _build_salesforce_staging(landing, warehouse)

    assert _count(warehouse, "select count(*) from raw.salesforce_opportunities") == (10,)
    assert _count(warehouse, "select count(*) from staging.stg_salesforce__opportunities") == (0,)
    assert _count(warehouse, "select company_id from staging.stg_salesforce__accounts") == (
        "0015500000Xyy06AAB",
    )
    assert _count(warehouse, "select count(*) from staging.stg_salesforce__contacts") == (4,)
    assert _count(warehouse, "select count(*) from staging.stg_salesforce__leads") == (1,)


def test_sample_opportunities_cast_when_not_deleted(tmp_path: Path) -> None:
    # The sample's opportunities are all deleted, so this copy sets is_deleted to false to run
    # staging's casts on every real value. Stage names and types are hashed in the sample, so
    # IsWon and IsClosed decide, and every type counts as new business. Won: 5 of 10.
    # Closed: 9. Amounts: 24,120,000 + 200,000 + 1 + 210,000 on the 4 rows that have one.
    landing = tmp_path / "landing"
    folder = copy_sample(landing, "salesforce")
    path = folder / "sf_opportunity.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        rows = [{**row, "is_deleted": "false"} for row in reader]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    warehouse = tmp_path / "warehouse.duckdb"

    _build_salesforce_staging(landing, warehouse)

    summary = _count(
        warehouse,
        "select count(*), count(*) filter (where is_won), count(*) filter (where is_closed), "
        "cast(sum(amount) as double), count(amount), string_agg(distinct currency, ','), "
        "string_agg(distinct deal_type, ','), count(closed_at), count(created_at) "
        "from staging.stg_salesforce__opportunities",
    )
    assert summary == (10, 5, 9, 24_530_001.0, 4, "USD", "newbusiness", 10, 10)
