import pandas as pd

from ml.identity.clusters import cluster_records, small_cluster_links, unique_owner_links
from ml.identity.prepare import prepare_records


def _edges(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["record_id_l", "record_id_r", "match_probability", "matched_by"]
    )


def test_cluster_records_cannot_link_blocks_chain() -> None:
    # a-b and b-c are strong, but a and c may not share a person: the weaker link loses.
    edges = _edges([("a", "b", 0.99, "model"), ("b", "c", 0.95, "model")])
    roots, accepted = cluster_records(["a", "b", "c"], edges, [("a", "c")], threshold=0.9)
    assert roots["a"] == roots["b"]
    assert roots["c"] != roots["a"]
    assert len(accepted) == 1


def test_cluster_records_threshold_applies_to_model_only() -> None:
    edges = _edges([("a", "b", 1.0, "rule:same_email"), ("b", "c", 0.6, "model")])
    roots, _ = cluster_records(["a", "b", "c"], edges, [], threshold=0.9)
    assert roots["a"] == roots["b"]
    assert roots["c"] != roots["b"]


def test_cluster_records_model_needs_name_agreement() -> None:
    # A nameless GitHub record links to Michael King and Michael Clark alike; the second
    # model link would chain two different last names into one person.
    edges = _edges([("gh", "king", 0.99, "model"), ("clark", "gh", 0.98, "model")])
    last_names = {"king": "king", "clark": "clark"}
    roots, _ = cluster_records(["gh", "king", "clark"], edges, [], 0.9, last_names)
    assert roots["gh"] == roots["king"]
    assert roots["clark"] != roots["king"]


def test_cluster_records_rule_ignores_name_agreement() -> None:
    edges = _edges([("a", "b", 1.0, "rule:same_email")])
    roots, _ = cluster_records(["a", "b"], edges, [], 0.9, {"a": "lopez", "b": "garcia"})
    assert roots["a"] == roots["b"]


def test_cluster_records_named_pair_skips_name_check() -> None:
    # Both records carry a last name, so the model already compared them (swapped names).
    edges = _edges([("a", "b", 0.99, "model")])
    roots, _ = cluster_records(["a", "b"], edges, [], 0.9, {"a": "sybella", "b": "shepherd"})
    assert roots["a"] == roots["b"]


def _owner_links(rows: list[dict[str, str]], roots: dict[str, str] | None = None) -> set:
    prepared = prepare_records(pd.DataFrame(rows))
    ids = prepared["record_id"].tolist()
    links = unique_owner_links(prepared, roots or {record_id: record_id for record_id in ids})
    return set(zip(links["record_id_l"], links["record_id_r"], links["matched_by"], strict=True))


JANE_DOE = {"record_id": "hubspot:1", "source": "hubspot", "email": "jane.doe@acme.com",
            "full_name": "Jane Doe"}  # fmt: skip
GITHUB_JANE = {"record_id": "github:1", "source": "github", "handle": "jane_d"}


def test_unique_owner_handle_to_name() -> None:
    # jane_d (janed without the underscore) is Jane Doe's first name and last initial.
    assert _owner_links([JANE_DOE, GITHUB_JANE]) == {("github:1", "hubspot:1", "unique_handle")}


def test_unique_owner_links_leaves_shared_handle_alone() -> None:
    jane_dunn = {"record_id": "hubspot:2", "source": "hubspot", "email": "jane@dunn.io",
                 "full_name": "Jane Dunn"}  # fmt: skip
    assert _owner_links([JANE_DOE, jane_dunn, GITHUB_JANE]) == set()


def test_unique_owner_counts_person_once() -> None:
    jane_gmail = {"record_id": "events:1", "source": "events", "email": "jd@gmail.com",
                  "full_name": "Jane Doe"}  # fmt: skip
    roots = {"hubspot:1": "hubspot:1", "events:1": "hubspot:1", "github:1": "github:1"}
    links = _owner_links([JANE_DOE, jane_gmail, GITHUB_JANE], roots)
    # The link goes to the owner's smallest record id that builds the handle.
    assert links == {("events:1", "github:1", "unique_handle")}


def test_unique_owner_name_to_namesake() -> None:
    carol = {"record_id": "slack:1", "source": "slack", "email": "carol@hooli.com",
             "full_name": "Carol Jones"}  # fmt: skip
    carol_no_email = {"record_id": "discord:9", "source": "discord", "handle": "cj",
                      "full_name": "Carol Jones"}  # fmt: skip
    assert _owner_links([carol, carol_no_email]) == {("discord:9", "slack:1", "unique_name")}
    other_carol = {**carol, "record_id": "events:2", "email": "carol.jones@initech.com"}
    assert _owner_links([carol, other_carol, carol_no_email]) == set()


def test_unique_owner_customer_to_employee() -> None:
    customer = {"record_id": "stripe:1", "source": "stripe", "email": "billing@acme.com",
                "company_name": "Jane Doe"}  # fmt: skip
    assert _owner_links([JANE_DOE, customer]) == {("hubspot:1", "stripe:1", "unique_customer_name")}
    # A company name matches no person, and a namesake at another domain is not an owner.
    company = {**customer, "company_name": "Acme Retail"}
    assert _owner_links([JANE_DOE, company]) == set()
    elsewhere = {**customer, "email": "billing@initech.com"}
    assert _owner_links([JANE_DOE, elsewhere]) == set()
    # Two Jane Does at acme.com make the customer name ambiguous.
    other_jane = {**JANE_DOE, "record_id": "events:3", "email": "jdoe@acme.com"}
    assert _owner_links([JANE_DOE, other_jane, customer]) == set()


