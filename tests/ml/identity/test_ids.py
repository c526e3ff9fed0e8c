from datetime import UTC, datetime

import pandas as pd

from ml.identity.ids import assign_person_ids, make_person_id

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_make_person_id_hides_record_id() -> None:
    person_id = make_person_id("events:jane@acme.com", salt="s")
    assert person_id.startswith("per_")
    assert "jane" not in person_id
    assert person_id != make_person_id("events:jane@acme.com", salt="other")


def test_assign_person_ids_majority_keeps_id() -> None:
    previous = pd.DataFrame(
        {"record_id": ["a", "b", "c"], "person_id": ["per_old1", "per_old1", "per_old2"]}
    )
    # a, b and c now form one person: per_old1 covers two records, so it stays.
    names, lineage = assign_person_ids({"a": "a", "b": "a", "c": "a"}, previous, "s", NOW)
    assert set(names.values()) == {"per_old1"}
    assert lineage[["old_person_id", "new_person_id", "reason"]].values.tolist() == [
        ["per_old2", "per_old1", "merge"]
    ]


def test_assign_person_ids_split_gets_new_id() -> None:
    previous = pd.DataFrame({"record_id": ["a", "b", "c"], "person_id": ["per_old1"] * 3})
    names, lineage = assign_person_ids({"a": "a", "b": "a", "c": "c"}, previous, "s", NOW)
    assert names["a"] == names["b"] == "per_old1"
    assert names["c"] == make_person_id("c", "s")
    assert lineage["reason"].tolist() == ["split"]


def test_assign_person_ids_new_record_new_id() -> None:
    names, lineage = assign_person_ids({"z": "z"}, None, "s", NOW)
    assert names == {"z": make_person_id("z", "s")}
    assert lineage.empty
