"""Readers of simulator output shared by the simulator tests."""

import csv
import json
from pathlib import Path


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV file into a list of rows keyed by header."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def github_lines(landing: Path) -> list[dict]:
    """Read the GitHub deliveries of a landing folder."""
    text = (landing / "github" / "events.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def landing_identity_ids(landing: Path) -> set[tuple[str, str]]:
    """Collect (source, record id) of every identity-bearing landing record."""
    ids = set()
    for user in json.loads((landing / "slack" / "users.json").read_text()):
        ids.add(("slack", user["id"]))
    for path in sorted((landing / "discourse").glob("users*.json")):
        for user in json.loads(path.read_text()):
            ids.add(("discourse", str(user["id"])))
    for line in github_lines(landing):
        ids.add(("github", str(line["payload"]["sender"]["id"])))
    for row in read_csv(landing / "events" / "attendance.csv"):
        ids.add(("events", row["registration_id"]))
    for row in read_csv(landing / "web" / "sessions.csv"):
        ids.add(("web", row["anonymous_id"]))
    for row in read_csv(landing / "product" / "signups.csv"):
        ids.add(("product", row["signup_id"]))
    for row in read_csv(landing / "hubspot" / "contact.csv"):
        ids.add(("hubspot", row["id"]))
    for row in read_csv(landing / "stripe" / "customer.csv"):
        ids.add(("stripe", row["id"]))
    return ids
