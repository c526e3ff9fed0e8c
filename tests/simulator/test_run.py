import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from simulator.__main__ import main
from simulator.billing import add_months
from simulator.config import SimulationConfig
from simulator.run import simulate
from tests.simulator.readers import github_lines, landing_identity_ids, read_csv

# The landing contract of docs/sources.md, one entry per CSV file the simulator writes.
CSV_COLUMNS = {
    "events/attendance.csv": "registration_id,event_id,event_name,event_type,program,email,"
    "full_name,company,registered_at,attended,attended_at",
    "web/sessions.csv": "session_id,anonymous_id,user_email,started_at,landing_url,referrer_url,"
    "utm_source,utm_medium,utm_campaign,pageviews,pages",
    "product/signups.csv": "signup_id,email,full_name,company,signed_up_at,plan,utm_source",
    "hubspot/contact.csv": "id,property_email,property_firstname,property_lastname,"
    "property_company,property_jobtitle,property_createdate,_fivetran_deleted,_fivetran_synced",
    "hubspot/company.csv": "id,property_name,property_domain,property_industry,property_country,"
    "property_numberofemployees,property_createdate,is_deleted,_fivetran_synced",
    "hubspot/deal.csv": "deal_id,property_dealname,property_dealtype,property_amount,"
    "property_deal_currency_code,property_createdate,property_closedate,deal_pipeline_stage_id,"
    "is_deleted,_fivetran_synced",
    "hubspot/deal_contact.csv": "deal_id,contact_id",
    "hubspot/deal_company.csv": "deal_id,company_id",
    "stripe/customer.csv": "id,email,name,description,currency,created,metadata",
    "stripe/subscription.csv": "id,customer_id,status,created,start_date,current_period_start,"
    "current_period_end,cancel_at_period_end,canceled_at,ended_at,metadata",
    "stripe/invoice.csv": "id,customer_id,subscription_id,charge_id,status,billing_reason,currency,"
    "amount_due,amount_paid,created,period_start,period_end",
    "stripe/refund.csv": "id,charge_id,amount,currency,created,reason,status",
}
ZERO_EFFECT_CHANNELS = ("community_chat", "social", "direct", "referral")


def digest_tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_simulate_same_seed_same_bytes(tmp_path: Path):
    config = SimulationConfig(members=200, seed=3)
    simulate(config, tmp_path / "first")
    simulate(config, tmp_path / "second")
    simulate(SimulationConfig(members=200, seed=4), tmp_path / "other")

    first = digest_tree(tmp_path / "first")
    assert first == digest_tree(tmp_path / "second")
    assert first != digest_tree(tmp_path / "other")


def test_cli_writes_landing_and_truth(tmp_path: Path):
    code = main(["--members", "60", "--seed", "1", "--out", str(tmp_path), "--end", "2025-06-30"])

    assert code == 0
    assert (tmp_path / "landing" / "slack" / "users.json").exists()
    assert (tmp_path / "truth" / "channel_effects.csv").exists()


def test_cli_rejects_zero_members(tmp_path: Path):
    with pytest.raises(SystemExit):
        main(["--members", "0", "--out", str(tmp_path)])


@pytest.mark.parametrize("relative", sorted(CSV_COLUMNS))
def test_landing_csv_has_documented_columns(simulated: Path, relative: str):
    with (simulated / "landing" / relative).open(encoding="utf-8") as handle:
        header = handle.readline().strip()

    assert header == CSV_COLUMNS[relative]


def test_landing_csv_files_have_rows(simulated: Path):
    for relative in CSV_COLUMNS:
        assert read_csv(simulated / "landing" / relative), relative


def test_slack_export_shape(simulated: Path):
    slack = simulated / "landing" / "slack"
    users = json.loads((slack / "users.json").read_text())
    channels = json.loads((slack / "channels.json").read_text())
    messages = [m for path in sorted(slack.glob("*/*.json")) for m in json.loads(path.read_text())]

    assert {"id", "name", "real_name", "profile"} <= set(users[0])
    assert all({"real_name", "display_name"} <= set(user["profile"]) for user in users)
    assert sum("email" in user["profile"] for user in users) > 0.8 * len(users)
    assert {channel["name"] for channel in channels} == {
        path.name for path in slack.iterdir() if path.is_dir()
    }
    assert all({"type", "user", "text", "ts"} <= set(message) for message in messages)
    assert any("parent_user_id" in message for message in messages)
    assert any(message.get("reply_count", 0) > 0 for message in messages)
    assert any("reactions" in message for message in messages)


