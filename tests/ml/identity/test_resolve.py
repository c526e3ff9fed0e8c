from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.identity import IdentityConfig, resolve_people
from ml.identity.model import prediction_floor
from ml.identity.prepare import prepare_records
from ml.identity.resolve import _cluster
from ml.identity.review import make_pair_id
from tests.ml.identity.conftest import person_of

JANE = ["hubspot:1", "stripe:cus_1", "discourse:7", "github:janedoe"]


def _override(left: str, right: str, decision: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "record_id_l": left,
                "record_id_r": right,
                "decision": decision,
                "reason": "checked by hand",
                "decided_by": "reviewer@example.org",
            }
        ]
    )


def test_resolve_people_joins_jane(community_records, config) -> None:
    result = resolve_people(community_records, config)
    people = person_of(result.clusters)
    assert len({people[r] for r in JANE}) == 1
    assert people["events:r1"] != people["product:s1"]
    # discord:9 has no email and no company, and Carol Jones is the only person with
    # that name who has one: it joins her after the model links (unique_name).
    assert people["slack:U9"] == people["discord:9"]
    assert result.clusters.set_index("record_id").loc["discord:9", "matched_by"] == "unique_name"
    assert result.metrics["people"] == 4


def test_resolve_people_matched_by(community_records, config) -> None:
    clusters = resolve_people(community_records, config).clusters.set_index("record_id")
    assert clusters.loc["hubspot:1", "matched_by"] == "rule:same_email"
    assert clusters.loc["hubspot:1", "match_probability"] == 1.0
    assert clusters.loc["github:janedoe", "matched_by"] == "model"
    assert clusters.loc["events:r1", "matched_by"] == "singleton"
    assert pd.isna(clusters.loc["events:r1", "match_probability"])


def test_resolve_people_person_id_is_pseudonymous(community_records, config) -> None:
    clusters = resolve_people(community_records, config).clusters
    assert clusters["person_id"].str.fullmatch(r"per_[0-9a-f]{16}").all()
    assert not clusters["person_id"].str.contains("jane|acme|hubspot").any()


def test_cannot_link_beats_model(community_records, config) -> None:
    # Without the override discourse:7 joins Jane through github:janedoe (both links > 0.999).
    baseline = person_of(resolve_people(community_records, config).clusters)
    assert baseline["discourse:7"] == baseline["hubspot:1"]

    overrides = _override("discourse:7", "hubspot:1", "cannot_link")
    result = resolve_people(community_records, config, overrides=overrides)
    people = person_of(result.clusters)
    assert people["discourse:7"] != people["hubspot:1"]
    assert people["discourse:7"] != people["stripe:cus_1"]
    assert people["hubspot:1"] == people["stripe:cus_1"]


def test_must_link_joins_weak_pair(community_records, config, tmp_path: Path) -> None:
    path = tmp_path / "overrides.csv"
    _override("product:s1", "events:r1", "must_link").to_csv(path, index=False)
    result = resolve_people(community_records, config, overrides=path)
    clusters = result.clusters.set_index("record_id")
    assert clusters.loc["events:r1", "person_id"] == clusters.loc["product:s1", "person_id"]
    assert clusters.loc["events:r1", "matched_by"] == "override"
    assert result.metrics["links_by_override"] == 1


def test_override_unknown_record_raises(community_records, config) -> None:
    with pytest.raises(DataQualityError, match="not found in the input records"):
        resolve_people(
            community_records, config, overrides=_override("x:1", "hubspot:1", "must_link")
        )


def test_review_band_holds_uncertain_pairs(community_records, config) -> None:
    result = resolve_people(community_records, config)
    queue = result.review_queue
    pairs = set(zip(queue["record_id_l"], queue["record_id_r"], strict=True))
    # hubspot:1 and stripe:cus_1 also score inside the band, but a rule links them.
    assert pairs == {
        ("discourse:7", "hubspot:1"),
        ("discourse:7", "stripe:cus_1"),
        ("events:r1", "product:s1"),
        ("discord:9", "slack:U9"),
    }
    assert queue["match_probability"].between(0.05, 0.9, inclusive="left").all()
    assert {"email_l", "email_r", "full_name_l", "full_name_r"} <= set(queue.columns)
    # Jane's discourse record joins her through github:janedoe and Carol's discord record
    # joins her as the only Carol Jones, so only Bob's weak pair separates two people.
    assert queue["same_person"].tolist() == [False, True, True, True]


def test_review_band_skips_decided_pairs(community_records) -> None:
    config = IdentityConfig(review_band=(0.05, 0.9))
    overrides = _override("events:r1", "product:s1", "cannot_link")
    queue = resolve_people(community_records, config, overrides=overrides).review_queue
    pairs = set(zip(queue["record_id_l"], queue["record_id_r"], strict=True))
    assert ("events:r1", "product:s1") not in pairs
    assert ("discord:9", "slack:U9") in pairs


def test_stable_ids_after_incremental_run(community_records, config) -> None:
    first = resolve_people(community_records.iloc[:5], config)
    second = resolve_people(community_records, config, previous_clusters=first.clusters)
    before, after = person_of(first.clusters), person_of(second.clusters)
    for record_id, person_id in before.items():
        assert after[record_id] == person_id
    assert second.lineage.empty


