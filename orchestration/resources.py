"""Resources shared by the assets: the warehouse file and the landing folder.

Both default to paths inside the repository, so a fresh clone runs without settings.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from ml.io import connect

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUCKDB_PATH = str(REPO_ROOT / "data" / "warehouse.duckdb")
DEFAULT_LANDING_DIR = str(REPO_ROOT / "data" / "simulated" / "landing")


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse file. Open a connection per step and close it before returning."""

    database_path: str = DEFAULT_DUCKDB_PATH

    @contextmanager
    def get_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the warehouse and close it when the block ends."""
        with connect(self.database_path, read_only=read_only) as con:
            yield con


class LandingResource(ConfigurableResource):
    """The folder of raw export files, one subfolder per source (see docs/sources.md)."""

    landing_dir: str = DEFAULT_LANDING_DIR

    @property
    def path(self) -> Path:
        """The landing folder as a path."""
        return Path(self.landing_dir)
