"""Serving: dashboard pages from the marts, and a published warehouse copy for BI tools."""

from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.resources import ServingResource, WarehouseResource
from serving import PAGES, build_dashboards, describe_run, publish_warehouse

SERVING_GROUP = "serving"
DASHBOARDS = AssetKey([SERVING_GROUP, "dashboards"])
PAGE_MARTS = sorted({figure.mart for page in PAGES for figure in page.figures})


@asset(
    key=DASHBOARDS,
    group_name=SERVING_GROUP,
    deps=[AssetKey(["marts", mart]) for mart in PAGE_MARTS],
)
def dashboards(
    context: AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> MaterializeResult[None]:
    """Static HTML pages for executives, community operators and analysts.

    One self-contained file per page (tables and inline SVG charts, no script), each figure
    naming the mart it reads and this run. Open them from the folder in the metadata; see
    docs/dashboards.md for what each figure shows.
    """
    out_dir = serving.pages_dir(warehouse.path)
    pages = build_dashboards(warehouse.path, out_dir, describe_run(context.run_id))

    metadata: dict[str, Any] = {"dashboard_dir": MetadataValue.path(str(out_dir))}
    for built in pages:
        name = built.path.stem
        metadata[f"{name}_path"] = MetadataValue.path(str(built.path))
        metadata[f"{name}_rows"] = built.rows_shown
        metadata[f"{name}_figures_without_data"] = ", ".join(built.figures_without_data) or "none"
    return MaterializeResult(metadata=metadata)


def build_published_warehouse(upstream: Sequence[AssetsDefinition]) -> AssetsDefinition:
    """Define the published copy's asset, to run after every asset in `upstream`.

    Depending on every other asset makes the copy the last step of a run, so it contains the
    run's final tables.
    """
    deps = sorted({key for assets_def in upstream for key in assets_def.keys})

    @asset(key=[SERVING_GROUP, "published_warehouse"], group_name=SERVING_GROUP, deps=deps)
    def published_warehouse(
        warehouse: WarehouseResource, serving: ServingResource
    ) -> MaterializeResult[None]:
        """Copy the warehouse file for BI tools and ad hoc clients.

        DuckDB writes a temporary file, which is then renamed into place, so a client never
        reads half a copy. On POSIX systems a client holding the copy open does not block
        the next run; on Windows the rename fails while the copy is open.
        """
        published = publish_warehouse(warehouse.path, serving.copy_path(warehouse.path))
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(published.path)),
                "size_bytes": published.size_bytes,
                "tables_per_schema": MetadataValue.json(published.tables),
            }
        )

    return published_warehouse
