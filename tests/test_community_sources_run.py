"""Discord and Stack Exchange through the whole demo job: identity, activities, touches, KPIs.

The landing folder contains:
- the committed Discord sample (DiscordChatExporter JSON: alice, bob, a member join by
  charlie, a bot and a pin);
- a second Discord channel with two bad rows;
- a small Stack Exchange dump written here (the public dump is CC BY-SA and not committed);
- product sign-ups that give alice, bob and dana an email and a company;
- an erasure request for alice.

Neither community source exports emails, so their authors reach an
account only through a named record with an email, and alice's messages leave the derived
tables only because resolution ties her Discord record to her sign-up.
"""

import hashlib
import json
import shutil
from pathlib import Path
from xml.sax.saxutils import quoteattr

import duckdb
import pandas as pd
import pytest

from tests.conftest import failure_messages, run_demo_job
from tests.ingest.conftest import DATA_DIR

pytestmark = pytest.mark.slow

DISCORD_SAMPLE = "Test Server - Text - general [100].json"
BAD_CHANNEL = "Test Server - Text - help [200].json"

SIGNUPS = """signup_id,email,full_name,company,signed_up_at,plan,utm_source
s1,alice.smith@northwind.example,Alice Smith,Northwind,2026-01-02T09:00:00Z,trial,
s2,bob.jones@initech.example,Bob Jones,Initech,2026-01-02T09:30:00Z,trial,
s3,dana.whitfield@acme.example,Dana Whitfield,Acme,2026-01-03T11:00:00Z,free,
"""

ERASURE = """request_id,email,requested_at,request_type,status
ER1,Alice.Smith@northwind.example,2026-02-01T00:00:00Z,erasure,completed
"""

# Users: the Community user (-1, no person), a full name, a user name that no other record
# has, and a user who set no name.
STACKEXCHANGE_USERS = [
    {"Id": "-1", "CreationDate": "2025-11-01T10:00:00.000", "DisplayName": "Community"},
    {"Id": "7", "CreationDate": "2025-11-02T10:00:00.000", "DisplayName": "Dana Whitfield"},
    {"Id": "8", "CreationDate": "2025-11-03T10:00:00.000", "DisplayName": "quietfox"},
    {"Id": "9", "CreationDate": "2025-11-04T10:00:00.000", "DisplayName": "user9"},
]

# Posts: a question by dana, answers by quietfox and by a deleted user, a tag wiki by
# Community, and a post without PostTypeId (the bad row).
STACKEXCHANGE_POSTS = [
    {"Id": "100", "PostTypeId": "1", "CreationDate": "2026-01-05T10:00:00.000",
     "OwnerUserId": "7", "Title": "How do I rotate keys?", "Tags": "<security><keys>"},
    {"Id": "101", "PostTypeId": "2", "ParentId": "100", "CreationDate": "2026-01-05T12:00:00.000",
     "OwnerUserId": "8"},
    {"Id": "102", "PostTypeId": "2", "ParentId": "100", "CreationDate": "2026-01-06T12:00:00.000",
     "OwnerDisplayName": "gone_user"},
    {"Id": "103", "PostTypeId": "5", "CreationDate": "2026-01-06T13:00:00.000",
     "OwnerUserId": "-1"},
    {"Id": "104", "CreationDate": "2026-01-07T13:00:00.000", "OwnerUserId": "9"},
]  # fmt: skip


