import pandas as pd
import pytest

from ml.attribution import AttributionConfig, attribute
from ml.attribution.comparison import assign_company_journeys, compare_experiments
from ml.attribution.journeys import AttributionInputError
from ml.identity.accounts import make_account_id
from tests.ml.attribution.conftest import DAY0, make_conversions, make_touches


def assignments(groups: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "experiment_id": "EXP1",
            "experiment_name": "Office hours",
            "unit_type": "hubspot_company",
            "unit_id": [str(100 + i) for i in range(len(groups))],
            "group": groups,
            "assigned_at": DAY0.isoformat(),
        }
    )


def test_assign_company_journeys_hashes_domain():
    companies = pd.DataFrame(
        {"company_id": ["100", "101"], "company_domain": ["WWW.Acme.com", None]}
    )
    units = assign_company_journeys(assignments(["treatment", "control", "control"]), companies)
    assert list(units["unit_id"]) == ["100"]
    assert units["journey_id"].iloc[0] == make_account_id("acme.com")


def test_assign_company_journeys_rejects_missing_column():
    frame = assignments(["treatment"]).drop(columns="assigned_at")
    with pytest.raises(AttributionInputError, match="assigned_at"):
        assign_company_journeys(frame, pd.DataFrame({"company_id": [], "company_domain": []}))


def test_compare_experiments_lift_and_credit():
    # Four treated units (j0-j3), four controls (j4-j7); j0, j1 and j4 open opportunities
    # inside the window, j2 opens one 300 days later, outside it.
    units = assignments(["treatment"] * 4 + ["control"] * 4)
    units["journey_id"] = [f"j{i}" for i in range(8)]
    touches = make_touches(
        [
            ("j0", "t0", 1, "community_chat"),
            ("j0", "t1", 2, "direct"),
            ("j1", "t2", 1, "newsletter"),
            ("j4", "t3", 1, "community_chat"),
            ("j2", "t4", 250, "community_chat"),
        ]
    )
    conversions = make_conversions(
        [
            ("o0", "j0", "opportunity_created", 10, 0.0),
            ("o1", "j1", "opportunity_created", 10, 0.0),
            ("o4", "j4", "opportunity_created", 10, 0.0),
            ("o2", "j2", "opportunity_created", 300, 0.0),
        ]
    )
    credits = attribute(touches, conversions, AttributionConfig(models=("linear",)))
    table = compare_experiments(
        units, conversions, credits, {"EXP1": ("community_chat",)}, window_days=182
    )
    row = table.iloc[0]
    assert len(table) == 1
    assert row["model"] == "linear"
    assert row["channels"] == "community_chat"
    assert row["treatment_rate"] == pytest.approx(0.5)
    assert row["control_rate"] == pytest.approx(0.25)
    assert row["measured_incremental"] == pytest.approx(1.0)
    assert row["measured_incremental_lower"] < 1.0 < row["measured_incremental_upper"]
    assert row["credited_treatment"] == pytest.approx(0.5)
    assert row["credited_control"] == pytest.approx(1.0)
    assert row["credited_difference"] == pytest.approx(-0.5)


def test_compare_experiments_without_assignments_is_empty():
    units = assign_company_journeys(pd.DataFrame(), pd.DataFrame())
    conversions = make_conversions([("o0", "j0", "opportunity_created", 10, 0.0)])
    credits = attribute(make_touches([("j0", "t0", 1, "github")]), conversions, AttributionConfig())
    table = compare_experiments(units, conversions, credits)
    assert table.empty
    assert "credited_difference" in table.columns
