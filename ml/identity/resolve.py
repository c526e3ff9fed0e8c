"""Resolve source identities into people: rules, then the Splink model, then overrides."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ml.identity.clusters import (
    cluster_records,
    small_cluster_links,
    strongest_link_per_record,
    unique_owner_links,
)
from ml.identity.config import IdentityConfig, IdentityResult
from ml.identity.ids import LINEAGE_COLUMNS, assign_person_ids
from ml.identity.model import score_pairs
from ml.identity.overrides import load_overrides
from ml.identity.prepare import prepare_records
from ml.identity.review import build_review_queue
from ml.identity.rules import (
    LINK_COLUMNS,
    apply_cannot_link_rules,
    apply_rules,
    load_cannot_link_rules,
    load_rules,
)
from ml.identity.settings import is_register

logger = logging.getLogger(__name__)


def resolve_people(
    records: pd.DataFrame,
    config: IdentityConfig,
    *,
    previous_clusters: pd.DataFrame | None = None,
    overrides: pd.DataFrame | str | Path | None = None,
    model_path: str | Path | None = None,
) -> IdentityResult:
    """Cluster person records into people with stable pseudonymous ids.

    Deterministic rules from `config.rules_path` link first, and the Splink model scores
    the remaining candidate pairs. Reviewer overrides win over both: must-link joins, and
    cannot-link keeps apart even through other records.

    Args:
        records: One row per source identity (see `ml.identity.prepare`).
        config: Thresholds, seed and training settings.
        previous_clusters: record_id and person_id from the last run; person ids of
            unchanged people are kept.
        overrides: must_link / cannot_link decisions, as a frame or CSV path.
        model_path: Saved model to reload; when the file does not exist a model is
            trained and written there.

    Returns:
        Clusters, links, review queue, lineage, threshold clusters and metrics.

    Raises:
        DataQualityError: Invalid records, or overrides naming unknown records.
        InputFileError: An invalid overrides file.
    """
    started = time.perf_counter()
    prepared = prepare_records(records)
    if prepared.empty:
        # A landing folder with no person-bearing source (the Olist funnel alone) is valid.
        logger.info("identity resolution: no records to resolve")
        return _empty_result()
    record_ids = prepared["record_id"].tolist()
    decisions = load_overrides(overrides, set(record_ids))

    rule_links = apply_rules(prepared, load_rules(config.rules_path))
    scored = score_pairs(prepared, config, model_path)
    edges = _combine_edges(rule_links, scored.pairs, decisions)
    cannot_link = _cannot_link_pairs(prepared, decisions, config)

    last_names = _last_names(prepared) if config.model_links_need_name_agreement else None
    roots, accepted = _cluster(
        prepared, edges, cannot_link, config.match_threshold, last_names, config
    )
    changed_at = datetime.now(UTC)
    person_of, lineage = assign_person_ids(roots, previous_clusters, config.id_salt, changed_at)
    clusters = strongest_link_per_record(record_ids, accepted)
    clusters.insert(1, "person_id", clusters["record_id"].map(person_of))

    threshold_clusters = _threshold_clusters(
        prepared, edges, cannot_link, config, person_of, changed_at, last_names
    )
    decided = pd.concat(
        [
            decisions[["record_id_l", "record_id_r"]],
            pd.DataFrame(cannot_link, columns=["record_id_l", "record_id_r"]),
        ]
    )
    review_queue = build_review_queue(
        scored.pairs, rule_links, decided, prepared, config.review_band, person_of, config.id_salt
    )
    metrics = _metrics(clusters, accepted, review_queue, scored.model, started)
    metrics["cannot_link_pairs"] = len(cannot_link)
    metrics["must_link_overrides"] = int((decisions["decision"] == "must_link").sum())
    metrics["cannot_link_overrides"] = int((decisions["decision"] == "cannot_link").sum())
    logger.info(
        "identity resolution: %s records -> %s people in %.1f s",
        metrics["records"],
        metrics["people"],
        metrics["seconds"],
    )
    return IdentityResult(
        clusters=clusters[["record_id", "person_id", "match_probability", "matched_by"]],
        links=accepted[LINK_COLUMNS],
        review_queue=review_queue,
        lineage=lineage,
        threshold_clusters=threshold_clusters,
        metrics=metrics,
    )


def _cluster(
    prepared: pd.DataFrame,
    edges: pd.DataFrame,
    cannot_link: list[tuple[str, str]],
    threshold: float,
    last_names: dict[str, str] | None,
    config: IdentityConfig,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Cluster at `threshold`, then join clusters that lack evidence to their owner.

    Small clusters join their strongest weak link only in person lists with a date of
    birth (registers), like the register blocking keys: community records are left as
    the threshold and the unique-owner links make them.
    """
    record_ids = prepared["record_id"].tolist()
    steps: list[Callable[[dict[str, str]], pd.DataFrame]] = []
    if config.link_unique_owners:
        steps.append(
            functools.partial(
                unique_owner_links, prepared, personal_names=config.link_personal_names
            )
        )
    if config.small_cluster_threshold is not None and is_register(prepared):
        steps.append(
            functools.partial(
                small_cluster_links,
                edges,
                floor=config.small_cluster_threshold,
                max_size=config.small_cluster_size,
            )
        )
    late_links = None
    if steps:

        def late_links(roots: dict[str, str]) -> pd.DataFrame:
            return pd.concat([step(roots) for step in steps], ignore_index=True)

    return cluster_records(record_ids, edges, cannot_link, threshold, last_names, late_links)


