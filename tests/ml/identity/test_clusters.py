import pandas as pd

from ml.identity.clusters import cluster_records


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
