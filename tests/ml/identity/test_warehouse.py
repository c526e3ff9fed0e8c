import hashlib
import logging
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest

from ml.identity import IdentityConfig
from ml.identity.warehouse import IdentityInputs, offline_records, run_identity
from tests.ml.identity.conftest import person_of

NOW = datetime(2026, 6, 1, tzinfo=UTC)
REQUESTS = pd.DataFrame(
    {
        "request_id": ["ER1"],
        "email": [" Jane.Doe@ACME.com"],
        "requested_at": ["2026-05-01 10:00:00"],
        "status": ["pending"],
    }
)
BADGE_SCANS = pd.DataFrame(
    {
        "record_id": ["badge_scans:B1", "badge_scans:B2"],
        "scan_id": ["B1", "B2"],
        "email": [None, None],
        "full_name": ["JANE DOE", "BOB SMITH"],
        "company_name": ["Acme", "Initech"],
    }
)
CALL_NOTES = pd.DataFrame(
    {
        "record_id": ["call_notes:N1"],
        "note_id": ["N1"],
        "email": [None],
        "full_name": ["Pat"],
        "company_name": ["Nowhere"],
    }
)
RECEIPTS = pd.DataFrame(
    {
        "receipt_id": ["r1", "r2"],
        "email": ["carol@hooli.com", "bob@initech.com"],
        "purpose": ["marketing", "marketing"],
        "consent_status": ["denied", "granted"],
        "region": ["EMEA", "NA"],
        "country": ["Germany", "Canada"],
        "updated_at": ["2026-01-01", "2026-01-01"],
    }
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _inputs(
    records: pd.DataFrame, requests: pd.DataFrame = REQUESTS, **earlier: pd.DataFrame
) -> IdentityInputs:
    return IdentityInputs(
        records=records,
        previous_clusters=earlier.get("clusters"),
        offline_records=offline_records(BADGE_SCANS, CALL_NOTES),
        erasure_requests=requests,
        consent_receipts=RECEIPTS,
        previous_audit=earlier.get("audit"),
        previous_erased=earlier.get("erased"),
    )


def _records(community_records: pd.DataFrame) -> pd.DataFrame:
    # Carol was also identified on the web, a tracking source.
    web = pd.DataFrame([{"record_id": "web:c1", "source": "web", "email": "carol@hooli.com"}])
    return pd.concat([community_records, web], ignore_index=True)


def test_run_identity_erases_jane(community_records, config) -> None:
    run = run_identity(_inputs(_records(community_records)), config, now=NOW)

    jane = {"hubspot:1", "stripe:cus_1", "discourse:7", "github:janedoe"}
    assert not jane & set(run.result.clusters["record_id"])
    assert "badge_scans:B1" not in set(run.offline_links["record_id"])
    assert run.erasure_audit[
        ["request_id", "people_named", "people_erased", "records_erased", "offline_records_erased"]
    ].values.tolist() == [["ER1", 1, 1, 4, 1]]
    assert not run.erasure_audit.astype(str).apply(lambda c: c.str.contains("@")).any().any()


def test_two_requests_count_jane_once(community_records, config) -> None:
    # Jane requests erasure twice, once per address, and the later request is listed first.
    requests = pd.DataFrame(
        {
            "request_id": ["ER2", "ER1"],
            "email": ["jdoe@gmail.com", " Jane.Doe@ACME.com"],
            "requested_at": ["2026-05-03 09:00:00", "2026-05-01 10:00:00"],
            "status": ["pending", "pending"],
        }
    )

    run = run_identity(_inputs(_records(community_records), requests), config, now=NOW)

    audit = run.erasure_audit.set_index("request_id")
    counts = ["people_named", "people_erased", "records_erased", "offline_records_erased"]
    assert audit.loc["ER1", counts].tolist() == [1, 1, 4, 1]
    assert audit.loc["ER2", counts].tolist() == [1, 0, 0, 0]
    assert audit["records_erased"].sum() == run.counts["records_erased_now"]
    assert audit["offline_records_erased"].sum() == run.counts["offline_records_erased_now"]
    keys = run.erased_records.set_index("key_sha256")["request_id"]
    assert keys[_sha("jane.doe@acme.com")] == "ER1"
    assert keys[_sha("hubspot:1")] == "ER1"
    # ER2's own address is one of Jane's record emails, so ER1 erased its key first.
    assert keys[_sha("jdoe@gmail.com")] == "ER1"


def test_run_identity_hashes_erased_keys(community_records, config) -> None:
    run = run_identity(_inputs(_records(community_records)), config, now=NOW)

    keys = set(zip(run.erased_records["key_type"], run.erased_records["key_sha256"], strict=True))
    assert ("record_id", _sha("hubspot:1")) in keys
    assert ("record_id", _sha("badge_scans:B1")) in keys
    assert ("email", _sha("jane.doe@acme.com")) in keys
    assert ("email", _sha("jdoe@gmail.com")) in keys
    assert ("handle", _sha("discourse:janedoe")) in keys
    assert ("handle", _sha("github:janedoe")) in keys
    assert not run.erased_records.astype(str).apply(lambda c: c.str.contains("@")).any().any()


def test_run_identity_links_offline(community_records, config) -> None:
    run = run_identity(_inputs(_records(community_records)), config, now=NOW)

    links = run.offline_links.set_index("record_id")
    bob = person_of(run.result.clusters)["events:r1"]
    assert links.loc["badge_scans:B2", "person_id"] == bob
    assert links.loc["badge_scans:B2", "matched_by"] == "offline:full_name_company"
    assert pd.isna(links.loc["call_notes:N1", "person_id"])
    assert links.loc["call_notes:N1", "matched_by"] == "unlinked:no_candidate"
    assert links.loc["call_notes:N1", "source_record_id"] == "N1"


def test_run_identity_applies_consent(community_records, config) -> None:
    run = run_identity(_inputs(_records(community_records)), config, now=NOW)

    people = person_of(run.result.clusters)
    consent = run.person_consent.set_index("person_id")
    # Carol denied: her web record no longer joins her Slack account.
    assert people["web:c1"] != people["slack:U9"]
    assert consent.loc[people["slack:U9"], "consent_status"] == "denied"
    assert consent.loc[people["events:r1"], "consent_status"] == "granted"
    assert bool(consent.loc[people["events:r1"], "consented"]) is True
    assert consent.loc[people["discord:9"], "consent_status"] in {"denied", "no_record"}
    assert run.counts["records_detached_by_consent"] == 1


def test_run_identity_rerun_keeps_audit(community_records, config) -> None:
    first = run_identity(_inputs(_records(community_records)), config, now=NOW)
    # The next run reads the records without Jane's, because staging filters them.
    remaining = _records(community_records)
    remaining = remaining[remaining["record_id"].isin(first.result.clusters["record_id"])]
    later = datetime(2026, 7, 1, tzinfo=UTC)

    second = run_identity(
        _inputs(
            remaining,
            clusters=first.result.clusters,
            audit=first.erasure_audit,
            erased=first.erased_records,
        ),
        config,
        now=later,
    )

    assert second.erasure_audit["request_id"].tolist() == ["ER1"]
    assert second.erasure_audit["erased_at"].tolist() == [pd.Timestamp(NOW)]
    assert len(second.erased_records) == len(first.erased_records)
    assert second.counts["erasure_requests_new"] == 0


def test_erasure_log_counts_widened_records(
    community_records, caplog: pytest.LogCaptureFixture
) -> None:
    # At 0.01 Bob's Gmail record shares a cluster with his work record, so erasing the
    # work address widens to it. The log line must give the total the audit sums to.
    config = IdentityConfig(
        match_threshold=0.9,
        review_band=(0.01, 0.9),
        sensitivity_thresholds=(0.01, 0.5),
        link_personal_names=False,
    )
    requests = REQUESTS.assign(email=["bob@initech.com"])
    caplog.set_level(logging.INFO, logger="ml.identity.warehouse")

    run = run_identity(
        _inputs(_records(community_records), requests), config, now=NOW, erasure_threshold=0.01
    )

    assert run.erasure_audit["records_erased"].tolist() == [2]
    assert run.counts["records_erased_now"] == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "ml.identity.warehouse"]
    erasure = [line for line in lines if line.startswith("erasure:")]
    assert len(erasure) == 1
    assert (
        "removed 2 identity records (1 in the clusters of the people named, 1 more" in (erasure[0])
    )


