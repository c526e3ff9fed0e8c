"""Every loader on a real export sample: all records land, fields are lifted, nothing rejected."""

import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest import load_source
from tests.ingest.conftest import DATA_DIR, SHARED_DATA_DIR, copy_sample, scalar


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def _reports(con: duckdb.DuckDBPyConnection, landing: Path, source: str) -> dict[str, object]:
    return {report.table: report for report in load_source(con, landing, source)}


def _quarantined(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, "select count(*) from quarantine.rejected_rows"))  # type: ignore[arg-type]


def test_slack_sample_loads_every_message(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    copy_sample(landing, "slack")
    day_files = sorted((DATA_DIR / "slack").glob("*/*.json"))
    expected = sum(len(json.loads(path.read_text())) for path in day_files)

    reports = _reports(con, landing, "slack")

    assert reports["slack_users"].rows_loaded == 4
    assert reports["slack_channels"].rows_loaded == 2
    assert reports["slack_messages"].files_loaded == len(day_files)
    assert reports["slack_messages"].rows_loaded == expected
    assert _quarantined(con) == 0


def test_slack_sample_lifts_profile_fields(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    copy_sample(landing, "slack")
    load_source(con, landing, "slack")

    user = con.execute(
        "select name, real_name, display_name, tz, deleted from raw.slack_users "
        "where id = 'U0BMYT2FL'"
    ).fetchone()
    channel = con.execute(
        "select name, created, purpose from raw.slack_channels where id = 'C0JGLMMNX'"
    ).fetchone()

    assert user == ("abilinski", "Harry Potter", "abilinski", "America/Los_Angeles", "false")
    assert channel == ("enrique", "1452837318", "")


def test_slack_sample_keeps_position_and_hash(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    copy_sample(landing, "slack")
    load_source(con, landing, "slack")
    first = json.loads((DATA_DIR / "slack" / "enrique" / "2016-01-14.json").read_text())[0]

    row = con.execute(
        "select channel_name, ts, user, subtype, _record, _record_hash from raw.slack_messages "
        "where _file = 'slack/enrique/2016-01-14.json' and _row_number = 1"
    ).fetchone()

    assert row is not None
    assert row[:4] == ("enrique", first["ts"], first["user"], "channel_join")
    assert json.loads(row[4]) == first
    assert row[5] == hashlib.sha256(row[4].encode("utf-8")).hexdigest()


def test_discourse_sample_loads_users_and_posts(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    copy_sample(landing, "discourse")
    users = json.loads((DATA_DIR / "discourse" / "users.json").read_text())
    latest = json.loads((DATA_DIR / "discourse" / "posts.json").read_text())["latest_posts"]
    topic = json.loads((DATA_DIR / "discourse" / "posts_topic.json").read_text())["post_stream"][
        "posts"
    ]

    reports = _reports(con, landing, "discourse")
    post = con.execute(
        "select username, topic_id, post_number, raw, created_at from raw.discourse_posts "
        "where id = '15'"
    ).fetchone()

    assert reports["discourse_users"].rows_loaded == len(users)
    assert reports["discourse_posts"].rows_in == len(latest) + len(topic)
    assert reports["discourse_posts"].rows_loaded + reports[
        "discourse_posts"
    ].rows_quarantined == len(latest) + len(topic)
    assert post == ("johndoe", "11", "2", "holla bullhonky.", "2020-01-25T02:10:07.971Z")


def test_discord_sample_lifts_author_reply_and_reactions(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    copy_sample(landing, "discord")

    reports = _reports(con, landing, "discord")
    first = con.execute(
        "select guild_name, channel_name, author_name, author_nickname, reaction_count "
        "from raw.discord_messages where id = 'msg001'"
    ).fetchone()
    reply = scalar(con, "select reply_to_message_id from raw.discord_messages where id = 'msg003'")

    assert reports["discord_messages"].rows_loaded == 7
    assert first == ("Test Server", "general", "alice", "Alice Smith", "1")
    assert reply == "msg001"
    assert _quarantined(con) == 0


def test_github_payload_files_load_one_event_each(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    copy_sample(landing, "github")
    payloads = sorted((DATA_DIR / "github").glob("*/*.json"))

    reports = _reports(con, landing, "github")
    star = con.execute(
        "select event, action, sender_login, repository_full_name, created_at "
        "from raw.github_events where _file = 'github/star/created.payload.json'"
    ).fetchone()
    pull_request = con.execute(
        "select number, created_at from raw.github_events "
        "where _file = 'github/pull_request/closed.payload.json'"
    ).fetchone()

    assert reports["github_events"].rows_loaded == len(payloads)
    assert star == (
        "star",
        "created",
        "Codertocat",
        "Codertocat/Hello-World",
        "2019-05-15T15:20:40Z",
    )
    assert pull_request == ("2", "2019-05-15T15:21:18Z")
    assert _quarantined(con) == 0


def test_github_deliveries_file_loads_each_line(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    payloads = sorted((DATA_DIR / "github").glob("*/*.json"))
    lines = [
        json.dumps(
            {
                "event": path.parent.name,
                "delivery_id": f"delivery-{number}",
                "delivered_at": "2019-05-15T15:21:00Z",
                "payload": json.loads(path.read_text()),
            }
        )
        for number, path in enumerate(payloads, start=1)
    ]
    (landing / "github").mkdir()
    (landing / "github" / "deliveries.jsonl").write_text("\n".join(lines) + "\n")

    reports = _reports(con, landing, "github")
    row = con.execute(
        "select event, delivery_id, delivered_at, _record from raw.github_events "
        "where _row_number = 3"
    ).fetchone()

    assert reports["github_events"].rows_loaded == len(payloads)
    assert row is not None
    assert row[:3] == (payloads[2].parent.name, "delivery-3", "2019-05-15T15:21:00Z")
    assert row[3] == lines[2]


@pytest.mark.parametrize(
    ("source", "tables"),
    [
        (
            "hubspot",
            {
                "hubspot_contacts": "contact",
                "hubspot_companies": "company",
                "hubspot_deals": "deal",
                "hubspot_deal_contacts": "deal_contact",
                "hubspot_deal_companies": "deal_company",
            },
        ),
        (
            "stripe",
            {
                "stripe_customers": "customer",
                "stripe_subscriptions": "subscription",
                "stripe_invoices": "invoice",
                "stripe_refunds": "refund",
            },
        ),
        (
            "salesforce",
            {
                "salesforce_accounts": "sf_account",
                "salesforce_contacts": "sf_contact",
                "salesforce_leads": "sf_lead",
                "salesforce_opportunities": "sf_opportunity",
            },
        ),
    ],
)
def test_connector_sample_loads_every_row(
    con: duckdb.DuckDBPyConnection, landing: Path, source: str, tables: dict[str, str]
) -> None:
    copy_sample(landing, source)

    reports = _reports(con, landing, source)

    for table, stem in tables.items():
        expected = _csv_rows(DATA_DIR / source / f"{stem}.csv")
        assert reports[table].rows_in == expected, table
        assert reports[table].rows_loaded == expected, table
    assert _quarantined(con) == 0


def test_connector_sample_keeps_header_and_text(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    copy_sample(landing, "hubspot")
    load_source(con, landing, "hubspot")
    with (DATA_DIR / "hubspot" / "company.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))

    columns = [row[0] for row in con.execute("describe raw.hubspot_companies").fetchall()]
    row = con.execute(
        'select "_fivetran_synced", "property_hs_all-funky-a9384-syntax", _row_number '
        "from raw.hubspot_companies where id = ?",
        [first["id"]],
    ).fetchone()

    assert columns[: len(first)] == list(first)
    assert row == (first["_fivetran_synced"], first["property_hs_all-funky-a9384-syntax"], 1)


def test_stackexchange_dump_loads_users_and_posts(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    dump = SHARED_DATA_DIR / "community_stackexchange_dump"
    if not dump.is_dir():
        pytest.skip("Stack Exchange dump (CC BY-SA, not committed) is absent from shared/data")
    (landing / "stackexchange").mkdir()
    for name in ("Users.xml", "Posts.xml"):
        shutil.copy(dump / name, landing / "stackexchange" / name)

    reports = _reports(con, landing, "stackexchange")
    user = con.execute(
        "select DisplayName, Reputation, CreationDate from raw.stackexchange_users where Id = '-1'"
    ).fetchone()

    assert reports["stackexchange_users"].rows_loaded == 2295
    assert reports["stackexchange_posts"].rows_loaded == 1657
    assert user == ("Community", "1", "2011-10-11T18:16:00.230")
    assert _quarantined(con) == 0


def test_olist_funnel_loads_with_day_first_dates(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    funnel = SHARED_DATA_DIR / "olist_marketing_funnel"
    if not funnel.is_dir():
        pytest.skip("Olist funnel (CC BY-NC-SA, not committed) is absent from shared/data")
    shutil.copytree(funnel, landing / "olist")

    reports = _reports(con, landing, "olist")
    deal = con.execute(
        "select won_date, declared_monthly_revenue from raw.olist_closed_deals "
        "where _row_number = 1"
    ).fetchone()

    assert reports["olist_leads"].rows_loaded == 8000
    assert reports["olist_closed_deals"].rows_loaded == 842
    assert deal == ("26-02-2018 19:58", "0")
    assert _quarantined(con) == 0


def test_stackexchange_dtd_line_is_not_fetched(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    text = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
        "<!DOCTYPE users SYSTEM 'http://127.0.0.1:9/users.dtd'>\n"
        "<users>\n"
        '  <row Id="7" Reputation="101" CreationDate="2011-10-11T19:42:20.713" '
        'DisplayName="Ada &amp; Co" AboutMe="&lt;p&gt;hi&lt;/p&gt;" />\n'
        "</users>\n"
    )
    (landing / "stackexchange").mkdir()
    (landing / "stackexchange" / "Users.xml").write_text(text, encoding="utf-8")

    reports = _reports(con, landing, "stackexchange")
    row = con.execute(
        "select Id, DisplayName, AboutMe, _record from raw.stackexchange_users"
    ).fetchone()

    assert reports["stackexchange_users"].rows_loaded == 1
    assert reports["stackexchange_posts"].files_seen == 0
    assert row is not None
    assert row[:3] == ("7", "Ada & Co", "<p>hi</p>")
    assert row[3].startswith('<row Id="7"')
