"""An opportunity whose account is missing from the export is counted by a dbt warning."""

from pathlib import Path

import duckdb

from ingest import load_source
from tests.dbt.dbt_runner import run_dbt
from tests.ingest.conftest import write

ACCOUNTS = """\
id,name,website,created_date,is_deleted
001A,Acme,https://www.acme.example/,2025-01-05T10:00:00Z,false
"""
# 006B1 names an account that is not in the export (quarantined, say, or filtered out).
OPPORTUNITIES = """\
id,account_id,name,type,stage_name,is_won,is_closed,amount,currency_iso_code,created_date,close_date,is_deleted
006A1,001A,Platform,New Business,Closed Won,true,true,12000,USD,2025-02-01,2025-03-15,false
006B1,001B,Pilot,New Business,Closed Won,true,true,8000,USD,2025-03-01,2025-04-30,false
"""


def test_opportunity_without_account_warns(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "salesforce" / "sf_account.csv", ACCOUNTS)
    write(landing / "salesforce" / "sf_opportunity.csv", OPPORTUNITIES)
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "salesforce")
        # The identity asset writes this table before dbt builds the revenue models.
        con.execute("create schema identity")
        con.execute(
            "create table identity.person_accounts (person_id varchar, account_id varchar, "
            "account_domain varchar, matched_by varchar)"
        )

    completed = run_dbt(
        ["build", "--select", "+fct_opportunities", "--indirect-selection", "cautious"], warehouse
    )

    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "WARN 1 not_null_fct_opportunities_account_id" in completed.stdout