def test_consent_rerun_records_no_lineage(community_records, config) -> None:
    records = _records(community_records)
    first = run_identity(_inputs(records, requests=REQUESTS.iloc[:0]), config, now=NOW)

    second = run_identity(
        _inputs(records, requests=REQUESTS.iloc[:0], clusters=first.result.clusters),
        config,
        now=NOW,
    )

    before, after = person_of(first.result.clusters), person_of(second.result.clusters)
    assert after == before
    # Carol's detached web id was neither retired nor merged, and a lineage row linking it
    # to her would undo the detachment.
    assert second.result.lineage.empty


def test_decision_on_record_erased_now_is_left_out(community_records, config) -> None:
    # The first decision names Jane, whom this run's request erases; the second merges Bob.
    decisions = pd.DataFrame(
        {
            "record_id_l": ["discourse:7", "product:s1"],
            "record_id_r": ["hubspot:1", "events:r1"],
            "decision": ["must_link", "must_link"],
            "_file": ["identity_reviews/d.csv"] * 2,
            "_row_number": [1, 2],
        }
    )
    inputs = replace(_inputs(_records(community_records)), review_decisions=decisions)

    run = run_identity(inputs, config, now=NOW)

    people = person_of(run.result.clusters)
    assert people["events:r1"] == people["product:s1"]
    assert "hubspot:1" not in people
    assert run.counts["review_decisions_applied"] == 1
    assert run.counts["review_decisions_erased"] == 1
    queue = run.result.review_queue
    assert queue["review_rank"].tolist() == list(range(1, len(queue) + 1))
    assert run.review_decisions["status"].tolist() == ["applied"]
    assert run.review_decisions["record_id_l"].tolist() == ["product:s1"]


