"""Raw layer: one multi-asset per source loads its landing files into `raw.*` tables.

Rows that break their table's rules go to `quarantine.rejected_rows`; every asset reports
rows in, loaded and quarantined per table. A file that cannot be read at all is set aside in
`quarantine.rejected_files` while the source's other files load, and the table's
`no_rejected_files` check fails without blocking downstream assets. See docs/sources.md for
the landing layout.
"""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ingest import SOURCES, LoadReport, RejectedFile, load_source_quarantining_files
from orchestration.resources import LandingResource, WarehouseResource

RAW_GROUP = "raw"
REJECTED_FILES_CHECK = "no_rejected_files"


def _rejected_list(rejected: list[RejectedFile]) -> MetadataValue:
    return MetadataValue.md("\n".join(f"- {f.error}" for f in rejected))


def _metadata(
    report: LoadReport, rejected: list[RejectedFile], landing: LandingResource, source: str
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "rows_in": report.rows_in,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "files_seen": report.files_seen,
        "files_loaded": report.files_loaded,
        "files_skipped": report.files_skipped,
        "files_rejected": report.files_rejected,
        "landing_folder": MetadataValue.path(str(landing.path / source)),
    }
    if not report.source_present:
        metadata["note"] = f"no {source}/ subfolder in the landing folder; nothing loaded"
    if report.quarantine_reasons:
        metadata["quarantine_reasons"] = MetadataValue.md(
            "\n".join(f"- {reason}" for reason in report.quarantine_reasons)
        )
    if rejected:
        metadata["rejected_files"] = _rejected_list(rejected)
    return metadata


def _rejected_files_check(table: str, rejected: list[RejectedFile]) -> AssetCheckResult:
    metadata: dict[str, Any] = {"rejected_files": len(rejected)}
    if rejected:
        metadata["files"] = _rejected_list(rejected)
        metadata["content_hashes"] = "\n".join(f"{f.path}: {f.content_hash}" for f in rejected)
    return AssetCheckResult(
        asset_key=[RAW_GROUP, table],
        check_name=REJECTED_FILES_CHECK,
        passed=not rejected,
        severity=AssetCheckSeverity.ERROR,
        metadata=metadata,
    )


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
    check_specs = [
        AssetCheckSpec(
            REJECTED_FILES_CHECK,
            asset=[RAW_GROUP, table.table],
            description=(
                "No landing file of this table was set aside in quarantine.rejected_files "
                "because it cannot be read (empty, not UTF-8, invalid syntax, missing header "
                "columns)."
            ),
            blocking=False,
        )
        for table in spec.tables
    ]

    @multi_asset(name=f"raw_{source}", specs=specs, check_specs=check_specs, can_subset=False)
    def load_raw_source(
        context: AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> Iterator[MaterializeResult[None]]:
        with warehouse.get_connection() as con:
            reports, rejected = load_source_quarantining_files(con, landing.path, source)
        for rejected_file in rejected:
            context.log.error(
                "set aside %s (raw.%s, sha256 %s) and loaded the other files: %s",
                rejected_file.path,
                rejected_file.table,
                rejected_file.content_hash,
                rejected_file.error,
            )
        for report in reports:
            table_rejected = [f for f in rejected if f.table == report.table]
            context.log.info(
                "raw.%s: %s rows in, %s loaded, %s quarantined; %s file(s) loaded, %s skipped as "
                "already loaded, %s rejected",
                report.table,
                report.rows_in,
                report.rows_loaded,
                report.rows_quarantined,
                report.files_loaded,
                report.files_skipped,
                report.files_rejected,
            )
            yield MaterializeResult(
                asset_key=[RAW_GROUP, report.table],
                metadata=_metadata(report, table_rejected, landing, source),
                check_results=[_rejected_files_check(report.table, table_rejected)],
            )

    load_raw_source.__doc__ = f"Load the {source} landing files into raw tables."
    return load_raw_source


raw_assets = [build_raw_asset(source) for source in SOURCES]
