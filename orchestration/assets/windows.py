"""Conversion windows: conversion journeys -> Kaplan-Meier windows with intervals."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from ml.io import read_table, replace_table
from ml.windows import WindowConfig, estimate_conversion_windows
from orchestration.resources import WarehouseResource

JOURNEYS = AssetKey(["marts", "fct_conversion_journeys"])
COMMUNITY_REVENUE = AssetKey(["marts", "fct_community_revenue"])


@asset(
    key=["windows", "conversion_windows"], group_name="windows", deps=[JOURNEYS, COMMUNITY_REVENUE]
)
def conversion_windows(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult[None]:
    """Days from an account's first community touch to its first opportunity and first won deal.

    Median and 80th percentile by Kaplan-Meier, so accounts still without the milestone count
    as censored instead of being dropped; overall and by cohort quarter, first community channel
    and engagement depth, plus the sales cycle from opportunity to close.
    """
    with warehouse.get_connection() as con:
        journeys = read_table(con, "marts", "fct_conversion_journeys")
        opportunities = read_table(con, "marts", "fct_community_revenue")
    context.log.info(f"estimating windows over {len(journeys)} conversion journeys")

    windows = estimate_conversion_windows(journeys, opportunities, WindowConfig())

    with warehouse.get_connection() as con:
        replace_table(con, "windows", "conversion_windows", windows)
    return MaterializeResult(metadata={"rows": len(windows), "journeys": len(journeys)})
