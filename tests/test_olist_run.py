"""The same definitions on real data: the Olist marketing funnel alone in a landing folder."""

import shutil

import duckdb
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, failure_messages, run_demo_job

pytestmark = pytest.mark.slow

OLIST = SHARED_DATA / "olist_marketing_funnel"
FILES = ["olist_marketing_qualified_leads_dataset.csv", "olist_closed_deals_dataset.csv"]


@pytest.fixture(scope="module")
def olist_warehouse(tmp_path_factory: pytest.TempPathFactory):
    if not OLIST.is_dir():
        pytest.skip(
            f"{OLIST} is absent; the Olist data is CC BY-NC-SA and is not copied into the repo"
        )
    root = tmp_path_factory.mktemp("olist")
    (root / "landing" / "olist").mkdir(parents=True)
    for name in FILES:
        shutil.copy(OLIST / name, root / "landing" / "olist" / name)
    result = run_demo_job(root / "landing", root / "warehouse.duckdb")
    assert result.success, failure_messages(result)
    return root / "warehouse.duckdb"


def test_olist_revenue_by_channel_sums_to_declared_revenue(olist_warehouse):
    deals = pd.read_csv(OLIST / "olist_closed_deals_dataset.csv")
    declared = deals["declared_monthly_revenue"].fillna(0).sum()
    with duckdb.connect(str(olist_warehouse), read_only=True) as con:
        by_model = con.execute(
            """
            select attribution_level, attribution_model, sum(revenue_credit) as revenue
            from marts.fct_channel_revenue
            where conversion_type = 'closed_won'
            group by attribution_level, attribution_model
            """
        ).df()
        channels = con.execute(
            "select distinct channel from marts.fct_channel_revenue where revenue_credit > 0"
        ).df()

    assert len(by_model) >= 3
    assert set(by_model["attribution_level"]) == {"account", "person"}
    for row in by_model.itertuples():
        assert row.revenue == pytest.approx(declared, rel=1e-9), row
    assert len(channels) > 1


def test_olist_every_deal_is_a_conversion(olist_warehouse):
    deals = pd.read_csv(OLIST / "olist_closed_deals_dataset.csv")
    with duckdb.connect(str(olist_warehouse), read_only=True) as con:
        conversions = con.execute(
            "select count(*) from marts.fct_conversions where conversion_type = 'closed_won'"
        ).fetchone()[0]
    assert conversions == len(deals)
