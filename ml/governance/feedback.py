"""Feedback from sales and success teams, and how it becomes labels.

A feedback file (`landing/feedback/*.csv`, see docs/model-governance.md) has one row per
submission. Its `feedback_type` gives what the submitter states:

- `score_wrong` / `score_right`: the conversion propensity score of the person named by
  `person_email` was wrong / right. The model review counts one statement per submitter and
  person, the submitter's latest, and flags the model when the share of `score_wrong`
  statements is too high. So a rep who files the same complaint ten times counts once, and
  a rep who changes their mind counts with their last word.
- `deal_community_influenced` / `deal_not_influenced`: the deal named by `deal_id` was / was
  not influenced by the community. The latest such row per deal overrides the rule-based
  `is_community_influenced` flag in `marts.fct_community_influence_reviewed`.
"""

from dataclasses import dataclass

import pandas as pd

from ml.errors import DataQualityError

SCORE_WRONG = "score_wrong"
SCORE_RIGHT = "score_right"
DEAL_INFLUENCED = "deal_community_influenced"
DEAL_NOT_INFLUENCED = "deal_not_influenced"
FEEDBACK_TYPES = (SCORE_WRONG, SCORE_RIGHT, DEAL_INFLUENCED, DEAL_NOT_INFLUENCED)
# Field that must name the subject of each feedback type.
SUBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    SCORE_WRONG: ("person_email",),
    SCORE_RIGHT: ("person_email",),
    DEAL_INFLUENCED: ("deal_id",),
    DEAL_NOT_INFLUENCED: ("deal_id",),
}
SCORE_FEEDBACK_TYPES = (SCORE_WRONG, SCORE_RIGHT)
# Columns of `marts.fct_model_feedback` that the review's counts read.
FEEDBACK_COLUMNS = ("feedback_id", "feedback_type", "submitter_id", "person_id", "submitted_at")


@dataclass(frozen=True)
class ScoreFeedback:
    """Counts of score feedback about one model's scores.

    Attributes:
        score_wrong: Submitter and person pairs whose latest resolved statement is
            `score_wrong`.
        score_right: The same for `score_right`.
        unresolved: Score feedback rows whose email matched no person.
    """

    score_wrong: int
    score_right: int
    unresolved: int

    @property
    def wrong_share(self) -> float:
        """Share of resolved score feedback saying "wrong"; NaN without any."""
        total = self.score_wrong + self.score_right
        return self.score_wrong / total if total else float("nan")


def summarise_score_feedback(
    feedback: pd.DataFrame, submitted_before: pd.Timestamp | None = None
) -> ScoreFeedback:
    """Count the score feedback of `marts.fct_model_feedback`.

    Each submitter's latest resolved statement about a person counts once; rows submitted at
    the same time are ordered by `feedback_id`. Unresolved rows count one each, since they
    name no person to group by.

    Args:
        feedback: Rows with feedback_id, feedback_type, submitter_id, person_id (NULL when
            unresolved) and submitted_at.
        submitted_before: Count only rows submitted before this time; None counts all.

    Raises:
        DataQualityError: on a missing column.
    """
    missing = set(FEEDBACK_COLUMNS) - set(feedback.columns)
    if missing:
        raise DataQualityError(
            f"marts.fct_model_feedback: missing column(s) {sorted(missing)}; expected "
            f"{', '.join(FEEDBACK_COLUMNS)}"
        )
    rows = feedback[feedback["feedback_type"].isin(SCORE_FEEDBACK_TYPES)]
    if submitted_before is not None:
        rows = rows[pd.to_datetime(rows["submitted_at"], utc=True) < submitted_before]
    resolved = (
        rows[rows["person_id"].notna()]
        .assign(submitted_at=lambda frame: pd.to_datetime(frame["submitted_at"], utc=True))
        .sort_values(["submitted_at", "feedback_id"], kind="stable")
        .drop_duplicates(["submitter_id", "person_id"], keep="last")
    )
    return ScoreFeedback(
        score_wrong=int((resolved["feedback_type"] == SCORE_WRONG).sum()),
        score_right=int((resolved["feedback_type"] == SCORE_RIGHT).sum()),
        unresolved=int(rows["person_id"].isna().sum()),
    )