def test_lineage_records_merge_and_split(community_records, config) -> None:
    joined = resolve_people(
        community_records,
        config,
        overrides=_override("events:r1", "product:s1", "must_link"),
    )
    apart = resolve_people(community_records, config, previous_clusters=joined.clusters)
    rejoined = resolve_people(
        community_records,
        config,
        previous_clusters=apart.clusters,
        overrides=_override("events:r1", "product:s1", "must_link"),
    )
    assert apart.lineage["reason"].tolist() == ["split"]
    assert rejoined.lineage["reason"].tolist() == ["merge"]
    assert person_of(rejoined.clusters)["events:r1"] == person_of(joined.clusters)["events:r1"]


def test_threshold_clusters_cover_each_threshold(community_records, config) -> None:
    result = resolve_people(community_records, config)
    counts = result.threshold_clusters.groupby("threshold").size()
    assert counts.index.tolist() == list(config.sensitivity_thresholds)
    assert (counts == len(community_records)).all()


def test_model_saved_and_reloaded(community_records, config, tmp_path: Path) -> None:
    model_path = tmp_path / "identity_model.json"
    first = resolve_people(community_records, config, model_path=model_path)
    assert model_path.is_file()
    second = resolve_people(community_records, config, model_path=model_path)
    assert second.metrics["model"]["trained_at"] == first.metrics["model"]["trained_at"]
    assert second.links["match_probability"].tolist() == pytest.approx(
        first.links["match_probability"].tolist()
    )


def test_personal_name_joins_only_work_namesake(community_records, config) -> None:
    # Bob Smith's Gmail record names no company, and the only other Bob Smith works at
    # initech.com: with personal-name links on, the two join.
    linked = replace(config, link_personal_names=True)
    clusters = resolve_people(community_records, linked).clusters.set_index("record_id")
    assert clusters.loc["events:r1", "person_id"] == clusters.loc["product:s1", "person_id"]
    assert "unique_personal_name" in set(clusters["matched_by"])


@pytest.mark.parametrize(("date_of_birth", "joined"), [("1850-01-01", True), (None, False)])
def test_small_cluster_joins_only_in_registers(date_of_birth: str | None, joined: bool) -> None:
    # Three Thomas Raymonds link strongly; Tom Raymond links to one of them at 0.3 only.
    # With a date of birth in the list it joins them, in a community list it stays apart.
    names = {
        "a": "Thomas Raymond",
        "b": "Thomas Raymond",
        "c": "Thomas Raymond",
        "d": "Tom Raymond",
    }
    prepared = prepare_records(
        pd.DataFrame(
            [
                {
                    "record_id": record_id,
                    "source": "register",
                    "full_name": name,
                    "date_of_birth": date_of_birth if record_id == "a" else None,
                }
                for record_id, name in names.items()
            ]
        )
    )
    edges = pd.DataFrame(
        [("a", "b", 0.99, "model"), ("b", "c", 0.99, "model"), ("c", "d", 0.3, "model")],
        columns=["record_id_l", "record_id_r", "match_probability", "matched_by"],
    )
    roots, accepted = _cluster(prepared, edges, [], 0.9, None, IdentityConfig())
    assert (roots["d"] == roots["a"]) is joined
    assert ("small_cluster" in set(accepted["matched_by"])) is joined
    roots, _ = _cluster(
        prepared, edges, [], 0.9, None, IdentityConfig(small_cluster_threshold=None)
    )
    assert roots["d"] != roots["a"]


def test_weak_pairs_kept_only_in_registers() -> None:
    config = IdentityConfig(small_cluster_threshold=0.05)
    rows = [{"record_id": "a", "source": "x", "full_name": "Tom Raymond"}]
    assert prediction_floor(prepare_records(pd.DataFrame(rows)), config) == 0.5
    rows[0]["date_of_birth"] = "1780-01-01"
    assert prediction_floor(prepare_records(pd.DataFrame(rows)), config) == 0.05
    off = IdentityConfig(small_cluster_threshold=None)
    assert prediction_floor(prepare_records(pd.DataFrame(rows)), off) == 0.5


def test_pair_id_ignores_record_order() -> None:
    assert make_pair_id("a:1", "b:2", "salt") == make_pair_id("b:2", "a:1", "salt")
    assert make_pair_id("a:1", "b:2", "salt") != make_pair_id("a:1", "b:2", "other")
    assert make_pair_id("a:1", "b:2", "salt").startswith("pair_")


def test_review_queue_has_pair_ids_and_ranks(community_records, config) -> None:
    queue = resolve_people(community_records, config).review_queue

    assert list(queue.columns[:2]) == ["pair_id", "review_rank"]
    assert queue["review_rank"].tolist() == list(range(1, len(queue) + 1))
    expected = [
        make_pair_id(left, right, config.id_salt)
        for left, right in zip(queue["record_id_l"], queue["record_id_r"], strict=True)
    ]
    assert queue["pair_id"].tolist() == expected
    assert queue["pair_id"].is_unique
