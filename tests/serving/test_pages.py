"""The pages the demo job built from the session's simulated run, checked against the marts."""

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import AssetKey

from serving import PAGES
from serving.html import format_value
from tests.conftest import PipelineRun, failure_messages
from tests.serving.pages import sections, table_rows

pytestmark = pytest.mark.slow


def _page(run: PipelineRun, name: str) -> str:
    return (run.warehouse.parent / "dashboards" / name).read_text(encoding="utf-8")


def _scalar(run: PipelineRun, sql: str) -> Any:
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _metadata(run: PipelineRun, key: list[str]) -> dict[str, Any]:
    events = {event.asset_key: event for event in run.result.get_asset_materialization_events()}
    assert AssetKey(key) in events, f"{'/'.join(key)} was not materialized"
    return {
        name: value.value for name, value in events[AssetKey(key)].materialization.metadata.items()
    }


def test_demo_job_writes_every_page(simulated_run: PipelineRun):
    assert simulated_run.result.success, failure_messages(simulated_run.result)
    for page in PAGES:
        path = simulated_run.warehouse.parent / "dashboards" / page.file_name
        assert path.is_file(), f"{path} missing"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.file_name)
def test_page_is_self_contained(simulated_run: PipelineRun, page: Any):
    html = _page(simulated_run, page.file_name)

    assert "<script" not in html
    assert "<link" not in html
    assert "src=" not in html
    # The SVG namespace is the only URL a page may contain; it is an identifier, never fetched.
    urls = set(re.findall(r"https?://[^\"'\s<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.file_name)
def test_each_figure_names_mart_and_run(simulated_run: PipelineRun, page: Any):
    shown = sections(_page(simulated_run, page.file_name))

    assert list(shown) == [figure.key for figure in page.figures]
    for figure in page.figures:
        section = shown[figure.key]
        assert f"<code>marts.{figure.mart}</code>" in section
        assert f"by run {simulated_run.result.run_id}" in section
        assert "no data" not in section, f"{figure.key}: {figure.mart} has no data"


def test_headline_influenced_revenue_equals_mart(simulated_run: PipelineRun):
    total = _scalar(
        simulated_run,
        "select sum(influenced_revenue_reporting) from marts.fct_community_revenue",
    )
    section = sections(_page(simulated_run, "executive.html"))["headline"]

    rows = {row["measure"]: row for row in table_rows(section)}
    assert total > 0
    assert rows["won revenue, community-influenced"]["amount_reporting"] == format_value(total)


def test_latest_logo_retention_equals_mart(simulated_run: PipelineRun):
    month, rate = (
        _scalar(simulated_run, sql)
        for sql in (
            "select max(period_start) from marts.fct_kpi_revenue where dimension = 'all'",
            "select logo_retention_rate from marts.fct_kpi_revenue where dimension = 'all' "
            "order by period_start desc limit 1",
        )
    )
    section = sections(_page(simulated_run, "executive.html"))["retention"]

    rows = {row["period_start"]: row for row in table_rows(section)}
    assert rows[month.isoformat()]["logo_retention_rate"] == format_value(rate, percent=True)


def test_counterfactual_channel_share_equals_mart(simulated_run: PipelineRun):
    sql = """
        select channel, revenue_credit / sum(revenue_credit) over () as share
        from marts.fct_channel_revenue
        where attribution_level = 'account' and conversion_type = 'closed_won'
            and attribution_model = 'counterfactual' and currency = 'USD'
        order by revenue_credit desc, channel
        limit 1
    """
    with duckdb.connect(str(simulated_run.warehouse), read_only=True) as con:
        channel, share = con.execute(sql).fetchone() or (None, None)
    section = sections(_page(simulated_run, "executive.html"))["model_comparison"]

    rows = {(row["currency"], row["channel"]): row for row in table_rows(section)}
    shown = rows[("USD", channel)]["counterfactual_share"]
    assert shown == format_value(share, percent=True)


def test_timing_baseline_share_counts_credit_no_channel_caused(simulated_run: PipelineRun):
    sql = """
        select sum(revenue_credit) filter (where channel = '(baseline)') / sum(revenue_credit)
        from marts.fct_channel_revenue
        where attribution_level = 'account' and conversion_type = 'closed_won'
            and attribution_model = 'timing' and currency = 'USD'
    """
    share = _scalar(simulated_run, sql)
    section = sections(_page(simulated_run, "executive.html"))["model_comparison"]

    rows = {(row["currency"], row["channel"]): row for row in table_rows(section)}
    assert share > 0
    assert rows[("USD", "(baseline)")]["timing_share"] == format_value(share, percent=True)


def test_latest_active_members_equals_mart(simulated_run: PipelineRun):
    month = _scalar(
        simulated_run,
        "select max(period_start) from marts.fct_kpi_engagement where dimension = 'all'",
    )
    members = _scalar(
        simulated_run,
        "select active_members from marts.fct_kpi_engagement "
        f"where dimension = 'all' and period_start = date '{month.isoformat()}'",
    )
    section = sections(_page(simulated_run, "operator.html"))["engagement_monthly"]

    rows = {row["period_start"]: row for row in table_rows(section)}
    assert rows[month.isoformat()]["active_members"] == format_value(members)


def test_deal_flags_list_every_opportunity(simulated_run: PipelineRun):
    opportunities = _scalar(simulated_run, "select count(*) from marts.fct_community_revenue")
    section = sections(_page(simulated_run, "analyst.html"))["deal_flags"]

    assert len(table_rows(section)) == opportunities


def test_dashboards_metadata_counts_rows_shown(simulated_run: PipelineRun):
    metadata = _metadata(simulated_run, ["serving", "dashboards"])
    pages_dir = simulated_run.warehouse.parent / "dashboards"

    for page in PAGES:
        name = Path(page.file_name).stem
        html = _page(simulated_run, page.file_name)
        shown = sum(len(table_rows(section)) for section in sections(html).values())
        assert metadata[f"{name}_rows"] == shown
        assert metadata[f"{name}_figures_without_data"] == "none"
        assert metadata[f"{name}_path"] == str(pages_dir / page.file_name)


def test_forecast_interval_equals_mart(simulated_run: PipelineRun):
    sql = """
        select period_start, currency, revenue_stage, forecast_amount, forecast_lower,
            forecast_upper
        from marts.fct_revenue_forecast
        order by period_start, currency, revenue_stage
    """
    with duckdb.connect(str(simulated_run.warehouse), read_only=True) as con:
        forecast = con.execute(sql).fetchall()
    section = sections(_page(simulated_run, "executive.html"))["forecast"]

    rows = {row["month_stage"]: row for row in table_rows(section)}
    assert forecast
    assert len(rows) == len(forecast)
    for month, currency, stage, amount, lower, upper in forecast:
        shown = rows[f"{month:%Y-%m} {currency} {stage}"]
        assert shown["forecast_amount"] == format_value(amount)
        assert shown["forecast_lower"] == format_value(lower)
        assert shown["forecast_upper"] == format_value(upper)