def test_discourse_response_shape(simulated: Path):
    discourse = simulated / "landing" / "discourse"
    users = json.loads((discourse / "users.json").read_text())
    posts = json.loads((discourse / "posts.json").read_text())["latest_posts"]

    assert {"id", "username", "name", "email", "created_at"} <= set(users[0])
    assert {"id", "username", "created_at", "topic_id", "post_number", "raw"} <= set(posts[0])
    assert {post["username"] for post in posts} <= {user["username"] for user in users}


def test_github_deliveries_shape(simulated: Path):
    lines = github_lines(simulated / "landing")

    assert {line["event"] for line in lines} == {
        "star",
        "fork",
        "issues",
        "issue_comment",
        "pull_request",
    }
    for line in lines:
        payload = line["payload"]
        assert {"login", "id"} <= set(payload["sender"])
        assert "/" in payload["repository"]["full_name"]
    assert all("number" in line["payload"]["issue"] for line in lines if line["event"] == "issues")
    assert all(
        "number" in line["payload"]["pull_request"]
        for line in lines
        if line["event"] == "pull_request"
    )


def test_person_records_cover_every_identity(simulated: Path):
    records = read_csv(simulated / "truth" / "person_records.csv")
    truth_ids = {(row["source"], row["source_record_id"]) for row in records}
    people = {row["person_id"] for row in read_csv(simulated / "truth" / "people.csv")}

    assert truth_ids == landing_identity_ids(simulated / "landing")
    assert len(truth_ids) == len(records)
    assert {row["person_id"] for row in records} <= people


def test_world_size_fits_attribution(simulated: Path):
    accounts = read_csv(simulated / "truth" / "accounts.csv")
    deals = read_csv(simulated / "truth" / "deals.csv")
    won = [deal for deal in deals if deal["is_won"] == "true"]

    assert 150 <= len(accounts) <= 250
    assert 60 <= len(won) <= 150
    assert {deal["deal_type"] for deal in won} == {"newbusiness", "existingbusiness"}


def test_zero_effect_channel_changes_nothing(simulated: Path):
    effects = {row["channel"]: row for row in read_csv(simulated / "truth" / "channel_effects.csv")}

    for channel in ZERO_EFFECT_CHANNELS:
        assert effects[channel]["planted_log_odds_effect"] == "0.0"
        assert effects[channel]["incremental_conversions"] == "0", channel
        assert effects[channel]["incremental_revenue"] == "0", channel


def test_positive_effect_channel_adds_conversions(simulated: Path):
    effects = {row["channel"]: row for row in read_csv(simulated / "truth" / "channel_effects.csv")}

    assert int(effects["event"]["incremental_conversions"]) > 0
    assert int(effects["webinar"]["incremental_conversions"]) > 0
    assert int(effects["event"]["incremental_revenue"]) > 0


def test_chat_volume_confounded_with_buying(simulated: Path):
    touches = read_csv(simulated / "truth" / "touches.csv")
    won_accounts = {
        row["account_id"]
        for row in read_csv(simulated / "truth" / "deals.csv")
        if row["is_won"] == "true"
    }
    chat = Counter(
        row["account_id"]
        for row in touches
        if row["channel"] == "community_chat" and row["account_id"]
    )
    accounts = [row["account_id"] for row in read_csv(simulated / "truth" / "accounts.csv")]
    won_mean = sum(chat[a] for a in accounts if a in won_accounts) / len(won_accounts)
    other = [a for a in accounts if a not in won_accounts]
    other_mean = sum(chat[a] for a in other) / len(other)

    assert won_mean > other_mean


