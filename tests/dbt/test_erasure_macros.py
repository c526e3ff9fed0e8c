"""The erasure macros (macros/erasure.sql) on hand-made values, through `dbt show`."""

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from ml.identity.prepare import normalize_email
from tests.dbt.dbt_runner import DBT_PROJECT, run_dbt

EMAILS = [
    "Jane.Doe@Acme.com",
    " jane.doe+billing@acme.com ",
    "mailto:Bob@Initech.com",
    "A.B.C+x@GoogleMail.com",
    "a.b.c@gmail.com",
    "first.last@sub.example.co.uk",
    "odd@local@acme.com",
    "not-an-email",
    "nobody@localhost",
    "+tag@acme.com",
]
# Rows: (record id, email, handle). The erasure list contains the hashes of one record id,
# one email and one handle.
ERASED = [("record_id", "slack:U1"), ("email", "bob@initech.com"), ("handle", "discourse:carol")]
ROWS = [
    ("slack:U1", None, None),
    ("slack:U2", "Bob+news@Initech.com", None),
    ("slack:U3", None, "discourse:carol"),
    ("slack:U4", "dan@acme.com", "discourse:dan"),
    (None, None, None),
]


def _sql_literal(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def _dbt_show(sql: str, warehouse: Path) -> list[dict[str, object]]:
    arguments = ["show", "--inline", sql, "--limit", "100", "--output", "json"]
    completed = run_dbt([*arguments, "--log-format", "json"], warehouse)
    assert completed.returncode == 0, completed.stdout[-3000:]
    for line in completed.stdout.splitlines():
        event = json.loads(line)
        if event["info"]["name"] == "ShowNode":
            return json.loads(event["data"]["preview"])
    raise AssertionError(f"dbt show printed no rows: {completed.stdout[-3000:]}")


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    warehouse = tmp_path_factory.mktemp("macros") / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create schema identity; create table identity.erased_records "
            "(key_type varchar, key_sha256 varchar, request_id varchar, erased_at timestamptz)"
        )
        for key_type, key in ERASED:
            digest = hashlib.sha256(key.encode()).hexdigest()
            con.execute(
                "insert into identity.erased_records values (?, ?, 'ER1', now())",
                [key_type, digest],
            )
    emails = ", ".join(f"('email', {_sql_literal(e)}, null, null)" for e in EMAILS)
    rows = ", ".join(
        f"('row', {_sql_literal(r)}, {_sql_literal(e)}, {_sql_literal(h)})" for r, e, h in ROWS
    )
    sql = (
        "select kind, a, b, c, {{ normalized_email('a') }} as normalized, "
        "{{ is_erased(record_id='a', email='b', handle='c') }} as erased "
        f"from (values {emails}, {rows}) as t(kind, a, b, c)"
    )
    return _dbt_show(sql, warehouse)


@pytest.mark.parametrize("email", EMAILS)
def test_normalized_email_matches_python(shown: list[dict[str, object]], email: str) -> None:
    (row,) = [r for r in shown if r["kind"] == "email" and r["a"] == email]
    assert row["normalized"] == normalize_email(email)


def test_is_erased_by_each_key(shown: list[dict[str, object]]) -> None:
    erased = {r["a"]: r["erased"] for r in shown if r["kind"] == "row"}
    assert erased == {
        "slack:U1": True,
        "slack:U2": True,
        "slack:U3": True,
        "slack:U4": False,
        None: False,
    }


# Staging models that mention emails or handles but hold no person's clear-text identifier:
# erasure requests keep only a hash, and person consent counts emails without naming them.
NO_PERSONAL_IDENTIFIERS = {"stg_privacy__erasure_requests", "stg_identity__person_consent"}


def test_staging_with_identifiers_filters_erased():
    # A staging model that carries an email or handle must drop erased people's rows, or
    # their identifiers would reach every model built on it.
    unfiltered = []
    for path in sorted((DBT_PROJECT / "models" / "staging").glob("*/*.sql")):
        sql = path.read_text(encoding="utf-8").lower()
        carries_identifier = "email" in sql or "handle" in sql
        if carries_identifier and path.stem not in NO_PERSONAL_IDENTIFIERS:
            if "is_erased(" not in sql:
                unfiltered.append(path.stem)
    assert unfiltered == []
