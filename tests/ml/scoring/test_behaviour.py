import numpy as np
import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.scoring.behaviour import BehaviourConfig, fit_action_values, score_behaviour

AS_OF = pd.Timestamp("2024-06-30")
CONFIG = BehaviourConfig(regularisation=1.0, min_persons=2)


def planted_data(people: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Webinar attendees convert, chat has no link: half the people attend a webinar."""
    activities, outcomes = [], []
    for index in range(people):
        person = f"p{index}"
        attends = index % 2 == 0
        converts = attends and index % 6 != 0
        activities.append((person, "chat_message", "2024-01-10"))
        if attends:
            activities.append((person, "webinar", "2024-02-01"))
        outcomes.append((person, pd.Timestamp("2024-03-01") if converts else pd.NaT))
    return (
        pd.DataFrame(activities, columns=["person_id", "action", "occurred_at"]),
        pd.DataFrame(outcomes, columns=["person_id", "converted_at"]),
    )


def test_fit_action_values_ranks_linked_action_first():
    activities, outcomes = planted_data()
    values = fit_action_values(activities, outcomes, AS_OF, CONFIG).set_index("action")
    assert values.loc["webinar", "points"] == pytest.approx(100.0)
    assert values.loc["webinar", "coefficient"] > 1.0
    assert abs(values.loc["chat_message", "points"]) < 10.0


def test_fit_action_values_rates_and_lift():
    activities, outcomes = planted_data()
    values = fit_action_values(activities, outcomes, AS_OF, CONFIG).set_index("action")
    # 30 attendees of whom 20 convert (every third attendee does not); no one else converts.
    assert values.loc["webinar", "persons_with_action"] == 30
    assert values.loc["webinar", "conversion_rate_with"] == pytest.approx(20 / 30)
    assert values.loc["webinar", "conversion_rate_without"] == 0.0
    assert np.isnan(values.loc["webinar", "lift"])


def test_fit_action_values_ignores_actions_after_conversion():
    activities, outcomes = planted_data()
    late = pd.DataFrame(
        {"person_id": ["p2", "p4"], "action": "demo", "occurred_at": ["2024-04-01", "2024-04-01"]}
    )
    values = fit_action_values(pd.concat([activities, late]), outcomes, AS_OF, CONFIG)
    assert "demo" not in set(values["action"])


def test_fit_action_values_rare_action_gets_no_points():
    activities, outcomes = planted_data()
    rare = pd.DataFrame({"person_id": ["p1"], "action": "talk", "occurred_at": ["2024-01-05"]})
    values = fit_action_values(pd.concat([activities, rare]), outcomes, AS_OF, CONFIG)
    assert np.isnan(values.set_index("action").loc["talk", "points"])


def test_fit_action_values_single_outcome_raises():
    activities, outcomes = planted_data()
    outcomes["converted_at"] = pd.NaT
    with pytest.raises(DataQualityError, match="both converters and non-converters"):
        fit_action_values(activities, outcomes, AS_OF, CONFIG)


def test_score_behaviour_sums_points():
    values = pd.DataFrame({"action": ["webinar", "chat"], "points": [100.0, 10.0]})
    activities = pd.DataFrame(
        {
            "person_id": ["a", "a", "a", "b"],
            "action": ["webinar", "chat", "chat", "chat"],
            "occurred_at": ["2024-01-01"] * 3 + ["2024-12-01"],
        }
    )
    scores = score_behaviour(activities, values, AS_OF).set_index("person_id")
    assert scores.loc["a", "behaviour_score"] == pytest.approx(100 * np.log(2) + 10 * np.log(3))
    assert "b" not in scores.index
