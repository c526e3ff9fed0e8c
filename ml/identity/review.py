"""The review queue: model pairs too uncertain to decide without a person looking."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

# Fields a reviewer needs to judge a pair, shown for both records.
REVIEW_FIELDS = ["source", "email", "full_name", "handle", "company_name", "company_domain"]
PAIR_ID_PREFIX = "pair_"


def make_pair_id(record_id_a: str, record_id_b: str, salt: str) -> str:
    """Hash two record ids into a pair id that does not depend on their order.

    The ids are salted like person ids, because a record id can contain an email.
    """
    left, right = sorted((record_id_a, record_id_b))
    digest = hashlib.sha256(f"{salt}\x1fpair\x1f{left}\x1f{right}".encode()).hexdigest()
    return PAIR_ID_PREFIX + digest[:16]


def rank_review_queue(queue: pd.DataFrame) -> pd.DataFrame:
    """Number the queue's rows 1..n in their current order as `review_rank`."""
    return queue.assign(review_rank=np.arange(1, len(queue) + 1, dtype="int64"))


def build_review_queue(
    scored: pd.DataFrame,
    rule_links: pd.DataFrame,
    decided: pd.DataFrame,
    prepared: pd.DataFrame,
    band: tuple[float, float],
    person_of: dict[str, str],
    salt: str,
) -> pd.DataFrame:
    """Select model pairs with lower <= probability < upper that nothing else has decided.

    Pairs already linked by a rule, and `decided` pairs (overrides and cannot-link rules),
    are left out, because a review cannot change their outcome.

    Args:
        scored: Model pairs with record_id_l, record_id_r and match_probability.
        rule_links: Pairs linked by deterministic rules.
        decided: Pairs covered by overrides or cannot-link rules.
        prepared: Prepared records, for the fields shown to the reviewer.
        band: Lower and upper match probability of the queue.
        person_of: Record id to person id of this run.
        salt: Text mixed into the pair ids (`IdentityConfig.id_salt`).

    Returns:
        pair_id (`make_pair_id`), review_rank (1 is reviewed first), record_id_l,
        record_id_r, match_probability, same_person (whether other links already put both
        records into one person) and the review fields of both records (suffixes `_l` and
        `_r`). Pairs of different people come first, because a must_link there changes
        the result; within each part the most uncertain pairs (closest to 0.5) come first.
    """
    lower, upper = band
    queue = scored[(scored["match_probability"] >= lower) & (scored["match_probability"] < upper)]
    known = pd.concat(
        [rule_links[["record_id_l", "record_id_r"]], decided[["record_id_l", "record_id_r"]]]
    ).drop_duplicates()
    queue = queue.merge(known, how="left", indicator=True)
    queue = queue[queue["_merge"] == "left_only"].drop(columns="_merge")

    fields = prepared[["record_id", *REVIEW_FIELDS]]
    for side in ("l", "r"):
        queue = queue.merge(
            fields.rename(columns={c: f"{c}_{side}" for c in ["record_id", *REVIEW_FIELDS]}),
            on=f"record_id_{side}",
            how="left",
        )
    queue.insert(
        3,
        "same_person",
        queue["record_id_l"].map(person_of) == queue["record_id_r"].map(person_of),
    )
    pair_ids = [
        make_pair_id(left, right, salt)
        for left, right in zip(queue["record_id_l"], queue["record_id_r"], strict=True)
    ]
    queue.insert(0, "pair_id", pd.Series(pair_ids, index=queue.index, dtype=object))
    queue.insert(1, "review_rank", 0)
    queue["_uncertainty"] = (queue["match_probability"] - 0.5).abs()
    # The pair id breaks ties, so the rank does not depend on the order Splink returns pairs.
    queue = queue.sort_values(["same_person", "_uncertainty", "pair_id"], kind="stable")
    queue = queue.drop(columns="_uncertainty").reset_index(drop=True)
    return rank_review_queue(queue)