def test_cluster_records_applies_unique_owner_links_last() -> None:
    # The unique-owner link is not a model link: it joins below the model threshold.
    edges = _edges([("a", "b", 0.5, "model"), ("b", "c", 1.0, "unique_name")])
    roots, _ = cluster_records(["a", "b", "c"], edges, [], threshold=0.9)
    assert roots["b"] == roots["c"]
    assert roots["a"] != roots["b"]


def test_unique_owner_skips_tool_account_holder() -> None:
    # jane_d fits Jane Doe and Jane Dunn, but Jane Dunn already has a GitHub account.
    jane_dunn = {"record_id": "hubspot:2", "source": "hubspot", "email": "jane@dunn.io",
                 "full_name": "Jane Dunn"}  # fmt: skip
    dunn_github = {"record_id": "github:2", "source": "github", "handle": "dunnj"}
    roots = {"hubspot:1": "hubspot:1", "hubspot:2": "hubspot:2", "github:2": "hubspot:2",
             "github:1": "github:1"}  # fmt: skip
    links = _owner_links([JANE_DOE, jane_dunn, dunn_github, GITHUB_JANE], roots)
    assert links == {("github:1", "hubspot:1", "unique_handle")}
    # A Slack account is another tool, so Jane Dunn stays a candidate.
    dunn_slack = {**dunn_github, "record_id": "slack:2", "source": "slack"}
    roots = {**roots, "slack:2": roots.pop("github:2")}
    assert _owner_links([JANE_DOE, jane_dunn, dunn_slack, GITHUB_JANE], roots) == set()


def test_cluster_records_repeats_unique_owner_links() -> None:
    # Round 1: allenre fits only Rebecca Allen. Round 2: rallen fits Rebecca and Richard
    # Allen, but Rebecca's cluster now contains a GitHub account, so it goes to Richard.
    rows = [
        {"record_id": "events:1", "source": "events", "email": "rebecca@a.co",
         "full_name": "Rebecca Allen"},
        {"record_id": "events:2", "source": "events", "email": "richard@b.co",
         "full_name": "Richard Allen"},
        {"record_id": "github:1", "source": "github", "handle": "allenre"},
        {"record_id": "github:2", "source": "github", "handle": "rallen"},
    ]  # fmt: skip
    prepared = prepare_records(pd.DataFrame(rows))
    ids = prepared["record_id"].tolist()
    roots, accepted = cluster_records(
        ids, _edges([]), [], 0.9, late_links=lambda r: unique_owner_links(prepared, r)
    )
    assert roots["github:1"] == roots["events:1"]
    assert roots["github:2"] == roots["events:2"] != roots["events:1"]
    assert set(accepted["matched_by"]) == {"unique_handle"}


def test_unique_owner_personal_address_to_work_namesake() -> None:
    personal = {"record_id": "events:7", "source": "events", "email": "janedoe77@gmail.com",
                "full_name": "Jane Doe"}  # fmt: skip
    assert _owner_links([JANE_DOE, personal]) == {("events:7", "hubspot:1", "unique_personal_name")}
    # A typed company name makes the cluster an employer's: the model weighs it instead.
    typed = {**personal, "company_name": "Acme"}
    assert _owner_links([JANE_DOE, typed]) == set()
    # Two personal Jane Does, or two Jane Does at companies, leave the name ambiguous.
    other_personal = {**personal, "record_id": "events:8", "email": "jdoe@outlook.com"}
    assert _owner_links([JANE_DOE, personal, other_personal]) == set()
    other_work = {**JANE_DOE, "record_id": "hubspot:2", "email": "jane@initech.com"}
    assert _owner_links([JANE_DOE, other_work, personal]) == set()


def _small_cluster_pairs(edges: pd.DataFrame, roots: dict[str, str]) -> set[tuple[str, str]]:
    links = small_cluster_links(edges, roots, floor=0.2, max_size=2)
    assert set(links["matched_by"]) <= {"small_cluster"}
    return set(zip(links["record_id_l"], links["record_id_r"], strict=True))


def test_small_cluster_joins_strongest_link() -> None:
    # a, b and c are one person, and e, g and h another. d scores 0.4 against b and 0.3
    # against e, so it joins a. f scores 0.1 only, below the floor.
    roots = {"a": "a", "b": "a", "c": "a", "d": "d", "e": "e", "g": "e", "h": "e", "f": "f"}
    edges = _edges([("b", "d", 0.4, "model"), ("d", "e", 0.3, "model"),
                    ("a", "f", 0.1, "model"), ("a", "b", 0.99, "model")])  # fmt: skip
    assert _small_cluster_pairs(edges, roots) == {("b", "d")}


def test_small_cluster_links_leave_two_small_clusters_apart() -> None:
    # Two singletons linked weakly stay apart: weak links do not make a new person.
    roots = {"a": "a", "b": "b"}
    assert _small_cluster_pairs(_edges([("a", "b", 0.9, "model")]), roots) == set()


def test_small_cluster_links_move_only_small_clusters() -> None:
    # Three records are more than max_size, so their cluster stays where it is.
    roots = {"a": "a", "b": "a", "c": "a", "d": "d", "e": "d", "f": "d", "g": "d"}
    assert _small_cluster_pairs(_edges([("a", "d", 0.9, "model")]), roots) == set()


def test_small_cluster_links_ignore_rules() -> None:
    roots = {"a": "a", "b": "b", "c": "b"}
    edges = _edges([("a", "b", 1.0, "rule:same_email")])
    assert _small_cluster_pairs(edges, roots) == set()
