import pandas as pd

from ml.identity import resolve_people
from ml.identity.config import IdentityResult
from ml.identity.privacy import (
    AUDIT_COLUMNS,
    apply_consent,
    apply_erasure,
    drop_records,
    erasure_only,
    hash_key,
    rows_with_erased_email,
    rows_with_erased_handle,
    widen_to_threshold,
)
from tests.ml.identity.conftest import person_of


def test_apply_erasure_removes_person(community_records, config) -> None:
    result = resolve_people(community_records, config)
    jane = person_of(result.clusters)["hubspot:1"]
    requests = pd.DataFrame(
        {
            "request_id": ["ER1", "ER2"],
            "email": [" JANE.DOE@acme.com", "nobody@example.org"],
            "requested_at": ["2026-01-02 10:00:00", "2026-01-03 10:00:00"],
            "status": ["completed", "pending"],
        }
    )
    reduced, audit = apply_erasure(result, community_records, requests)
    assert jane not in set(reduced.clusters["person_id"])
    assert len(reduced.clusters) == len(community_records) - 4
    assert not reduced.links["record_id_l"].isin(["hubspot:1", "stripe:cus_1"]).any()
    assert not reduced.threshold_clusters["record_id"].eq("github:janedoe").any()
    assert reduced.metrics["people_erased"] == 1
    assert audit.columns.tolist() == AUDIT_COLUMNS
    assert audit[["request_id", "people_erased", "records_erased"]].values.tolist() == [
        ["ER1", 1, 4],
        ["ER2", 0, 0],
    ]
    assert not audit.astype(str).apply(lambda c: c.str.contains("@")).any().any()


def test_apply_consent_detaches_source(community_records, config) -> None:
    result = resolve_people(community_records, config)
    consent = pd.DataFrame(
        {"email": ["jane.doe@acme.com"], "source": ["discourse"], "may_join": [False]}
    )
    detached = apply_consent(result, community_records, consent, config.id_salt)
    people = person_of(detached.clusters)
    assert people["discourse:7"] != people["hubspot:1"]
    assert people["github:janedoe"] == people["hubspot:1"]
    clusters = detached.clusters.set_index("record_id")
    assert clusters.loc["discourse:7", "matched_by"] == "consent:detached"
    links = detached.links
    assert not (
        links["record_id_l"].eq("discourse:7") | links["record_id_r"].eq("discourse:7")
    ).any()


def _threshold_result() -> IdentityResult:
    # Main clustering: Jane = {hubspot:1, slack:1}, and github:9 alone. At 0.5 github:9
    # joins Jane; at 0.8 it does not.
    clusters = pd.DataFrame(
        {"record_id": ["hubspot:1", "slack:1", "github:9"], "person_id": ["p1", "p1", "p2"]}
    )
    thresholds = pd.DataFrame(
        {
            "threshold": [0.5, 0.5, 0.5, 0.8, 0.8, 0.8],
            "record_id": ["hubspot:1", "slack:1", "github:9"] * 2,
            "person_id": ["p1", "p1", "p1", "p1", "p1", "p2"],
        }
    )
    pairs = pd.DataFrame(columns=["record_id_l", "record_id_r"])
    return IdentityResult(clusters, pairs, pairs, pd.DataFrame(), thresholds, {})


def test_widen_to_threshold_adds_cluster() -> None:
    widened = widen_to_threshold(_threshold_result(), {"ER1": {"hubspot:1", "slack:1"}}, 0.5)
    assert widened == {"ER1": {"hubspot:1", "slack:1", "github:9"}}


def test_widen_to_threshold_other_threshold() -> None:
    widened = widen_to_threshold(_threshold_result(), {"ER1": {"hubspot:1", "slack:1"}}, 0.8)
    assert widened == {"ER1": {"hubspot:1", "slack:1"}}


def test_widen_to_threshold_not_run() -> None:
    by_request = {"ER1": {"hubspot:1"}, "ER2": set()}
    assert widen_to_threshold(_threshold_result(), by_request, 0.3) == by_request


def test_drop_records_removes_rows() -> None:
    reduced = drop_records(_threshold_result(), {"github:9"})
    assert reduced.clusters["record_id"].tolist() == ["hubspot:1", "slack:1"]
    assert not reduced.threshold_clusters["record_id"].eq("github:9").any()


