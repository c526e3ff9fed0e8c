"""Run a Great Expectations suite, stored as JSON in `expectations/`, on a DataFrame.

Great Expectations' SQL data source does not work on DuckDB, so a check reads the table
into pandas and validates the frame. The library takes seconds to import, so it is imported
inside the function, only by the steps that validate.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ml.errors import ConfigurationError

logger = logging.getLogger(__name__)

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation on one table."""

    expectation: str
    column: str | None
    success: bool
    unexpected_count: int


def list_suites(expectations_dir: Path = EXPECTATIONS_DIR) -> list[Path]:
    """Return the suite files, named `<schema>.<table>.json`, in a stable order."""
    return sorted(expectations_dir.glob("*.*.json"))


def suite_table(suite_path: Path) -> tuple[str, str]:
    """Return the `(schema, table)` a suite file validates, from its name."""
    schema, table, _ = suite_path.name.split(".", 2)
    return schema, table


def validate_frame(frame: pd.DataFrame, suite_path: Path) -> list[ExpectationOutcome]:
    """Validate `frame` against the suite in `suite_path`.

    Raises:
        ConfigurationError: The suite file is not valid JSON or names an unknown expectation.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    try:
        suite_json = json.loads(suite_path.read_text())
        suite = gx.ExpectationSuite(**suite_json)
    except (ValueError, TypeError, KeyError) as error:
        raise ConfigurationError(f"{suite_path}: invalid expectation suite: {error}") from error

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(suite)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
    )
    results = validation.run(batch_parameters={"dataframe": frame})

    outcomes = []
    for result in results.results:
        config = result.expectation_config
        if config is None:
            raise RuntimeError(f"{suite.name}: a validation result has no expectation attached")
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=config.kwargs.get("column"),
                success=bool(result.success),
                unexpected_count=int(result.result.get("unexpected_count") or 0),
            )
        )
    failed = [outcome for outcome in outcomes if not outcome.success]
    logger.info("%s: %s expectations, %s failed", suite.name, len(outcomes), len(failed))
    return outcomes
