"""Raw layer: one multi-asset per source loads its landing files into `raw.*` tables.

Rows that break their table's rules go to `quarantine.rejected_rows`; every asset reports
rows in, loaded and quarantined per table. See docs/sources.md for the landing layout.
"""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ingest import SOURCES, LoadReport, load_source
from orchestration.resources import LandingResource, WarehouseResource

RAW_GROUP = "raw"


def _metadata(report: LoadReport, landing: LandingResource, source: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "rows_in": report.rows_in,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "files_seen": report.files_seen,
        "files_loaded": report.files_loaded,
        "files_skipped": report.files_skipped,
        "landing_folder": MetadataValue.path(str(landing.path / source)),
    }
    if not report.source_present:
        metadata["note"] = f"no {source}/ subfolder in the landing folder; nothing loaded"
    if report.quarantine_reasons:
        metadata["quarantine_reasons"] = MetadataValue.md(
            "\n".join(f"- {reason}" for reason in report.quarantine_reasons)
        )
    return metadata


def build_raw_asset(source: str) -> AssetsDefinition:
    """Build the multi-asset that loads one source's raw tables."""
    spec = SOURCES[source]
    specs = [
        AssetSpec(
            [RAW_GROUP, table.table],
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            description=(
                f"Rows of the {source} export as found in the landing files, every value as "
                "text, with _file, _row_number, _record_hash and _loaded_at."
            ),
        )
        for table in spec.tables
    ]

    @multi_asset(name=f"raw_{source}", specs=specs, can_subset=False)
    def load_raw_source(
        context: AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> Iterator[MaterializeResult[None]]:
        with warehouse.get_connection() as con:
            reports = load_source(con, landing.path, source)
        for report in reports:
            context.log.info(
                "raw.%s: %s rows in, %s loaded, %s quarantined; %s file(s) loaded, %s skipped as "
                "already loaded",
                report.table,
                report.rows_in,
                report.rows_loaded,
                report.rows_quarantined,
                report.files_loaded,
                report.files_skipped,
            )
            yield MaterializeResult(
                asset_key=[RAW_GROUP, report.table], metadata=_metadata(report, landing, source)
            )

    load_raw_source.__doc__ = f"Load the {source} landing files into raw tables."
    return load_raw_source


raw_assets = [build_raw_asset(source) for source in SOURCES]
