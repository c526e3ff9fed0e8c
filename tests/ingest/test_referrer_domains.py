"""Accuracy of our referrer domain seed on Segment's labelled referrer cases (MIT)."""

import csv
import json
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = REPO_ROOT / "dbt_project" / "seeds" / "referrer_domains.csv"
CASES = (
    REPO_ROOT / "tests" / "data" / "referrer_mapping" / "segment_inbound_referrers_testcases.json"
)

# Segment labels that a referrer host alone cannot tell: `internal` needs the site's own host,
# `ad` needs the click's URL parameters. Cases without a referrer have no host to look up.
UNSCORED_TYPES = {"internal", "ad", "direct", "unknown"}
MEDIUM_OF_TYPE = {"search": "search", "social": "social", "email": "email"}


def _seed() -> dict[str, str]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return {row["domain"]: row["medium"] for row in csv.DictReader(handle)}


def _host(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    return host.removeprefix("www.")


def _exact(seed: dict[str, str], host: str) -> str:
    """Look up the whole host only, for comparison with the parent-domain lookup."""
    return seed.get(host, "referral")


def _suffix(seed: dict[str, str], host: str) -> str:
    """Look a host up by its longest listed parent, as int_activities__classified does."""
    parts = host.split(".")
    for start in range(len(parts) - 1):
        medium = seed.get(".".join(parts[start:]))
        if medium:
            return medium
    return "referral"


def _scored_cases() -> list[tuple[str, str]]:
    cases = json.loads(CASES.read_text(encoding="utf-8"))
    scored = []
    for case in cases:
        label = (case.get("result") or {}).get("referrer", {}).get("type", "unknown")
        if label in UNSCORED_TYPES or not case.get("referrer"):
            continue
        scored.append((_host(case["referrer"]), MEDIUM_OF_TYPE.get(label, "referral")))
    return scored


def _accuracy(lookup: object) -> float:
    seed = _seed()
    cases = _scored_cases()
    hits = sum(lookup(seed, host) == expected for host, expected in cases)  # type: ignore[operator]
    return hits / len(cases)


def test_referrer_seed_rows_are_valid() -> None:
    with SEED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert list(rows[0]) == ["domain", "medium", "source_name"]
    assert len({row["domain"] for row in rows}) == len(rows)
    assert {row["medium"] for row in rows} == {"search", "social", "email"}
    assert all(row["domain"] == row["domain"].lower().removeprefix("www.") for row in rows)
    assert all(row["source_name"] for row in rows)


def test_referrer_seed_case_count() -> None:
    assert len(_scored_cases()) == 49


def test_referrer_seed_exact_host_accuracy() -> None:
    assert _accuracy(_exact) >= 0.87


def test_referrer_seed_parent_domain_accuracy() -> None:
    assert _accuracy(_suffix) >= 0.93
