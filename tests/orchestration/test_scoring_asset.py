"""The member scoring asset, run with a real warehouse resource on hand-made mart rows."""

from pathlib import Path

import duckdb
import pytest
from dagster import ExecuteInProcessResult, materialize

from orchestration.assets.scoring import member_scoring
from orchestration.resources import WarehouseResource

MART_TABLES = """
create schema marts;
create table marts.fct_activities (
    activity_id varchar, person_id varchar, account_id varchar, source varchar,
    activity_type varchar, channel varchar, occurred_at timestamptz
);
create table marts.dim_members (
    person_id varchar, account_id varchar, sources varchar, first_seen_at timestamptz,
    consent_status varchar, consented boolean
);
create table marts.dim_accounts (
    account_id varchar, is_customer boolean, first_won_at timestamptz
);
create table marts.fct_opportunities (
    opportunity_id varchar, account_id varchar, is_closed boolean
);
"""
IDENTITY_TABLES = """
create schema identity;
create table identity.person_clusters (record_id varchar, person_id varchar);
"""
OUTPUT_TYPES = {
    "member_segments": {
        "person_id": "VARCHAR",
        "segment": "VARCHAR",
        "reason": "VARCHAR",
        "consent": "BOOLEAN",
        "consent_basis": "VARCHAR",
        "is_customer": "BOOLEAN",
        "has_open_opportunity": "BOOLEAN",
        "activities_90d": "BIGINT",
        "contributions_90d": "BIGINT",
        "evaluation_signals_30d": "BIGINT",
        "conversion_propensity": "DOUBLE",
        "behaviour_score": "DOUBLE",
        "scored_at": "TIMESTAMP WITH TIME ZONE",
    },
    "next_best_actions": {
        "person_id": "VARCHAR",
        "segment": "VARCHAR",
        "action": "VARCHAR",
        "reason": "VARCHAR",
        "scored_at": "TIMESTAMP WITH TIME ZONE",
    },
    "behaviour_scores": {
        "person_id": "VARCHAR",
        "behaviour_score": "DOUBLE",
        "scored_at": "TIMESTAMP WITH TIME ZONE",
    },
    "behaviour_action_values": {
        "action": "VARCHAR",
        "persons_with_action": "BIGINT",
        "conversion_rate_with": "DOUBLE",
        "conversion_rate_without": "DOUBLE",
        "lift": "DOUBLE",
        "coefficient": "DOUBLE",
        "points": "DOUBLE",
    },
}


def _advocate_warehouse(path: Path) -> None:
    """Three people with the same three contributions in chat and forum in June 2026.

    p1 granted consent, p2 has no consent record, and p3 withdrew consent. Erasure is not
    set up here: identity removes erased people before the marts are built, so scoring
    never sees them (see the stale-marts test and tests/test_privacy_pipeline.py).
    """
    with duckdb.connect(str(path)) as con:
        con.execute(MART_TABLES + IDENTITY_TABLES)
        con.execute(
            "insert into marts.dim_members values "
            "('p1', null, 'slack,web', '2026-01-05', 'granted', true), "
            "('p2', null, 'discourse,slack,web', '2026-01-05', 'no_record', false), "
            "('p3', null, 'slack,web', '2026-01-05', 'withdrawn', false)"
        )
        for person in ("p1", "p2", "p3"):
            con.execute(
                "insert into marts.fct_activities values "
                "(? || ':1', ?, null, 'slack', 'chat_reply', 'community_chat', '2026-06-01'), "
                "(? || ':2', ?, null, 'discourse', 'forum_topic', 'community_forum', "
                "'2026-06-10'), "
                "(? || ':3', ?, null, 'discourse', 'forum_reply', 'community_forum', "
                "'2026-06-20')",
                [person] * 6,
            )
        con.execute(
            "insert into marts.fct_activities values "
            "('web:9', null, null, 'web', 'web_session', 'direct', '2026-06-21')"
        )
        con.execute(
            "insert into identity.person_clusters values "
            "('slack:1', 'p1'), ('slack:2', 'p2'), ('slack:3', 'p3')"
        )


