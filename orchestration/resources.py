"""Resources shared by the assets: the warehouse file, the landing folder and serving paths.

The warehouse and the landing folder default to paths inside the repository, and the serving
paths to folders beside the warehouse, so a fresh clone runs without settings. The
environment variables are read when a step runs, not when the definitions load.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from ml.io import connect
from serving.paths import dashboard_dir, published_path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUCKDB_PATH = REPO_ROOT / "data" / "warehouse.duckdb"
DEFAULT_LANDING_DIR = REPO_ROOT / "data" / "simulated" / "landing"


class WarehouseResource(ConfigurableResource["WarehouseResource"]):
    """The DuckDB warehouse file.

    Attributes:
        database_path: Path of the DuckDB file. Unset, it is `CRM_DUCKDB_PATH` or
            `data/warehouse.duckdb` in the repository.
    """

    database_path: str | None = None

    @property
    def path(self) -> Path:
        """The warehouse file's path, resolved from the setting, the environment or the default."""
        configured = self.database_path or os.environ.get("CRM_DUCKDB_PATH")
        return Path(configured) if configured else DEFAULT_DUCKDB_PATH

    @contextmanager
    def get_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the warehouse and close it when the block ends. Never hold it across steps."""
        with connect(self.path, read_only=read_only) as con:
            yield con


class LandingResource(ConfigurableResource["LandingResource"]):
    """The folder of raw export files, one subfolder per source (see docs/sources.md).

    Attributes:
        landing_dir: Path of the landing folder. Unset, it is `CRM_LANDING_DIR` or
            `data/simulated/landing` in the repository (where `make demo` writes).
    """

    landing_dir: str | None = None

    @property
    def path(self) -> Path:
        """The landing folder's path, resolved from the setting, the environment or the default."""
        configured = self.landing_dir or os.environ.get("CRM_LANDING_DIR")
        return Path(configured) if configured else DEFAULT_LANDING_DIR


class ServingResource(ConfigurableResource["ServingResource"]):
    """Output paths of the dashboard pages and the published warehouse copy.

    Attributes:
        dashboard_dir: Folder of the HTML pages. Unset, it is `CRM_DASHBOARD_DIR` or the
            `dashboards` folder beside the warehouse.
        published_path: Path of the copy BI tools read. Unset, it is `CRM_PUBLISHED_PATH` or
            `published/<warehouse file name>` beside the warehouse.
    """

    dashboard_dir: str | None = None
    published_path: str | None = None

    def pages_dir(self, warehouse: Path) -> Path:
        """Return the pages' folder: the setting, else the environment, else the default."""
        return Path(self.dashboard_dir) if self.dashboard_dir else dashboard_dir(warehouse)

    def copy_path(self, warehouse: Path) -> Path:
        """Return the copy's path: the setting, else the environment, else the default."""
        return Path(self.published_path) if self.published_path else published_path(warehouse)
