"""Serving: dashboard pages built from the marts, and the published warehouse copy for BI tools.

Plain Python with no Dagster imports; `orchestration/assets/serving.py` calls it after a run.
"""

from serving.dashboards import PAGES, BuiltPage, build_dashboards, describe_run
from serving.publish import PublishedWarehouse, publish_warehouse

__all__ = [
    "PAGES",
    "BuiltPage",
    "PublishedWarehouse",
    "build_dashboards",
    "describe_run",
    "publish_warehouse",
]
