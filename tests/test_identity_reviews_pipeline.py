"""Reviewer decisions across the pipeline: load a decision file, rerun identity, rerun again.

Uses a copy of the session's simulated warehouse, so each test runs the real loader and the
real identity asset (Splink included) on the pairs that run queued.
"""

import logging
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey, ExecuteInProcessResult, materialize

from ingest import load_source
from ml.identity.privacy import hash_key
from orchestration.assets.identity import identity_resolution
from orchestration.resources import WarehouseResource
from tests.conftest import PipelineRun, failure_messages

pytestmark = pytest.mark.slow

HEADER = "pair_id,record_id_l,record_id_r,decision,reason,decided_by\n"


def _query(warehouse: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def _copy(run: PipelineRun, tmp_path: Path) -> Path:
    warehouse = tmp_path / "reviews.duckdb"
    shutil.copyfile(run.warehouse, warehouse)
    return warehouse


def _load_decisions(warehouse: Path, landing: Path, text: str) -> None:
    (landing / "identity_reviews").mkdir(parents=True, exist_ok=True)
    (landing / "identity_reviews" / "decisions.csv").write_text(HEADER + text, encoding="utf-8")
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "identity_reviews")


def _resolve(warehouse: Path) -> ExecuteInProcessResult:
    return materialize(
        [identity_resolution],
        resources={"warehouse": WarehouseResource(database_path=str(warehouse))},
        raise_on_error=False,
    )


def _review_metadata(result: ExecuteInProcessResult) -> dict[str, object]:
    [metadata] = [
        event.metadata
        for event in result.asset_materializations_for_node("identity_resolution")
        if event.asset_key == AssetKey(["identity", "review_queue"])
    ]
    return {key: value.value for key, value in metadata.items()}


def _person_of(warehouse: Path) -> dict[str, str]:
    clusters = _query(warehouse, "select record_id, person_id from identity.person_clusters")
    return dict(zip(clusters["record_id"], clusters["person_id"], strict=True))


def _pick_pairs(warehouse: Path) -> tuple[pd.Series, pd.Series]:
    """Pick the first queued pair of two people and the first pair already in one person.

    The second pair's person is neither of the first pair's, so the two decisions do not
    interact.
    """
    queue = _query(warehouse, "select * from identity.review_queue order by review_rank")
    person_of = _person_of(warehouse)
    apart = queue[~queue["same_person"]]
    together = queue[queue["same_person"]]
    assert not apart.empty, "the simulated run queued no pair of two people"
    assert not together.empty, "the simulated run queued no pair inside one person"
    merge = apart.iloc[0]
    taken = {person_of[merge["record_id_l"]], person_of[merge["record_id_r"]]}
    split = together[~together["record_id_l"].map(person_of).isin(taken)].iloc[0]
    return merge, split


def test_queue_ranks_and_pair_ids(simulated_run: PipelineRun):
    queue = _query(simulated_run.warehouse, "select * from identity.review_queue")

    assert not queue.empty
    assert sorted(queue["review_rank"]) == list(range(1, len(queue) + 1))
    assert queue["pair_id"].is_unique
    assert queue["pair_id"].str.fullmatch(r"pair_[0-9a-f]{16}").all()
    ranked = queue.sort_values("review_rank")
    # Pairs of two people come first, because a must_link there changes the result.
    assert not ranked["same_person"].iloc[0]


