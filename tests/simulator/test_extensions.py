import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np

from simulator.config import CHANNELS, SEGMENT_CYCLE_SCALE, SimulationConfig
from simulator.population import generate_chunk
from tests.simulator.readers import read_csv

DEFAULT = SimulationConfig(members=1000, seed=7)


def test_experiment_assignments_match_truth(simulated: Path):
    assignments = read_csv(simulated / "landing" / "experiments" / "assignments.csv")
    units = read_csv(simulated / "truth" / "experiment_units.csv")
    summary = read_csv(simulated / "truth" / "experiments.csv")[0]

    assert {(row["unit_id"], row["group"]) for row in assignments} == {
        (row["hubspot_company_id"], row["group"]) for row in units
    }
    assert int(summary["treatment_units"]) == sum(row["group"] == "treatment" for row in units)
    assert int(summary["control_units"]) == sum(row["group"] == "control" for row in units)
    assert int(summary["treatment_units"]) > 50
    assert int(summary["control_units"]) > 50


def test_experiment_assignment_companies_exist(simulated: Path):
    assignments = read_csv(simulated / "landing" / "experiments" / "assignments.csv")
    companies = {row["id"] for row in read_csv(simulated / "landing" / "hubspot" / "company.csv")}

    assert {row["unit_id"] for row in assignments} <= companies


def test_experiment_control_unaffected(simulated: Path):
    units = read_csv(simulated / "truth" / "experiment_units.csv")
    control = [row for row in units if row["group"] == "control"]

    for row in control:
        assert row["opened_opportunity"] == row["opened_opportunity_without_treatment"]


def test_experiment_true_effect_positive(simulated: Path):
    summary = read_csv(simulated / "truth" / "experiments.csv")[0]
    treated = int(summary["treatment_converted"])
    without = int(summary["treatment_converted_without_treatment"])

    assert int(summary["true_incremental_conversions"]) == treated - without
    assert treated - without > 0
    assert float(summary["true_lift"]) > 0


def test_lifecycle_matches_accounts(simulated: Path):
    accounts = {row["account_id"]: row for row in read_csv(simulated / "truth" / "accounts.csv")}
    stages = defaultdict(list)
    for row in read_csv(simulated / "truth" / "lifecycle.csv"):
        stages[row["account_id"]].append(row)

    for account_id, account in accounts.items():
        by_stage = {row["stage"]: row["entered_at"] for row in stages[account_id]}
        assert by_stage.get("customer", "") == account["first_won_at"], account_id
        assert by_stage.get("churned", "") == account["churned_at"], account_id
        assert by_stage.get("activated", "") == account["activated_at"], account_id


def test_lifecycle_stages_in_order(simulated: Path):
    stages = defaultdict(dict)
    for row in read_csv(simulated / "truth" / "lifecycle.csv"):
        stages[row["account_id"]].setdefault(row["stage"], row["entered_at"])

    for account_id, entered in stages.items():
        if "customer" in entered:
            assert entered["opportunity"] <= entered["customer"], account_id
        if "activated" in entered:
            assert entered["customer"] <= entered["activated"], account_id
        if "churned" in entered:
            assert entered["customer"] < entered["churned"], account_id


def test_churned_accounts_cancel_subscriptions(simulated: Path):
    churned = {
        row["stripe_customer_id"]
        for row in read_csv(simulated / "truth" / "accounts.csv")
        if row["churned_at"]
    }
    subscriptions = read_csv(simulated / "landing" / "stripe" / "subscription.csv")

    assert churned
    for row in subscriptions:
        assert (row["status"] == "canceled") == (row["customer_id"] in churned), row["id"]


def test_offline_records_cover_scans_and_calls(simulated: Path):
    landing = simulated / "landing"
    records = {
        (row["source"], row["source_record_id"])
        for row in read_csv(simulated / "truth" / "offline_records.csv")
    }
    scans = {
        ("badge_scans", row["scan_id"]) for row in read_csv(landing / "events" / "badge_scans.csv")
    }
    calls = {("call_notes", row["note_id"]) for row in read_csv(landing / "crm" / "call_notes.csv")}

    assert scans
    assert calls
    assert records == scans | calls


def test_offline_records_partly_anonymous(simulated: Path):
    scans = read_csv(simulated / "landing" / "events" / "badge_scans.csv")
    calls = read_csv(simulated / "landing" / "crm" / "call_notes.csv")

    assert 0.3 < sum(not row["badge_email"] for row in scans) / len(scans) < 0.9
    assert 0.5 < sum(not row["email"] for row in calls) / len(calls) < 0.9


def test_erasure_requests_match_people(simulated: Path):
    requests = read_csv(simulated / "landing" / "privacy" / "erasure_requests.csv")
    people = read_csv(simulated / "truth" / "people.csv")
    requested = sorted(row["erasure_requested_at"] for row in people if row["erasure_requested_at"])

    assert requests
    assert sorted(row["requested_at"] for row in requests) == requested


