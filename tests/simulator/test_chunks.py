import json
from collections import Counter
from pathlib import Path

import pytest

from simulator.config import SimulationConfig
from simulator.run import simulate
from tests.simulator.readers import landing_identity_ids, read_csv


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 members written in three chunks of 120, 120 and 60."""
    out = tmp_path_factory.mktemp("chunked")
    simulate(SimulationConfig(members=300, seed=11, chunk_members=120), out)
    return out


def test_chunked_run_covers_all_members(chunked: Path):
    people = read_csv(chunked / "truth" / "people.csv")

    assert len(people) == 300
    assert len({row["person_id"] for row in people}) == 300


def test_chunked_ids_stay_unique(chunked: Path):
    landing = chunked / "landing"
    contacts = [row["id"] for row in read_csv(landing / "hubspot" / "contact.csv")]
    companies = [row["id"] for row in read_csv(landing / "hubspot" / "company.csv")]
    deals = [row["deal_id"] for row in read_csv(landing / "hubspot" / "deal.csv")]
    domains = [row["domain"] for row in read_csv(chunked / "truth" / "accounts.csv")]
    discourse = [
        user["id"] for user in json.loads((landing / "discourse" / "users.json").read_text())
    ]

    for values in (contacts, companies, deals, domains, discourse):
        duplicates = [value for value, count in Counter(values).items() if count > 1]
        assert duplicates == []


def test_chunked_person_records_cover_identities(chunked: Path):
    records = read_csv(chunked / "truth" / "person_records.csv")

    assert {(row["source"], row["source_record_id"]) for row in records} == landing_identity_ids(
        chunked / "landing"
    )


def test_chunked_slack_days_sorted(chunked: Path):
    for path in sorted((chunked / "landing" / "slack").glob("*/*.json")):
        stamps = [float(message["ts"]) for message in json.loads(path.read_text())]
        assert stamps == sorted(stamps), path.name
        assert len(stamps) == len(set(stamps)), path.name


def test_chunked_discourse_file_per_chunk(chunked: Path):
    users = sorted(path.name for path in (chunked / "landing" / "discourse").glob("users*.json"))
    posts = sorted(path.name for path in (chunked / "landing" / "discourse").glob("posts*.json"))

    assert users == ["users.json", "users_00001.json", "users_00002.json"]
    assert posts == ["posts.json", "posts_00001.json", "posts_00002.json"]


def test_chunked_scratch_files_removed(chunked: Path):
    assert not (chunked / "landing" / "slack" / ".parts").exists()
