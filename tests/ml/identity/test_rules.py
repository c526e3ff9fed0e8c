from pathlib import Path

import pandas as pd
import pytest

from ml.errors import ConfigurationError
from ml.identity.config import DEFAULT_RULES_PATH
from ml.identity.prepare import prepare_records
from ml.identity.rules import (
    MatchRule,
    apply_cannot_link_rules,
    apply_rules,
    load_cannot_link_rules,
    load_rules,
)


def _links(rows: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    links = apply_rules(prepare_records(pd.DataFrame(rows)), load_rules(DEFAULT_RULES_PATH))
    return set(zip(links["record_id_l"], links["record_id_r"], links["matched_by"], strict=True))


def test_load_rules_reads_shipped_file() -> None:
    rules = load_rules(DEFAULT_RULES_PATH)
    assert [rule.name for rule in rules] == [
        "same_crm_contact_id",
        "slack_profile_email",
        "same_email",
    ]
    assert all(rule.reason for rule in rules)


def test_rule_same_crm_contact_id() -> None:
    rows = [
        {"record_id": "hubspot:1", "source": "hubspot", "crm_contact_id": "901"},
        {"record_id": "stripe:c1", "source": "stripe", "crm_contact_id": " 901 "},
        {"record_id": "stripe:c2", "source": "stripe", "crm_contact_id": "902"},
    ]
    assert _links(rows) == {("hubspot:1", "stripe:c1", "rule:same_crm_contact_id")}


def test_rule_slack_profile_email() -> None:
    rows = [
        {"record_id": "slack:U1", "source": "slack", "email": "ann@acme.com"},
        {"record_id": "events:r1", "source": "events", "email": "ANN@acme.com"},
    ]
    assert _links(rows) == {("events:r1", "slack:U1", "rule:slack_profile_email")}


def test_rule_same_email_after_normalizing() -> None:
    rows = [
        {"record_id": "events:r1", "source": "events", "email": "a.nn+meetup@gmail.com"},
        {"record_id": "product:s1", "source": "product", "email": "ann@gmail.com"},
    ]
    assert _links(rows) == {("events:r1", "product:s1", "rule:same_email")}


def test_rule_same_email_skips_role_mailbox() -> None:
    rows = [
        {"record_id": "events:r1", "source": "events", "email": "info@acme.com"},
        {"record_id": "product:s1", "source": "product", "email": "info@acme.com"},
    ]
    assert _links(rows) == set()


def test_rule_skips_oversized_group() -> None:
    rule = MatchRule("same_email", "test", ("email_key",), max_group_size=2)
    rows = [
        {"record_id": f"events:r{n}", "source": "events", "email": "x@acme.com"} for n in range(3)
    ]
    links = apply_rules(prepare_records(pd.DataFrame(rows)), [rule])
    assert links.empty


def test_rule_links_group_as_star() -> None:
    rows = [
        {"record_id": f"events:r{n}", "source": "events", "email": "x@acme.com"} for n in range(4)
    ]
    links = apply_rules(prepare_records(pd.DataFrame(rows)), load_rules(DEFAULT_RULES_PATH))
    assert len(links) == 3
    assert set(links["record_id_l"]) == {"events:r0"}


def test_load_rules_rejects_rule_without_reason(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - name: x\n    match_on: [email_key]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="field 'reason'"):
        load_rules(path)


def test_rule_same_email_skips_last_name_clash() -> None:
    # A mailbox passed on to a colleague: same address, clearly different last names.
    rows = [
        {"record_id": "events:r1", "source": "events", "email": "giulia@acme.com",
         "full_name": "Giulia Martin"},
        {"record_id": "events:r2", "source": "events", "email": "giulia@acme.com",
         "full_name": "Giulia Torres"},
        {"record_id": "events:r3", "source": "events", "email": "bob@acme.com",
         "full_name": "Bob Hansen"},
        {"record_id": "events:r4", "source": "events", "email": "bob@acme.com",
         "full_name": "Bob Hanson"},
    ]  # fmt: skip
    assert _links(rows) == {("events:r3", "events:r4", "rule:same_email")}


def test_cannot_link_numbered_work_mailbox() -> None:
    rows = [
        {"record_id": "events:r1", "source": "events", "email": "jsmith@acme.com"},
        {"record_id": "events:r2", "source": "events", "email": "JSmith2+news@acme.com"},
        {"record_id": "events:r3", "source": "events", "email": "jsmith+x@acme.com"},
        {"record_id": "events:r4", "source": "events", "email": "jsmith2@gmail.com"},
    ]
    pairs = apply_cannot_link_rules(
        prepare_records(pd.DataFrame(rows)), load_cannot_link_rules(DEFAULT_RULES_PATH)
    )
    # Free-mail addresses are not work mailboxes, so events:r4 is not kept apart.
    assert pairs == [("events:r1", "events:r2"), ("events:r2", "events:r3")]


def test_cannot_link_concurrent_work_mailboxes() -> None:
    # Two Marco Thompsons at vectorpath.com use their addresses in the same months; Linda
    # King moves from linda.king@ to lindak@ and never uses both at once.
    rows = [
        ("events:r1", "marco.thompson@vectorpath.com", "Marco Thompson", "2025-01-01"),
        ("events:r2", "marco.thompson@vectorpath.com", "Marco Thompson", "2025-06-01"),
        ("events:r3", "marco@vectorpath.com", "Marco Thompson", "2025-03-01"),
        ("events:r4", "info@vectorpath.com", "Marco Thompson", "2025-02-01"),
        ("events:r5", "linda.king@greenscale.com", "Linda King", "2024-01-01"),
        ("events:r6", "lindak@greenscale.com", "Linda King", "2025-01-01"),
    ]
    records = pd.DataFrame(
        [
            {"record_id": r, "source": "events", "email": e, "full_name": n, "first_seen_at": t}
            for r, e, n, t in rows
        ]
    )
    rules = [
        rule
        for rule in load_cannot_link_rules(DEFAULT_RULES_PATH)
        if rule.name == "concurrent_work_mailboxes"
    ]
    pairs = apply_cannot_link_rules(prepare_records(records), rules)
    # The role mailbox (info@) has no local part key, so it is not kept apart.
    assert pairs == [("events:r1", "events:r3"), ("events:r2", "events:r3")]


def test_cannot_link_one_account_per_tool() -> None:
    # Two Slack profiles of namesakes, one showing only the first name; the event
    # registrations are not accounts and the GitHub account has no name.
    rows = [
        {"record_id": "slack:U1", "source": "slack", "full_name": "Emily Wilson"},
        {"record_id": "slack:U2", "source": "slack", "full_name": "Emily"},
        {"record_id": "slack:U3", "source": "slack", "full_name": "Emily Wilson"},
        {"record_id": "discourse:9", "source": "discourse", "full_name": "Emily Wilson"},
        {"record_id": "events:r1", "source": "events", "full_name": "Emily Wilson"},
        {"record_id": "events:r2", "source": "events", "full_name": "Emily Wilson"},
        {"record_id": "github:5", "source": "github", "handle": "ewilson"},
        {"record_id": "github:6", "source": "github", "handle": "emilyw"},
    ]
    rules = [
        rule
        for rule in load_cannot_link_rules(DEFAULT_RULES_PATH)
        if rule.name.startswith("one_account_per_tool")
    ]
    pairs = apply_cannot_link_rules(prepare_records(pd.DataFrame(rows)), rules)
    assert pairs == [("slack:U1", "slack:U2"), ("slack:U1", "slack:U3"), ("slack:U2", "slack:U3")]
