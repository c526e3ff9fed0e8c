"""The demo job on a landing folder holding Salesforce exports in place of HubSpot."""

from pathlib import Path

import duckdb
import pytest

from tests.conftest import failure_messages, run_demo_job

pytestmark = pytest.mark.slow

# Fivetran Salesforce tables, with only the columns staging reads (the loaders keep any other).
ACCOUNTS = """\
id,name,website,industry,billing_country,type,created_date,is_deleted
001A,Acme,https://www.acme.example/about,Software,US,Customer,2025-01-05T10:00:00Z,false
001B,Globex,globex.example,Energy,DE,Prospect,2025-01-06T10:00:00Z,false
001D,Gone,gone.example,,,,2025-01-07T10:00:00Z,true
"""
CONTACTS = """\
id,account_id,email,first_name,last_name,title,created_date,is_deleted
003A1,001A,ada@acme.example,Ada,Lovelace,CTO,2025-01-10T09:00:00Z,false
003B1,001B,grace@globex.example,Grace,Hopper,VP Engineering,2025-01-11T09:00:00Z,false
"""
LEADS = """\
id,email,first_name,last_name,company,created_date,is_converted,converted_contact_id,is_deleted
00Q1,Ada@Acme.example,Ada,Lovelace,Acme,2025-01-02T09:00:00Z,true,003A1,false
"""
# Row 5 is deleted in Salesforce. Rows 6 and 7 break loader rules, so they are quarantined:
# row 6 has an amount that is not a number, row 7 an amount without its currency.
OPPORTUNITY_COLUMNS = [
    "id", "account_id", "name", "type", "stage_name", "is_won", "is_closed", "amount",
    "currency_iso_code", "created_date", "close_date", "is_deleted",
]  # fmt: skip
OPPORTUNITIES = (
    ",".join(OPPORTUNITY_COLUMNS)
    + """
006A1,001A,Platform,New Customer,Closed Won,true,true,12000,USD,2025-02-01,2025-03-15,false
006A2,001A,Seat,Existing Customer - Upgrade,Signed,true,true,3000.50,usd,2025-04-01,2025-05-01,false
006B1,001B,Pilot,New Business,Negotiation/Review,false,false,8000,EUR,2025-03-01,2026-01-31,false
006B2,001B,Lost,,Closed Lost,false,true,5000,EUR,2025-02-10,2025-04-30,false
006A3,001A,Deleted,New Customer,Closed Won,true,true,999,USD,2025-02-01,2025-02-20,true
006A4,001A,Typo,New Customer,Closed Won,true,true,"12,000",USD,2025-02-01,2025-02-20,false
006A5,001A,No currency,New Customer,Closed Won,true,true,500,,2025-02-01,2025-02-20,false
"""
)


@pytest.fixture(scope="module")
def salesforce_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("salesforce")
    folder = root / "landing" / "salesforce"
    folder.mkdir(parents=True)
    for name, text in [
        ("sf_account.csv", ACCOUNTS),
        ("sf_contact.csv", CONTACTS),
        ("sf_lead.csv", LEADS),
        ("sf_opportunity.csv", OPPORTUNITIES),
    ]:
        (folder / name).write_text(text, encoding="utf-8")
    result = run_demo_job(root / "landing", root / "warehouse.duckdb")
    assert result.success, failure_messages(result)
    return root / "warehouse.duckdb"


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_salesforce_opportunities_reach_fct_opportunities(salesforce_warehouse: Path) -> None:
    rows = _query(
        salesforce_warehouse,
        "select opportunity_id, source, deal_type, deal_stage, is_won, is_closed, "
        "cast(amount as double), currency, cast(closed_at as date) "
        "from marts.fct_opportunities order by opportunity_id",
    )

    assert [row[0] for row in rows] == ["006A1", "006A2", "006B1", "006B2"]
    assert {row[1] for row in rows} == {"salesforce"}
    # 006A2's stage is a custom one: IsWon and IsClosed decide, not the stage name.
    assert rows[1][2:6] == ("existingbusiness", "Signed", True, True)
    assert rows[2][2:6] == ("newbusiness", "Negotiation/Review", False, False)
    assert rows[3][2:6] == ("newbusiness", "Closed Lost", False, True)
    assert [row[6] for row in rows] == [12000.0, 3000.5, 8000.0, 5000.0]
    assert [row[7] for row in rows] == ["USD", "USD", "EUR", "EUR"]
    assert str(rows[0][8]) == "2025-03-15"


def test_salesforce_opportunities_get_their_account(salesforce_warehouse: Path) -> None:
    rows = _query(
        salesforce_warehouse,
        "select opportunities.opportunity_id, accounts.account_domain, accounts.company_name, "
        "accounts.is_customer "
        "from marts.fct_opportunities as opportunities "
        "left join marts.dim_accounts as accounts using (account_id) "
        "order by opportunities.opportunity_id",
    )

    assert rows == [
        ("006A1", "acme.example", "Acme", True),
        ("006A2", "acme.example", "Acme", True),
        ("006B1", "globex.example", "Globex", False),
        ("006B2", "globex.example", "Globex", False),
    ]


def test_salesforce_opportunities_reach_fct_conversions(salesforce_warehouse: Path) -> None:
    rows = _query(
        salesforce_warehouse,
        "select conversion_id, conversion_type, cast(revenue as double), currency "
        "from marts.fct_conversions order by conversion_id",
    )

    assert rows == [
        ("opportunity:006A1", "opportunity_created", 12000.0, "USD"),
        ("opportunity:006A2", "opportunity_created", 3000.5, "USD"),
        ("opportunity:006B1", "opportunity_created", 8000.0, "EUR"),
        ("opportunity:006B2", "opportunity_created", 5000.0, "EUR"),
        ("won:006A1", "closed_won", 12000.0, "USD"),
        ("won:006A2", "expansion", 3000.5, "USD"),
    ]


def test_salesforce_bad_rows_are_quarantined(salesforce_warehouse: Path) -> None:
    rows = _query(
        salesforce_warehouse,
        "select _file, _row_number, field, value, reason from quarantine.rejected_rows "
        "where table_name = 'salesforce_opportunities' order by _row_number",
    )

    assert [row[:4] for row in rows] == [
        ("salesforce/sf_opportunity.csv", 6, "amount", "12,000"),
        ("salesforce/sf_opportunity.csv", 7, "amount", "500"),
    ]
    assert "currency_iso_code" in rows[1][4]


def test_converted_lead_joins_its_contact(salesforce_warehouse: Path) -> None:
    rows = _query(
        salesforce_warehouse,
        "select record_id, person_id from identity.person_clusters "
        "where record_id in ('salesforce:003A1', 'salesforce:00Q1', 'salesforce:003B1') "
        "order by record_id",
    )

    people = dict(rows)
    assert set(people) == {"salesforce:003A1", "salesforce:00Q1", "salesforce:003B1"}
    assert people["salesforce:003A1"] == people["salesforce:00Q1"]
    assert people["salesforce:003A1"] != people["salesforce:003B1"]
