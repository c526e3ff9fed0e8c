"""One asset check per Great Expectations suite in `expectations/`."""

from pathlib import Path

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from ml.io import read_table
from ml.quality.expectations import list_suites, suite_table, validate_frame
from orchestration.resources import WarehouseResource


def build_expectation_check(suite_path: Path) -> AssetChecksDefinition:
    """Build the asset check that runs one suite on the table its file name names."""
    schema, table = suite_table(suite_path)

    @asset_check(
        asset=[schema, table],
        name=f"expectations_{table}",
        description=f"Great Expectations suite {suite_path.name}.",
        blocking=False,
    )
    def expectation_check(warehouse: WarehouseResource) -> AssetCheckResult:
        with warehouse.get_connection(read_only=True) as con:
            frame = read_table(con, schema, table)
        outcomes = validate_frame(frame, suite_path)
        failed = [outcome for outcome in outcomes if not outcome.success]
        return AssetCheckResult(
            passed=not failed,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "rows": len(frame),
                "expectations": len(outcomes),
                "failed": len(failed),
                "failures": "; ".join(
                    f"{outcome.expectation}({outcome.column}): {outcome.unexpected_count} rows"
                    for outcome in failed
                )
                or "none",
            },
        )

    return expectation_check


expectation_checks = [build_expectation_check(path) for path in list_suites()]