def test_deleted_record_decision_stays_stale(community_records, config) -> None:
    # The first decision names slack:U9, which its source deletes after the first run.
    decisions = pd.DataFrame(
        {
            "record_id_l": ["slack:U9", "product:s1"],
            "record_id_r": ["discord:9", "events:r1"],
            "decision": ["must_link", "must_link"],
            "_file": ["identity_reviews/d.csv"] * 2,
            "_row_number": [1, 2],
        }
    )
    records = _records(community_records)
    no_requests = REQUESTS.iloc[:0]
    first = run_identity(_inputs(records, no_requests), config, now=NOW)
    remaining = records[records["record_id"] != "slack:U9"].reset_index(drop=True)

    second = run_identity(
        replace(
            _inputs(remaining, no_requests, clusters=first.result.clusters),
            review_decisions=decisions,
        ),
        config,
        now=NOW,
    )
    # The third run no longer finds slack:U9 in the last run's clusters, only in its decisions.
    third = run_identity(
        replace(
            _inputs(remaining, no_requests, clusters=second.result.clusters),
            review_decisions=decisions,
            previous_review_decisions=second.review_decisions,
        ),
        config,
        now=NOW,
    )

    for run in (second, third):
        assert run.review_decisions["status"].tolist() == ["stale", "applied"]
        assert run.counts["review_decisions_stale"] == 1
        assert run.counts["review_decisions_applied"] == 1
        assert run.counts["review_decisions_erased"] == 0
        people = person_of(run.result.clusters)
        assert people["events:r1"] == people["product:s1"]
