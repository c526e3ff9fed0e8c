"""A landing folder without any person-bearing source still resolves (to nothing)."""

import duckdb
import pandas as pd

from ml.identity import IdentityConfig, assign_accounts, resolve_people
from ml.identity.prepare import PERSON_COLUMNS, REQUIRED_COLUMNS
from ml.io import replace_table

RECORD_COLUMNS = [*REQUIRED_COLUMNS, *PERSON_COLUMNS]


def test_resolve_people_empty_records_gives_empty_frames():
    records = pd.DataFrame({column: pd.Series(dtype=object) for column in RECORD_COLUMNS})

    result = resolve_people(records, IdentityConfig())
    accounts = assign_accounts(records, result.clusters)

    assert result.clusters.empty
    assert list(result.clusters.columns) == [
        "record_id",
        "person_id",
        "match_probability",
        "matched_by",
    ]
    assert result.metrics["people"] == 0
    assert accounts.empty
    assert list(accounts.columns) == ["person_id", "account_id", "account_domain", "matched_by"]


def test_empty_accounts_write_as_text_columns():
    records = pd.DataFrame({column: pd.Series(dtype=object) for column in RECORD_COLUMNS})
    result = resolve_people(records, IdentityConfig())
    accounts = assign_accounts(records, result.clusters)
    con = duckdb.connect()

    replace_table(con, "identity", "person_accounts", accounts)
    types = con.execute(
        "select data_type from information_schema.columns where table_name = 'person_accounts'"
    ).fetchall()

    assert types == [("VARCHAR",)] * 4
