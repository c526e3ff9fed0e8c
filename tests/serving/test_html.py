"""Page rendering without a pipeline run: cell formats, charts, and warehouses with no data."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from ml.errors import DataQualityError
from serving import PAGES, build_dashboards
from serving.charts import bar_chart, line_chart
from serving.html import format_value
from tests.serving.pages import sections, table_rows


@pytest.mark.parametrize(
    ("value", "percent", "expected"),
    [
        (1234567, False, "1,234,567"),
        (Decimal("250175.5"), False, "250,175.50"),
        (0.8923, True, "89.2%"),
        (Decimal("0.5"), True, "50.0%"),
        (None, False, "\u2014"),
        (float("nan"), False, "\u2014"),
        (True, False, "yes"),
        (pd.Timestamp("2025-03-01"), False, "2025-03-01"),
        (pd.Timestamp("2025-03-01 14:05", tz="UTC"), False, "2025-03-01 14:05 UTC"),
        (dt.date(2025, 3, 1), False, "2025-03-01"),
        ("newsletter", False, "newsletter"),
    ],
)
def test_format_value(value: object, percent: bool, expected: str):
    assert format_value(value, percent=percent) == expected


def test_line_chart_leaves_gap_for_missing_value():
    svg = line_chart("t", ["a", "b", "c", "d"], {"revenue": [1.0, 2.0, None, 4.0]})

    assert svg.count("<polyline") == 2
    assert "<script" not in svg


def test_line_chart_draws_interval_band():
    svg = line_chart("t", ["a", "b"], {"forecast": [5.0, 6.0]}, band=([4.0, 4.5], [6.0, 7.5]))

    assert svg.count("<polygon") == 1


def test_bar_chart_draws_whiskers_only_with_bounds():
    svg = bar_chart("t", ["all", "small"], [-6.5, 3.0], lower=[-24.0, None], upper=[10.8, None])

    assert svg.count("<rect") == 2
    assert len(re.findall(r'<line [^>]*stroke="#222"', svg)) == 1


def test_missing_warehouse_raises_with_path(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"absent\.duckdb"):
        build_dashboards(tmp_path / "absent.duckdb", tmp_path / "pages", "built now")


def test_empty_warehouse_gives_no_data_pages(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()

    built = build_dashboards(warehouse, tmp_path / "pages", "built now")

    assert [page.path.name for page in built] == [page.file_name for page in PAGES]
    for page in built:
        shown = sections(page.path.read_text(encoding="utf-8"))
        assert set(shown) == {figure.key for figure in page.page.figures}
        for key, section in shown.items():
            assert "no data (marts." in section, f"{page.path.name} {key} shows data"
        assert page.rows_shown == 0


def test_empty_mart_says_it_has_no_rows(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_kpi_cohort_conversion (cohort_month date, "
            "cohort_accounts bigint, accounts_with_opportunity bigint, accounts_won bigint, "
            "opportunity_rate double, conversion_rate double)"
        )

    built = build_dashboards(warehouse, tmp_path / "pages", "built now")

    executive = sections(built[0].path.read_text(encoding="utf-8"))
    assert "no data (marts.fct_kpi_cohort_conversion has no rows)" in executive["cohort_conversion"]
    assert "does not exist" in executive["headline"]


def test_one_row_mart_is_shown(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_kpi_cohort_conversion as select date '2025-01-01' as "
            "cohort_month, 8::bigint as cohort_accounts, 4::bigint as accounts_with_opportunity, "
            "2::bigint as accounts_won, 0.5 as opportunity_rate, 0.25 as conversion_rate"
        )

    built = build_dashboards(warehouse, tmp_path / "pages", "built now")

    section = sections(built[0].path.read_text(encoding="utf-8"))["cohort_conversion"]
    [row] = table_rows(section)
    assert row["cohort_month"] == "2025-01-01"
    assert row["conversion_rate"] == "25.0%"
    assert "<svg" in section
    assert built[0].rows_shown == 1


def test_pages_read_the_marts_their_exposure_names():
    exposures_file = (
        Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "exposures.yml"
    )
    exposures = {
        exposure["name"]: exposure
        for exposure in yaml.safe_load(exposures_file.read_text())["exposures"]
    }

    for page in PAGES:
        declared = {
            ref.removeprefix("ref('").removesuffix("')")
            for ref in exposures[page.exposure]["depends_on"]
        }
        read = {figure.mart for figure in page.figures}
        assert read == declared, f"{page.file_name} reads {read}, exposure declares {declared}"


def test_mart_missing_column_names_figure(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_kpi_cohort_conversion as select 1 as cohort_accounts")

    with pytest.raises(DataQualityError, match=r"'cohort_conversion'.*fct_kpi_cohort_conversion"):
        build_dashboards(warehouse, tmp_path / "pages", "built now")


def test_summed_counts_shown_as_integers(tmp_path: Path):
    # Regression: DuckDB sums integers to HUGEINT, which pandas reads as float, so a sum of
    # deal or renewal counts showed as "3.00".
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_kpi_efficiency as select * from (values "
            "(date '2025-01-01', 'webinar', 'talks', 10.0, 4::bigint, 2.5, 1::bigint, 50.0, "
            "5.0, 12.0), "
            "(date '2025-02-01', 'webinar', 'talks', 10.0, 4::bigint, 2.5, 2::bigint, 70.0, "
            "7.0, 15.0)) as t(period_start, channel, programs, cost_reporting, "
            "qualified_members, cost_per_qualified_member_reporting, assisted_deals_won, "
            "assisted_revenue_reporting, assisted_revenue_per_cost, median_days_to_conversion)"
        )
        con.execute(
            "create table marts.fct_subscriptions as select * from (values "
            "('activation', 'active', false, 10.0, 120.0, 1::integer), "
            "('activation', 'active', false, 20.0, 240.0, 2::integer)) as t(lifecycle_type, "
            "subscription_status, is_churned, monthly_amount_reporting, net_paid_reporting, "
            "renewals)"
        )

    built = {page.path.name: page.path for page in build_dashboards(warehouse, tmp_path, "now")}

    operator = sections(built["operator.html"].read_text(encoding="utf-8"))
    [channel_row] = table_rows(operator["efficiency_by_channel"])
    assert channel_row["assisted_deals_won"] == "3"
    analyst = sections(built["analyst.html"].read_text(encoding="utf-8"))
    [subscription_row] = table_rows(analyst["subscriptions"])
    assert subscription_row["renewals"] == "3"
    assert subscription_row["subscriptions"] == "2"