def _run(path: Path) -> ExecuteInProcessResult:
    return materialize(
        [member_scoring],
        resources={"warehouse": WarehouseResource(database_path=str(path))},
        raise_on_error=False,
    )


def _materialize(path: Path) -> dict[str, dict[str, object]]:
    result = _run(path)
    assert result.success
    return {
        event.asset_key.path[-1]: {
            key: value.value
            for key, value in event.event_specific_data.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
    }


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'scoring' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return dict(rows)


@pytest.fixture
def advocate_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    _advocate_warehouse(path)
    return path


def test_scoring_asset_segments_every_member(advocate_warehouse: Path) -> None:
    metadata = _materialize(advocate_warehouse)

    with duckdb.connect(str(advocate_warehouse), read_only=True) as con:
        rows = con.execute(
            "select person_id, segment, consent, consent_basis, contributions_90d, reason "
            "from scoring.member_segments order by person_id"
        ).fetchall()
    assert [row[:5] for row in rows] == [
        ("p1", "emerging_advocate", True, "granted", 3),
        ("p2", "emerging_advocate", False, "no_record", 3),
        ("p3", "emerging_advocate", False, "withdrawn", 3),
    ]
    assert rows[0][5] == "3 contributions in 90 days across 2 community channels"
    assert metadata["member_segments"]["rows"] == 3
    assert metadata["member_segments"]["consented"] == 1


def test_scoring_asset_actions_only_with_consent(advocate_warehouse: Path) -> None:
    _materialize(advocate_warehouse)

    with duckdb.connect(str(advocate_warehouse), read_only=True) as con:
        actions = con.execute(
            "select person_id, segment, action, scored_at::varchar from scoring.next_best_actions"
        ).fetchall()
    assert actions == [
        ("p1", "emerging_advocate", "ambassador_referral_programme", "2026-06-21 00:00:00+00")
    ]


def test_scoring_asset_rejects_stale_marts(advocate_warehouse: Path) -> None:
    # Identity ran again after the marts were built and erased p3: the marts still list p3,
    # and scoring them would give an erased person a score and maybe an action.
    with duckdb.connect(str(advocate_warehouse)) as con:
        con.execute("delete from identity.person_clusters where person_id = 'p3'")

    result = _run(advocate_warehouse)

    assert not result.success
    error = result.get_step_failure_events()[0].step_failure_data.error
    assert error is not None
    assert error.cause is not None
    assert error.cause.cls_name == "DataQualityError"
    message = error.cause.message
    assert "marts.dim_members: 1 person id(s) not in identity.person_clusters" in message
    assert "'p3'" in message
    assert "dbt build" in message
    with duckdb.connect(str(advocate_warehouse), read_only=True) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_schema = 'scoring'"
        ).fetchone()[0]


def test_scoring_asset_skips_models_without_conversions(advocate_warehouse: Path) -> None:
    metadata = _materialize(advocate_warehouse)

    assert metadata["behaviour_action_values"]["rows"] == 0
    assert metadata["behaviour_scores"]["rows"] == 0
    assert "positive snapshots" in str(metadata["member_segments"]["propensity_skipped"])


def test_scoring_asset_types_empty_outputs(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(MART_TABLES)

    metadata = _materialize(path)

    assert {name: metadata[name]["rows"] for name in OUTPUT_TYPES} == dict.fromkeys(OUTPUT_TYPES, 0)
    assert metadata["model_registry"]["rows"] == 0
    assert "nothing registered" in str(metadata["model_registry"]["note"])
    with duckdb.connect(str(path), read_only=True) as con:
        for table, expected in OUTPUT_TYPES.items():
            assert _column_types(con, table) == expected, table
