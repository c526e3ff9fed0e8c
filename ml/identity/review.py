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
) -> pd.DataFrame:
    """Select model pairs with lower <= probability < upper that nothing else has decided.

    Pairs already linked by a rule, and `decided` pairs (overrides and cannot-link rules),
    are left out, because a review cannot change their outcome.

    Returns:
        record_id_l, record_id_r, match_probability and the review fields of both
        records (suffixes `_l` and `_r`), most uncertain pairs (closest to 0.5) first.
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
    order = (queue["match_probability"] - 0.5).abs().sort_values(kind="stable").index
    return queue.loc[order].reset_index(drop=True)
