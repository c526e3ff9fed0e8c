"""Settings and result types of the identity resolution step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ml.errors import ConfigurationError

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")


@dataclass(frozen=True)
class IdentityConfig:
    """Thresholds, seed and training settings of one identity resolution run.

    Attributes:
        match_threshold: Minimum Splink match probability for a model link to join two
            records into one person.
        review_band: Half-open interval `[lower, upper)` of match probabilities whose pairs
            go to the review queue instead of being decided silently.
        sensitivity_thresholds: Extra thresholds at which the clustering is repeated, so
            downstream figures can be checked for how much they depend on the threshold.
        seed: Seed for the random sampling that estimates the u probabilities.
        rules_path: YAML file with the deterministic match rules.
        id_salt: Text mixed into the hash that makes person ids, so an id cannot be
            recomputed from a guessed record id without the salt.
        min_training_records: Below this many records the model keeps the prior m and u
            probabilities from `ml.identity.settings`, because EM on a handful of pairs
            does not converge to anything meaningful.
        u_max_pairs: Maximum record pairs sampled to estimate the u probabilities.
        deterministic_recall: Assumed recall of the exact-match rules used to estimate the
            prior probability that two random records match.
        max_pairs_per_record: Guard against a blocking rule that compares everyone with
            everyone; the run fails when the blocked pairs exceed this many per record.
        model_links_need_name_agreement: Whether a model link from a record without a
            last name may join two groups of records only when some of their last names
            are within two edits. Links between two named records, rules and overrides
            are not checked.
        link_unique_owners: Whether, after clustering, a cluster that lacks evidence
            joins the one cluster its key points to: handles without a name join the
            only person whose name builds them (`jane_d`, `doejane`), names without
            an email or domain the only person with that name and an email or domain,
            and names on personal addresses only the only namesake with a work domain
            (`ml.identity.clusters.unique_owner_links`).
        link_personal_names: Whether those unique-owner links include the last kind
            (`unique_personal_name`). It joins people without an employer to a
            namesake at a company when no other namesake is in the input; turn it off
            for communities where most members have no employer.
        small_cluster_threshold: Person lists with a date of birth only: after
            clustering, a cluster of at most `small_cluster_size` records joins the
            larger cluster of its strongest model link at or above this probability
            (`ml.identity.clusters.small_cluster_links`), and pairs are kept down to it.
            None turns it off.
        small_cluster_size: Largest cluster that `small_cluster_threshold` moves.
    """

    match_threshold: float = 0.99
    review_band: tuple[float, float] = (0.5, 0.99)
    sensitivity_thresholds: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)
    seed: int = 42
    rules_path: Path = DEFAULT_RULES_PATH
    id_salt: str = "community-revenue-map"
    min_training_records: int = 500
    u_max_pairs: float = 2e6
    deterministic_recall: float = 0.7
    max_pairs_per_record: float = 2_000.0
    model_links_need_name_agreement: bool = True
    link_unique_owners: bool = True
    link_personal_names: bool = True
    small_cluster_threshold: float | None = 0.05
    small_cluster_size: int = 2

    def __post_init__(self) -> None:
        """Reject thresholds outside (0, 1) and a review band whose ends are reversed."""
        small = [] if self.small_cluster_threshold is None else [self.small_cluster_threshold]
        for name, value in (
            [("match_threshold", self.match_threshold)]
            + [("sensitivity_thresholds", value) for value in self.sensitivity_thresholds]
            + [("small_cluster_threshold", value) for value in small]
        ):
            if not 0.0 < value < 1.0:
                raise ConfigurationError(
                    f"IdentityConfig.{name}: {value!r} is invalid, expected a probability "
                    "strictly between 0 and 1"
                )
        lower, upper = self.review_band
        if not 0.0 <= lower < upper <= 1.0:
            raise ConfigurationError(
                f"IdentityConfig.review_band: {self.review_band!r} is invalid, expected "
                "(lower, upper) with 0 <= lower < upper <= 1"
            )
        if not 0.0 < self.deterministic_recall <= 1.0:
            raise ConfigurationError(
                f"IdentityConfig.deterministic_recall: {self.deterministic_recall!r} is "
                "invalid, expected a value in (0, 1]"
            )

    @property
    def prediction_floor(self) -> float:
        """Lowest match probability any output needs: pairs below it are never kept."""
        return min(self.match_threshold, self.review_band[0], *self.sensitivity_thresholds)


@dataclass(frozen=True)
class IdentityResult:
    """Frames written to the `identity` schema by one resolution run.

    Attributes:
        clusters: One row per record: record_id, person_id, match_probability (the
            strongest link joining the record to its person, null for a singleton) and
            matched_by (`rule:<name>`, `model`, `override` or `singleton`).
        links: Accepted pairwise links: record_id_l, record_id_r, match_probability,
            matched_by.
        review_queue: Model pairs inside the review band, with both records' fields.
        lineage: Person ids retired or split off by this run: old_person_id,
            new_person_id, changed_at, reason (`merge` or `split`).
        threshold_clusters: threshold, record_id, person_id for each sensitivity threshold.
        metrics: Counts and timing of the run.
    """

    clusters: pd.DataFrame
    links: pd.DataFrame
    review_queue: pd.DataFrame
    lineage: pd.DataFrame
    threshold_clusters: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)
