"""Pairwise and B-cubed precision, recall and F1 of a clustering against a truth mapping."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ml.errors import DataQualityError


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _aligned(predicted: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Join predicted and true cluster labels on record_id; every record must be in both."""
    joined = predicted[["record_id", "cluster_id"]].merge(
        truth[["record_id", "cluster_id"]], on="record_id", how="outer", suffixes=("_p", "_t")
    )
    missing = joined[joined["cluster_id_p"].isna() | joined["cluster_id_t"].isna()]
    if not missing.empty:
        raise DataQualityError(
            f"evaluation: {len(missing)} record id(s) are in only one of predicted and truth, "
            f"for example {missing['record_id'].iloc[0]!r}; both must cover the same records"
        )
    return joined


def pairwise_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Score the record pairs that share a cluster.

    Args:
        predicted: record_id, cluster_id from the resolver.
        truth: record_id, cluster_id from the truth mapping.

    Returns:
        precision, recall, f1 and the pair counts (true_positive_pairs,
        predicted_pairs, true_pairs). Precision is 1.0 when no pair is predicted and
        recall is 1.0 when no pair is true.
    """
    joined = _aligned(predicted, truth)

    def pair_count(columns: list[str]) -> int:
        sizes = joined.groupby(columns).size()
        return int((sizes * (sizes - 1) // 2).sum())

    predicted_pairs = pair_count(["cluster_id_p"])
    true_pairs = pair_count(["cluster_id_t"])
    both = pair_count(["cluster_id_p", "cluster_id_t"])
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "true_positive_pairs": both,
        "predicted_pairs": predicted_pairs,
        "true_pairs": true_pairs,
    }


def bcubed_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Score clusters per record with B-cubed (Bagga and Baldwin, 1998).

    For a record r, precision is the share of r's predicted cluster that shares r's true
    cluster, and recall the share of r's true cluster that shares r's predicted cluster.
    Both are averaged over records.

    Returns:
        precision, recall and f1.
    """
    joined = _aligned(predicted, truth)
    overlap = Counter(zip(joined["cluster_id_p"], joined["cluster_id_t"], strict=True))
    predicted_size = Counter(joined["cluster_id_p"])
    true_size = Counter(joined["cluster_id_t"])
    precision = recall = 0.0
    for (p, t), together in overlap.items():
        precision += together * together / predicted_size[p]
        recall += together * together / true_size[t]
    records = len(joined)
    precision, recall = precision / records, recall / records
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}