def test_decisions_stick_across_reruns(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = _copy(simulated_run, tmp_path)
    merge, split = _pick_pairs(warehouse)
    # The must_link row names its records in reverse order: the pair id does not depend on it.
    _load_decisions(
        warehouse,
        tmp_path / "landing",
        f"{merge['pair_id']},{merge['record_id_r']},{merge['record_id_l']},must_link,same,ana\n"
        f"{split['pair_id']},{split['record_id_l']},{split['record_id_r']},cannot_link,,ana\n",
    )

    for run in (1, 2):
        result = _resolve(warehouse)

        assert result.success, failure_messages(result)
        person_of = _person_of(warehouse)
        assert person_of[merge["record_id_l"]] == person_of[merge["record_id_r"]], run
        assert person_of[split["record_id_l"]] != person_of[split["record_id_r"]], run
        queue = _query(warehouse, "select pair_id, review_rank from identity.review_queue")
        assert not {merge["pair_id"], split["pair_id"]} & set(queue["pair_id"]), run
        assert sorted(queue["review_rank"]) == list(range(1, len(queue) + 1)), run
        metadata = _review_metadata(result)
        assert metadata["review_decisions_applied"] == 2, run
        assert metadata["review_decisions_erased"] == 0, run


def _erased_record_id(run: PipelineRun) -> str:
    """Return a record id of an erased person that is on the hashed erasure list."""
    people = pd.read_csv(run.truth_dir / "people.csv", dtype=str, keep_default_na=False)
    erased_people = set(people.loc[people["erasure_requested_at"] != "", "person_id"])
    records = pd.read_csv(run.truth_dir / "person_records.csv", dtype=str)
    records = records[records["person_id"].isin(erased_people)]
    hashes = set(
        _query(
            run.warehouse,
            "select key_sha256 from identity.erased_records where key_type = 'record_id'",
        )["key_sha256"]
    )
    record_ids = sorted(records["source"] + ":" + records["source_record_id"])
    on_list = [record_id for record_id in record_ids if hash_key(record_id) in hashes]
    assert on_list, "the simulated run erased no record that truth names"
    return on_list[0]


def _text_cells(warehouse: Path, schema: str) -> list[str]:
    """Return every text value in the tables of one schema."""
    tables = _query(
        warehouse,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? and data_type = 'VARCHAR'",
        [schema],
    )
    cells = []
    for table, column in tables.itertuples(index=False):
        values = _query(warehouse, f'select "{column}" from "{schema}"."{table}"')[column]
        cells += values.dropna().astype(str).tolist()
    return cells


def test_decision_naming_erased_record_is_dropped(
    simulated_run: PipelineRun, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    warehouse = _copy(simulated_run, tmp_path)
    erased = _erased_record_id(simulated_run)
    live = _query(warehouse, "select min(record_id) as id from identity.person_clusters")["id"][0]
    # The second row has an invalid decision, so the loader quarantines it with the erased id.
    _load_decisions(
        warehouse,
        tmp_path / "landing",
        f",{live},{erased},must_link,,ana\n,{erased},{live},maybe,,ana\n",
    )
    rejected_sql = (
        "select _row_number from quarantine.rejected_rows "
        "where table_name = 'identity_review_decisions'"
    )
    rejected_before = _query(warehouse, rejected_sql)

    with caplog.at_level(logging.INFO):
        result = _resolve(warehouse)

    assert result.success, failure_messages(result)
    metadata = _review_metadata(result)
    assert metadata["review_decisions_erased"] == 1
    assert metadata["review_decisions_applied"] == 0
    assert erased not in _text_cells(warehouse, "identity")
    assert erased not in caplog.text
    assert "left out 1 naming an erased record" in caplog.text
    assert erased not in str(metadata)
    assert rejected_before["_row_number"].tolist() == [2]
    assert _query(warehouse, rejected_sql).empty


def test_decision_naming_unknown_record_fails_with_row(simulated_run: PipelineRun, tmp_path: Path):
    warehouse = _copy(simulated_run, tmp_path)
    live = _query(warehouse, "select min(record_id) as id from identity.person_clusters")["id"][0]
    _load_decisions(
        warehouse,
        tmp_path / "landing",
        f",{live},slack:NOSUCHUSER,must_link,,ana\n",
    )

    result = _resolve(warehouse)

    assert not result.success
    message = failure_messages(result)
    assert "identity_reviews/decisions.csv, row 1, field 'record_id_r'" in message
    assert "'slack:NOSUCHUSER' is not found in the input records" in message


def _delete_contact(run: PipelineRun, warehouse: Path, landing: Path, contact_id: str) -> None:
    """Mark a HubSpot contact deleted, as Fivetran's export does, and reload the changed file."""
    shutil.copytree(run.landing_dir / "hubspot", landing / "hubspot")
    path = landing / "hubspot" / "contact.csv"
    contacts = pd.read_csv(path, dtype=str, keep_default_na=False)
    deleted = contacts["id"] == contact_id
    assert deleted.sum() == 1, f"hubspot/contact.csv has no single row with id {contact_id}"
    contacts.loc[deleted, "_fivetran_deleted"] = "true"
    contacts.to_csv(path, index=False)
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "hubspot")


def test_decision_on_deleted_contact_turns_stale(
    simulated_run: PipelineRun, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    warehouse = _copy(simulated_run, tmp_path)
    queue = _query(warehouse, "select * from identity.review_queue order by review_rank")
    hubspot_left = queue["record_id_l"].str.startswith("hubspot:")
    hubspot_right = queue["record_id_r"].str.startswith("hubspot:")
    assert (hubspot_left | hubspot_right).any(), "the simulated run queued no HubSpot record"
    pair = queue[hubspot_left | hubspot_right].iloc[0]
    contact = pair["record_id_l"]
    if not contact.startswith("hubspot:"):
        contact = pair["record_id_r"]
    landing = tmp_path / "landing"
    # Without a pair_id, only the earlier run's records tell the deleted contact from a typo.
    _load_decisions(
        warehouse, landing, f",{pair['record_id_l']},{pair['record_id_r']},cannot_link,,ana\n"
    )
    _delete_contact(simulated_run, warehouse, landing, contact.removeprefix("hubspot:"))

    # The second run no longer finds the contact in the last run's clusters, only in the
    # decision statuses that the first run wrote.
    for run in (1, 2):
        with caplog.at_level(logging.WARNING):
            result = _resolve(warehouse)

        assert result.success, failure_messages(result)
        assert contact not in _person_of(warehouse), run
        statuses = _query(warehouse, "select * from identity.review_decisions")
        assert statuses["status"].tolist() == ["stale"], run
        assert statuses["_row_number"].tolist() == [1], run
        reason = statuses["status_reason"].iloc[0]
        assert f"{contact!r} is not among the identity records" in reason, run
        assert "an earlier run resolved it" in reason, run
        metadata = _review_metadata(result)
        assert metadata["review_decisions_stale"] == 1, run
        assert metadata["review_decisions_applied"] == 0, run
        first = metadata["review_decisions_first_stale"]
        assert str(first).startswith("identity_reviews/decisions.csv, row 1: "), run
        assert "skipped 1 stale decision(s)" in caplog.text, run
        caplog.clear()