def _last_names(prepared: pd.DataFrame) -> dict[str, str]:
    """Map record ids to normalized last names, skipping records without one."""
    named = prepared.dropna(subset=["last_name_key"])
    return dict(zip(named["record_id"], named["last_name_key"], strict=True))


def _cannot_link_pairs(
    prepared: pd.DataFrame, decisions: pd.DataFrame, config: IdentityConfig
) -> list[tuple[str, str]]:
    """Pairs to keep apart: cannot-link overrides plus cannot-link rules.

    A rule pair that a reviewer marked must_link is dropped, so the override wins.
    """
    overridden = decisions.loc[decisions["decision"] == "cannot_link"]
    pairs = set(overridden[["record_id_l", "record_id_r"]].itertuples(index=False, name=None))
    must = decisions.loc[decisions["decision"] == "must_link"]
    must_pairs = set(must[["record_id_l", "record_id_r"]].itertuples(index=False, name=None))
    rule_pairs = apply_cannot_link_rules(prepared, load_cannot_link_rules(config.rules_path))
    pairs.update(pair for pair in rule_pairs if pair not in must_pairs)
    return sorted(pairs)


def _combine_edges(
    rule_links: pd.DataFrame, model_pairs: pd.DataFrame, decisions: pd.DataFrame
) -> pd.DataFrame:
    """Stack must-link, rule and model edges; a pair keeps its strongest kind only."""
    must = decisions[decisions["decision"] == "must_link"][["record_id_l", "record_id_r"]].copy()
    must["match_probability"] = 1.0
    must["matched_by"] = "override"
    model = model_pairs.assign(matched_by="model")
    frames = [frame for frame in (must, rule_links, model) if not frame.empty]
    if not frames:
        return rule_links[LINK_COLUMNS]
    edges = pd.concat(frames, ignore_index=True)[LINK_COLUMNS]
    return edges.drop_duplicates(["record_id_l", "record_id_r"], keep="first")


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="string") for column in columns})


def _empty_result() -> IdentityResult:
    """Return a result with every frame present and empty, for an empty input."""
    clusters = _empty_frame(["record_id", "person_id", "match_probability", "matched_by"])
    clusters["match_probability"] = clusters["match_probability"].astype(float)
    links = _empty_frame(LINK_COLUMNS)
    links["match_probability"] = links["match_probability"].astype(float)
    review_queue = links.assign(same_person=pd.Series(dtype=bool))
    review_queue.insert(0, "pair_id", pd.Series(dtype="string"))
    review_queue.insert(1, "review_rank", pd.Series(dtype="int64"))
    threshold_clusters = _empty_frame(["threshold", "record_id", "person_id"])
    threshold_clusters["threshold"] = threshold_clusters["threshold"].astype(float)
    return IdentityResult(
        clusters=clusters,
        links=links,
        review_queue=review_queue,
        lineage=_empty_frame(LINEAGE_COLUMNS),
        threshold_clusters=threshold_clusters,
        metrics={"records": 0, "people": 0, "seconds": 0.0},
    )


def _threshold_clusters(
    prepared: pd.DataFrame,
    edges: pd.DataFrame,
    cannot_link: list[tuple[str, str]],
    config: IdentityConfig,
    person_of: dict[str, str],
    changed_at: datetime,
    last_names: dict[str, str] | None,
) -> pd.DataFrame:
    """Cluster again at each sensitivity threshold, naming clusters after the main run."""
    main = pd.DataFrame({"record_id": list(person_of), "person_id": list(person_of.values())})
    frames = []
    for threshold in sorted(set(config.sensitivity_thresholds)):
        roots, _ = _cluster(prepared, edges, cannot_link, threshold, last_names, config)
        names, _ = assign_person_ids(roots, main, config.id_salt, changed_at)
        frames.append(
            pd.DataFrame(
                {
                    "threshold": threshold,
                    "record_id": list(names),
                    "person_id": list(names.values()),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _metrics(
    clusters: pd.DataFrame,
    accepted: pd.DataFrame,
    review_queue: pd.DataFrame,
    model: dict[str, object],
    started: float,
) -> dict[str, object]:
    kinds = accepted["matched_by"].value_counts()
    return {
        "records": len(clusters),
        "people": int(clusters["person_id"].nunique()),
        "links_by_rule": {
            kind.removeprefix("rule:"): int(count)
            for kind, count in kinds.items()
            if str(kind).startswith("rule:")
        },
        "links_by_model": int(kinds.get("model", 0)),
        "links_by_override": int(kinds.get("override", 0)),
        "review_queue_pairs": len(review_queue),
        "model": model,
        "seconds": round(time.perf_counter() - started, 3),
    }
