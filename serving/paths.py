"""Default locations of the pages and the published copy: beside the warehouse they come from.

Keeping them beside the warehouse means a test warehouse in a temporary folder gets its pages
and copy there too, and `make demo` puts them under `data/`.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse.duckdb"


def warehouse_path() -> Path:
    """Return `CRM_DUCKDB_PATH`, or `data/warehouse.duckdb` in the repository."""
    configured = os.environ.get("CRM_DUCKDB_PATH")
    return Path(configured) if configured else DEFAULT_WAREHOUSE


def dashboard_dir(warehouse: Path) -> Path:
    """Return `CRM_DASHBOARD_DIR`, or the `dashboards` folder beside the warehouse."""
    configured = os.environ.get("CRM_DASHBOARD_DIR")
    return Path(configured) if configured else warehouse.parent / "dashboards"


def published_path(warehouse: Path) -> Path:
    """Return `CRM_PUBLISHED_PATH`, or `published/<warehouse file name>` beside the warehouse."""
    configured = os.environ.get("CRM_PUBLISHED_PATH")
    return Path(configured) if configured else warehouse.parent / "published" / warehouse.name