def test_rows_with_erased_email_matches_normalized() -> None:
    # Only janedoe@gmail.com is on the list as an email. The handle entry matches no text, and
    # janedoe@gmail.co in row 13 is another address.
    erased = pd.DataFrame(
        {
            "key_type": ["email", "handle"],
            "key_sha256": [hash_key("janedoe@gmail.com"), hash_key("slack:U1")],
        }
    )
    texts = pd.DataFrame(
        {
            "value": ["maybe", None, "slack:U1", "Bo@x.io", None],
            "record": [
                '{"email":"Jane.Doe+news@googlemail.com","attended":"maybe"}',
                "mailto:JANEDOE@gmail.com",
                '{"user":"U1"}',
                '{"email":"bo@x.io","note":"cc janedoe@gmail.co"}',
                None,
            ],
        },
        index=[10, 11, 12, 13, 14],
    )

    marked = rows_with_erased_email(texts, erased)

    assert marked.index.tolist() == [10, 11, 12, 13, 14]
    assert marked.tolist() == [True, True, False, False, False]


def test_rows_with_erased_email_empty_list() -> None:
    erased = pd.DataFrame({"key_type": pd.Series(dtype=str), "key_sha256": pd.Series(dtype=str)})
    texts = pd.DataFrame({"value": ["ann@x.io"], "record": [None]})

    assert rows_with_erased_email(texts, erased).tolist() == [False]


def test_rows_with_erased_handle_searches_handle_sources() -> None:
    # Only slack:jdoe and github:octo are erased handles. Row 3 is a web table, whose text
    # is not searched, row 4 has another Slack name and row 5 is not JSON.
    erased = pd.DataFrame(
        {
            "key_type": ["handle", "handle", "email"],
            "key_sha256": [hash_key("slack:jdoe"), hash_key("github:octo"), hash_key("jdoe")],
        }
    )
    rows = pd.DataFrame(
        {
            "table_name": [
                "slack_users",
                "github_events",
                "web_pageviews",
                "slack_users",
                "slack_messages",
            ],
            "value": [None, None, None, "jdoe2", None],
            "record": [
                '{"id": null, "name": " jdoe "}',
                '{"sender": {"login": "octo", "id": 7}}',
                '{"user": "jdoe"}',
                '{"name": "jdoe2"}',
                "broken {user=jdoe, text",
            ],
        },
        index=[1, 2, 3, 4, 5],
    )

    marked = rows_with_erased_handle(rows, erased)

    assert marked.index.tolist() == [1, 2, 3, 4, 5]
    assert marked.tolist() == [True, True, False, False, True]


def test_rows_with_erased_handle_repeated_index_labels() -> None:
    # Rows were looked up by index label, so two rows with the same label read a Series
    # instead of a record and were never marked.
    erased = pd.DataFrame({"key_type": ["handle"], "key_sha256": [hash_key("slack:jdoe")]})
    rows = pd.DataFrame(
        {
            "table_name": ["slack_users", "slack_users"],
            "value": [None, None],
            "record": ['{"name": "jdoe"}', '{"name": "other"}'],
        },
        index=[7, 7],
    )

    marked = rows_with_erased_handle(rows, erased)

    assert marked.index.tolist() == [7, 7]
    assert marked.tolist() == [True, False]


def test_rows_with_erased_handle_deeply_nested_record() -> None:
    # JSON nested deeper than the parser's recursion limit used to raise RecursionError and
    # fail the identity asset. The record's words are searched instead.
    erased = pd.DataFrame({"key_type": ["handle"], "key_sha256": [hash_key("github:octo")]})
    deep = '{"a": ' * 5000 + '"octo"' + "}" * 5000
    rows = pd.DataFrame({"table_name": ["github_events"], "value": [None], "record": [deep]})

    assert rows_with_erased_handle(rows, erased).tolist() == [True]


def test_erasure_only_keeps_erasure_and_untyped_requests() -> None:
    requests = pd.DataFrame(
        {
            "request_id": ["a", "b", "c", "d", "e", "f"],
            "request_type": ["erasure", " Access ", None, " Deletion", "portability", ""],
        }
    )

    erasures = erasure_only(requests)

    assert erasures["request_id"].tolist() == ["a", "c", "d", "f"]
    assert erasure_only(requests.drop(columns="request_type"))["request_id"].tolist() == list(
        "abcdef"
    )