def test_stripe_invoices_match_won_deals(simulated: Path):
    landing, truth = simulated / "landing", simulated / "truth"
    subscriptions = read_csv(landing / "stripe" / "subscription.csv")
    deal_of_subscription = {
        row["id"]: json.loads(row["metadata"])["hubspot_deal_id"] for row in subscriptions
    }
    invoices = defaultdict(list)
    for row in read_csv(landing / "stripe" / "invoice.csv"):
        invoices[row["subscription_id"]].append(row)
    won = {row["deal_id"]: row for row in read_csv(truth / "deals.csv") if row["is_won"] == "true"}
    end = SimulationConfig(members=1, seed=1).end

    assert sorted(deal_of_subscription.values()) == sorted(won)
    for subscription in subscriptions:
        deal = won[deal_of_subscription[subscription["id"]]]
        rows = invoices[subscription["id"]]
        assert {int(row["amount_due"]) for row in rows} == {int(deal["amount"]) * 100 // 12}
        start = add_months(SimulationConfig(members=1, seed=1).start, 0).fromisoformat(
            deal["closed_at"]
        )
        stop = (
            end
            if not subscription["ended_at"]
            else add_months(start, 0).fromisoformat(subscription["ended_at"][:10])
        )
        months = 0
        while add_months(start, months) <= end and (
            not subscription["ended_at"] or add_months(start, months) < stop
        ):
            months += 1
        assert len(rows) == months, subscription["id"]


def test_twelve_invoices_sum_to_deal_amount(simulated: Path):
    landing, truth = simulated / "landing", simulated / "truth"
    subscriptions = read_csv(landing / "stripe" / "subscription.csv")
    deal_of_subscription = {
        row["id"]: json.loads(row["metadata"])["hubspot_deal_id"] for row in subscriptions
    }
    amounts = {row["deal_id"]: int(row["amount"]) for row in read_csv(truth / "deals.csv")}
    invoices = defaultdict(list)
    for row in read_csv(landing / "stripe" / "invoice.csv"):
        invoices[row["subscription_id"]].append(int(row["amount_due"]))
    full_years = [s for s, rows in invoices.items() if len(rows) >= 12]

    assert full_years
    for subscription_id in full_years:
        assert (
            sum(invoices[subscription_id][:12])
            == amounts[deal_of_subscription[subscription_id]] * 100
        )


def test_web_sessions_follow_channel_rules(simulated: Path):
    sessions = {
        row["session_id"]: row for row in read_csv(simulated / "landing" / "web" / "sessions.csv")
    }
    touches = [
        row for row in read_csv(simulated / "truth" / "touches.csv") if row["source"] == "web"
    ]
    search = ("google.", "bing.", "duckduckgo.")

    assert len(touches) == len(sessions)
    for touch in touches:
        session = sessions[touch["source_event_id"]]
        medium, referrer = session["utm_medium"], session["referrer_url"]
        if medium in ("email", "newsletter"):
            expected = "newsletter"
        elif medium in ("cpc", "ppc", "paid"):
            expected = "paid_search"
        elif medium in ("social", "paid_social"):
            expected = "social"
        elif medium == "community":
            expected = "community_referral"
        elif medium:
            expected = "referral"
        elif not referrer:
            expected = "direct"
        elif any(engine in referrer for engine in search):
            expected = "organic_search"
        else:
            expected = "referral"
        assert touch["channel"] == expected, session


def test_deals_created_after_account_touches(simulated: Path):
    touches = read_csv(simulated / "truth" / "touches.csv")
    first_touch: dict[str, str] = {}
    for row in touches:
        if row["account_id"]:
            first_touch[row["account_id"]] = min(
                first_touch.get(row["account_id"], "9999"), row["occurred_at"]
            )
    deals = [
        row
        for row in read_csv(simulated / "truth" / "deals.csv")
        if row["deal_type"] == "newbusiness"
    ]

    touched_first = [
        deal
        for deal in deals
        if first_touch.get(deal["account_id"], "9999")[:10] <= deal["created_at"]
    ]
    assert len(touched_first) >= 0.9 * len(deals)


def test_truth_replicates_change_no_other_file(tmp_path: Path):
    simulate(SimulationConfig(members=500, seed=5), tmp_path / "plain")
    simulate(SimulationConfig(members=500, seed=5, truth_replicates=3), tmp_path / "replicated")

    replicated = digest_tree(tmp_path / "replicated")
    replicated.pop("truth/channel_effect_replicates.csv")
    assert replicated == digest_tree(tmp_path / "plain")

    truth = tmp_path / "replicated" / "truth"
    rows = read_csv(truth / "channel_effect_replicates.csv")
    assert Counter(row["replicate"] for row in rows) == {"0": 13, "1": 13, "2": 13, "3": 13}
    by_replicate: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_replicate[row["replicate"]][row["channel"]] = int(row["incremental_conversions"])
    realized = {
        row["channel"]: int(row["incremental_conversions"])
        for row in read_csv(truth / "channel_effects.csv")
    }
    assert by_replicate["0"] == realized
    assert any(counts != realized for counts in by_replicate.values())
    for counts in by_replicate.values():
        assert all(counts[channel] == 0 for channel in ZERO_EFFECT_CHANNELS)
        assert counts["event"] > 0


def test_cli_rejects_negative_truth_replicates(tmp_path: Path):
    with pytest.raises(SystemExit):
        main(["--members", "10", "--out", str(tmp_path), "--truth-replicates", "-1"])
