"""Behaviour scoring: a value per action type from its measured link to conversion.

`fit_action_values` counts each person's actions of each type before their conversion (or
before `as_of` for people who did not convert) and fits an L2-penalised logistic
regression of conversion on log(1 + count) per action type. An action's coefficient is
the change in log-odds of conversion per unit of log(1 + count), holding the other
actions fixed. `points` rescales the coefficients so the largest absolute one is 100.
`score_behaviour` sums points x log(1 + count) per person.

The link is an association, not a causal effect: people with buying intent do more of
everything. Causal channel effects come from the attribution models instead.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ml.errors import DataQualityError

logger = logging.getLogger(__name__)

VALUE_COLUMNS = [
    "action",
    "persons_with_action",
    "conversion_rate_with",
    "conversion_rate_without",
    "lift",
    "coefficient",
    "points",
]


@dataclass(frozen=True)
class BehaviourConfig:
    """Settings of the behaviour score.

    Attributes:
        regularisation: Inverse L2 strength C of the logistic regression.
        min_persons: Action types done by fewer people get no value (too little evidence).
    """

    regularisation: float = 1.0
    min_persons: int = 20


def _action_counts(
    activities: pd.DataFrame, outcomes: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, np.ndarray]:
    """Count actions per person and type before conversion (or as_of); return counts, labels."""
    missing = {"person_id", "action", "occurred_at"} - set(activities.columns)
    missing |= {
        f"outcomes.{name}" for name in {"person_id", "converted_at"} - set(outcomes.columns)
    }
    if missing:
        raise DataQualityError(
            f"behaviour input: missing column(s) {sorted(missing)}; expected activities with "
            "person_id, action, occurred_at and outcomes with person_id, converted_at"
        )
    people = outcomes.drop_duplicates("person_id").set_index("person_id")["converted_at"]
    # NOTE: converters are counted up to their conversion and others up to as_of, so
    # non-converters have longer windows; this biases coefficients toward zero.
    cutoff = pd.to_datetime(people).fillna(as_of)
    joined = activities.assign(occurred_at=pd.to_datetime(activities["occurred_at"]))
    joined = joined[joined["person_id"].isin(people.index)]
    joined = joined[joined["occurred_at"] < joined["person_id"].map(cutoff)]
    counts = pd.crosstab(joined["person_id"], joined["action"]).reindex(people.index, fill_value=0)
    return counts, people.notna().to_numpy().astype(int)


def fit_action_values(
    activities: pd.DataFrame,
    outcomes: pd.DataFrame,
    as_of: pd.Timestamp,
    config: BehaviourConfig,
) -> pd.DataFrame:
    """Estimate the value of each action type from its link to later conversion.

    Args:
        activities: One row per action: person_id, action (type name), occurred_at.
        outcomes: One row per person in scope: person_id, converted_at (NaT if the person
            has not converted by as_of).
        as_of: End of observation for people who did not convert.
        config: Regularisation and minimum support.

    Returns:
        One row per action type with the columns in `VALUE_COLUMNS`, highest points first;
        coefficient and points are NaN for types below `min_persons`.

    Raises:
        DataQualityError: on a missing column, or when every person has the same outcome.
    """
    counts, labels = _action_counts(activities, outcomes, as_of)
    if labels.min() == labels.max():
        raise DataQualityError(
            f"behaviour input: all {labels.size} people have converted={labels[0]}; "
            "expected both converters and non-converters"
        )
    supported = [
        action for action in counts.columns if (counts[action] > 0).sum() >= config.min_persons
    ]

    rows = []
    for action in counts.columns:
        done = (counts[action] > 0).to_numpy()
        rate_with = labels[done].mean() if done.any() else np.nan
        rate_without = labels[~done].mean() if (~done).any() else np.nan
        rows.append(
            {
                "action": action,
                "persons_with_action": int(done.sum()),
                "conversion_rate_with": rate_with,
                "conversion_rate_without": rate_without,
                "lift": rate_with / rate_without if rate_without else np.nan,
            }
        )
    values = pd.DataFrame(rows, columns=VALUE_COLUMNS[:5]).set_index("action")
    values["coefficient"] = np.nan
    if supported:
        model = LogisticRegression(C=config.regularisation, max_iter=1000)
        model.fit(np.log1p(counts[supported].to_numpy(float)), labels)
        values.loc[supported, "coefficient"] = model.coef_[0]
    largest = values["coefficient"].abs().max()
    values["points"] = 100 * values["coefficient"] / largest if largest > 0 else np.nan
    logger.info("behaviour values for %s action types (%s supported)", len(values), len(supported))
    return values.reset_index().sort_values("points", ascending=False, na_position="last")


def score_behaviour(
    activities: pd.DataFrame, action_values: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Score each person as the sum of points x log(1 + count) over actions before as_of.

    Action types without points count for nothing.

    Returns:
        Columns person_id, behaviour_score, one row per person with any activity.
    """
    points = action_values.set_index("action")["points"].fillna(0.0)
    recent = activities[pd.to_datetime(activities["occurred_at"]) < as_of]
    counts = pd.crosstab(recent["person_id"], recent["action"])
    weights = points.reindex(counts.columns, fill_value=0.0).to_numpy()
    scores = np.log1p(counts.to_numpy(float)) @ weights
    return pd.DataFrame({"person_id": counts.index, "behaviour_score": scores})