def _dump_table(root: str, rows: list[dict[str, str]]) -> str:
    """Write rows as a Stack Exchange dump table, one `<row/>` element a row."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<{root}>"]
    for row in rows:
        attributes = " ".join(f"{name}={quoteattr(value)}" for name, value in row.items())
        lines.append(f"  <row {attributes} />")
    lines.append(f"</{root}>")
    return "\n".join(lines) + "\n"


def _bad_channel() -> dict[str, object]:
    """Return a channel file with one good message by bob and two bad rows."""

    def message(message_id: str, timestamp: str, author: dict[str, object]) -> dict[str, object]:
        return {
            "id": message_id,
            "type": "Default",
            "timestamp": timestamp,
            "content": "text",
            "author": author,
            "reactions": [],
        }

    bob = {"id": "user002", "name": "bob", "nickname": "Bob Jones", "isBot": False}
    return {
        "guild": {"id": "guild001", "name": "Test Server"},
        "channel": {"id": "200", "name": "help"},
        "messages": [
            message("msg201", "2026-01-02T10:00:00+00:00", bob),
            message("msg202", "2026-01-02T10:05:00+00:00", {"name": "ghost", "isBot": False}),
            message("msg203", "yesterday", bob),
        ],
    }


def _write_landing(landing: Path) -> None:
    (landing / "discord").mkdir(parents=True)
    shutil.copy(DATA_DIR / "discord" / DISCORD_SAMPLE, landing / "discord" / DISCORD_SAMPLE)
    (landing / "discord" / BAD_CHANNEL).write_text(json.dumps(_bad_channel()), encoding="utf-8")
    (landing / "stackexchange").mkdir()
    for name, root, rows in (
        ("Users.xml", "users", STACKEXCHANGE_USERS),
        ("Posts.xml", "posts", STACKEXCHANGE_POSTS),
    ):
        text = _dump_table(root, rows)
        (landing / "stackexchange" / name).write_text(text, encoding="utf-8")
    (landing / "product").mkdir()
    (landing / "product" / "signups.csv").write_text(SIGNUPS, encoding="utf-8")
    (landing / "privacy").mkdir()
    (landing / "privacy" / "erasure_requests.csv").write_text(ERASURE, encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("community_sources")
    _write_landing(root / "landing")
    result = run_demo_job(root / "landing", root / "warehouse.duckdb")
    assert result.success, failure_messages(result)
    return root / "warehouse.duckdb"


def _query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def _person_of(warehouse: Path, record_id: str) -> str:
    found = _query(
        warehouse,
        f"select person_id from identity.person_clusters where record_id = '{record_id}'",
    )
    assert len(found) == 1, record_id
    return str(found["person_id"].iloc[0])


def test_discord_authors_become_identity_records(warehouse: Path) -> None:
    records = _query(
        warehouse,
        "select record_id, handle, full_name "
        "from intermediate.int_identity__person_records_unioned "
        "where source = 'discord' order by record_id",
    )
    # alice is erased; the bot is no person; the author without an id was quarantined.
    assert records["record_id"].tolist() == ["discord:user002", "discord:user003"]
    assert records["handle"].tolist() == ["bob", "charlie"]
    assert records["full_name"].tolist() == ["Bob Jones", "Charlie Brown"]
    assert _person_of(warehouse, "discord:user002") == _person_of(warehouse, "product:s2")


def test_discord_messages_reach_activities_and_touches(warehouse: Path) -> None:
    activities = _query(
        warehouse,
        "select activity_id, activity_type, person_id, account_id from marts.fct_activities "
        "where source = 'discord' order by activity_id",
    )
    touches = _query(
        warehouse,
        "select touch_id, channel, person_id from marts.fct_touches "
        "where touch_id like 'discord:%' order by touch_id",
    )
    bob = _person_of(warehouse, "product:s2")

    # msg002 in the sample and msg201 in the second channel are bob's; msg004 is charlie's
    # join. The bot's message and the pin are no activity.
    assert activities["activity_id"].tolist() == [
        "discord:100:msg002",
        "discord:100:msg004",
        "discord:200:msg201",
    ]
    assert activities["activity_type"].tolist() == [
        "chat_message",
        "chat_channel_join",
        "chat_message",
    ]
    assert activities["person_id"].notna().all()
    assert touches["touch_id"].tolist() == ["discord:100:msg002", "discord:200:msg201"]
    assert set(touches["channel"]) == {"community_chat"}
    assert set(touches["person_id"]) == {bob}


def test_discord_activity_counts_in_engagement(warehouse: Path) -> None:
    engagement = _query(
        warehouse,
        "select active_members from marts.fct_kpi_engagement "
        "where dimension = 'program' and dimension_value = 'help' "
        "and period_start = date '2026-01-01'",
    )
    assert engagement["active_members"].tolist() == [1]


def test_erased_author_leaves_discord_staging(warehouse: Path) -> None:
    raw = _query(
        warehouse, "select count(*) as n from raw.discord_messages where author_id = 'user001'"
    )
    staged = _query(
        warehouse,
        "select count(*) as n from staging.stg_discord__messages where author_id = 'user001'",
    )
    activities = _query(
        warehouse,
        "select count(*) as n from intermediate.int_identity__activities_resolved "
        "where record_id = 'discord:user001'",
    )
    handle_key = hashlib.sha256(b"discord:alice").hexdigest()
    keys = _query(
        warehouse,
        f"select count(*) as n from identity.erased_records where key_sha256 = '{handle_key}'",
    )
    # Raw keeps the four messages of alice as loaded (docs/known-shortcomings.md).
    assert raw["n"].iloc[0] == 4
    assert staged["n"].iloc[0] == 0
    assert activities["n"].iloc[0] == 0
    assert keys["n"].iloc[0] == 1


def test_bad_discord_rows_are_quarantined(warehouse: Path) -> None:
    rejected = _query(
        warehouse,
        "select _file, _row_number, field from quarantine.rejected_rows "
        "where table_name = 'discord_messages' order by _row_number",
    )
    ledger = _query(
        warehouse,
        "select rows_in, rows_loaded, rows_quarantined from raw.load_ledger "
        f"where _file = 'discord/{BAD_CHANNEL}'",
    )
    assert rejected["_file"].tolist() == [f"discord/{BAD_CHANNEL}"] * 2
    assert rejected["_row_number"].tolist() == [2, 3]
    assert rejected["field"].tolist() == ["author_id", "timestamp"]
    assert ledger.iloc[0].tolist() == [3, 1, 2]


def test_stackexchange_users_become_identity_records(warehouse: Path) -> None:
    records = _query(
        warehouse,
        "select record_id, handle, full_name "
        "from intermediate.int_identity__person_records_unioned "
        "where source = 'stackexchange' order by record_id",
    )
    # Community (-1) is no person; user9 set no name, so it has no handle either.
    assert records["record_id"].tolist() == [
        "stackexchange:7",
        "stackexchange:8",
        "stackexchange:9",
    ]
    assert records["handle"].fillna("").tolist() == ["Dana Whitfield", "quietfox", ""]
    assert records["full_name"].fillna("").tolist() == ["Dana Whitfield", "", ""]
    assert _person_of(warehouse, "stackexchange:7") == _person_of(warehouse, "product:s3")


def test_stackexchange_posts_reach_activities_and_touches(warehouse: Path) -> None:
    activities = _query(
        warehouse,
        "select activity_id, activity_type, program, person_id from marts.fct_activities "
        "where source = 'stackexchange' order by activity_id",
    )
    touches = _query(
        warehouse,
        "select touch_id, channel, person_id from marts.fct_touches "
        "where touch_id like 'stackexchange:%' order by touch_id",
    )
    # The tag wiki (103) is no activity and the untyped post (104) was quarantined. The
    # deleted user's answer (102) is an activity without a person.
    assert activities["activity_id"].tolist() == [
        "stackexchange:100",
        "stackexchange:101",
        "stackexchange:102",
    ]
    assert activities["activity_type"].tolist() == ["forum_topic", "forum_reply", "forum_reply"]
    assert activities["program"].tolist() == ["security"] * 3
    assert activities["person_id"].notna().tolist() == [True, True, False]
    assert touches["touch_id"].tolist() == ["stackexchange:100"]
    assert touches["channel"].tolist() == ["community_forum"]
    assert touches["person_id"].tolist() == [_person_of(warehouse, "product:s3")]


def test_untyped_stackexchange_post_is_quarantined(warehouse: Path) -> None:
    rejected = _query(
        warehouse,
        "select _file, _row_number, field from quarantine.rejected_rows "
        "where table_name = 'stackexchange_posts'",
    )
    assert rejected.values.tolist() == [["stackexchange/Posts.xml", 5, "PostTypeId"]]
