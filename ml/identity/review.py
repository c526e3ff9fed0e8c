"""The review queue: model pairs too uncertain to decide without a person looking."""

from __future__ import annotations

import pandas as pd

# Fields a reviewer needs to judge a pair, shown for both records.
REVIEW_FIELDS = ["source", "email", "full_name", "handle", "company_name", "company_domain"]


def build_review_queue(
    scored: pd.DataFrame,
    rule_links: pd.DataFrame,
    decided: pd.DataFrame,
    prepared: pd.DataFrame,
    band: tuple[float, float],
    person_of: dict[str, str],
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

    Returns:
        record_id_l, record_id_r, match_probability, same_person (whether other links
        already put both records into one person) and the review fields of both records
        (suffixes `_l` and `_r`). Pairs of different people come first, because a
        must_link there changes the result; within each part the most uncertain pairs
        (closest to 0.5) come first.
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
    queue["_uncertainty"] = (queue["match_probability"] - 0.5).abs()
    queue = queue.sort_values(["same_person", "_uncertainty"], kind="stable")
    return queue.drop(columns="_uncertainty").reset_index(drop=True)