def test_consent_receipts_match_truth(simulated: Path):
    # The latest receipt of each person is `granted` exactly when the truth records consent.
    receipts = read_csv(simulated / "landing" / "consent" / "consent_receipts.csv")
    people = read_csv(simulated / "truth" / "people.csv")
    mailboxes = {
        mailbox: row
        for row in people
        for mailbox in (row["email"], row["personal_email"], row["previous_email"])
        if mailbox
    }
    latest: dict[str, tuple[str, str]] = {}
    for receipt in receipts:
        local, _, domain = receipt["subject_email"].strip().lower().partition("@")
        person = mailboxes[f"{local.split('+')[0]}@{domain}"]
        seen = latest.get(person["person_id"])
        if seen is None or receipt["updated_at"] >= seen[0]:
            latest[person["person_id"]] = (receipt["updated_at"], receipt["status"])
        assert receipt["region"] == person["region"]

    by_id = {row["person_id"]: row for row in people}
    for person_id, (_, status) in latest.items():
        assert (status == "granted") == (by_id[person_id]["consent"] == "true")
    assert 0.85 < len(latest) / len(people) < 0.95
    assert {row["status"] for row in receipts} == {"granted", "denied", "withdrawn"}


def test_web_sessions_respect_consent(simulated: Path):
    people = {row["person_id"]: row for row in read_csv(simulated / "truth" / "people.csv")}
    sessions = {
        row["session_id"]: row for row in read_csv(simulated / "landing" / "web" / "sessions.csv")
    }
    touches = [
        row for row in read_csv(simulated / "truth" / "touches.csv") if row["source"] == "web"
    ]

    for touch in touches:
        if people[touch["person_id"]]["consent"] == "false":
            assert sessions[touch["source_event_id"]]["user_email"] == ""


def test_program_costs_one_row_per_month(simulated: Path):
    costs = read_csv(simulated / "landing" / "programs" / "costs.csv")
    months = {row["month"] for row in costs}
    programs = {row["program"] for row in costs}

    assert len(months) == 24
    assert len(costs) == len(months) * len(programs)
    assert all(float(row["amount"]) >= 0 for row in costs)


def test_program_costs_follow_calendar(simulated: Path):
    costs = read_csv(simulated / "landing" / "programs" / "costs.csv")
    conference = [row for row in costs if row["program"] == "conference"]
    attendance = read_csv(simulated / "landing" / "events" / "attendance.csv")
    conference_months = {
        row["attended_at"][:7]
        for row in attendance
        if row["event_type"] == "conference" and row["attended_at"]
    }

    assert {row["month"] for row in conference if float(row["amount"]) > 0} == conference_months
    assert {row["channel"] for row in costs} <= set(CHANNELS)


def test_conversion_windows_cover_segments(simulated: Path):
    rows = read_csv(simulated / "truth" / "conversion_windows.csv")

    assert len(rows) == len(SEGMENT_CYCLE_SCALE) * len(CHANNELS)
    for row in rows:
        assert int(row["deals_with_touch"]) <= int(row["won_deals"])
        expected = 7 * np.log(0.5) / np.log(float(row["weekly_decay"]))
        assert abs(float(row["half_life_days"]) - expected) < 0.1


def test_enterprise_cycles_longer(simulated: Path):
    cycles = {
        row["segment"]: row["cycle_days_p50"]
        for row in read_csv(simulated / "truth" / "conversion_windows.csv")
    }

    assert int(cycles["enterprise"]) > int(cycles["smb"])


def test_namesakes_get_distinct_emails():
    chunk = generate_chunk(SimulationConfig(members=5000, seed=2), 0, 0, 5000, 0)
    by_account = defaultdict(list)
    for person in chunk.people:
        if person.account is not None:
            by_account[person.account.account_id].append(person)
    namesakes = 0
    for people in by_account.values():
        names = [(p.first_name, p.last_name) for p in people]
        namesakes += len(names) - len(set(names))
        assert len({p.work_email for p in people}) == len(people)

    assert namesakes > 0


def test_email_change_splits_by_day():
    chunk = generate_chunk(SimulationConfig(members=2000, seed=2), 0, 0, 2000, 0)
    changed = [person for person in chunk.people if person.previous_email]

    assert changed
    for person in changed:
        assert person.email_at(person.email_changed_day - 1) == person.previous_email
        assert person.email_at(person.email_changed_day) == person.primary_email


def test_shared_mailboxes_in_registrations(simulated: Path):
    attendance = read_csv(simulated / "landing" / "events" / "attendance.csv")
    shared = [
        row
        for row in attendance
        if row["email"].split("@")[0] in ("info", "team", "events", "marketing")
    ]

    assert shared


def test_default_window_is_fixed():
    assert DEFAULT.start == dt.date(2024, 7, 1)
    assert DEFAULT.end == dt.date(2026, 6, 30)
