"""Build the three dashboard pages from a warehouse's marts into a folder of HTML files."""

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ml.io import connect
from serving.analyst import ANALYST_PAGE
from serving.executive import EXECUTIVE_PAGE
from serving.figures import FigureData, Page, read_figure
from serving.html import render_page
from serving.operator import OPERATOR_PAGE

logger = logging.getLogger(__name__)

PAGES = (EXECUTIVE_PAGE, OPERATOR_PAGE, ANALYST_PAGE)


@dataclass(frozen=True)
class BuiltPage:
    """A page written to disk.

    Attributes:
        page: The page's definition.
        path: The HTML file written.
        figures: Each figure with the rows it shows.
    """

    page: Page
    path: Path
    figures: tuple[FigureData, ...]

    @property
    def rows_shown(self) -> int:
        """Table rows over all figures of the page."""
        return sum(data.row_count for data in self.figures)

    @property
    def figures_without_data(self) -> list[str]:
        """Keys of the figures that show "no data"."""
        return [data.figure.key for data in self.figures if data.rows is None]


def describe_run(run_id: str | None, now: dt.datetime | None = None) -> str:
    """Return the run label printed under each figure: build time in UTC and the run id."""
    moment = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return f"built {moment} by run {run_id}" if run_id else f"built {moment}"


def read_page(con: duckdb.DuckDBPyConnection, page: Page) -> tuple[FigureData, ...]:
    """Read every figure of a page from an open warehouse connection."""
    return tuple(read_figure(con, figure) for figure in page.figures)


def _write_atomically(path: Path, text: str) -> None:
    """Write a file through a temporary sibling, so a reader never loads half a page."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def build_dashboards(warehouse: Path, out_dir: Path, run_label: str) -> list[BuiltPage]:
    """Read the marts behind each page and write one self-contained HTML file per page.

    Args:
        warehouse: The DuckDB file, opened read-only.
        out_dir: Folder for the pages, created when missing.
        run_label: Text printed under each figure saying when and by which run it was built.

    Returns:
        The pages written, with the rows each figure shows.

    Raises:
        FileNotFoundError: When the warehouse file does not exist.
    """
    if not warehouse.exists():
        raise FileNotFoundError(
            f"warehouse {warehouse} not found: run `make demo` or `make run` first, "
            "or point CRM_DUCKDB_PATH at a built warehouse"
        )
    with connect(warehouse, read_only=True) as con:
        read = [(page, read_page(con, page)) for page in PAGES]

    out_dir.mkdir(parents=True, exist_ok=True)
    names = [page.file_name for page in PAGES]
    built = []
    for page, figures in read:
        path = out_dir / page.file_name
        _write_atomically(path, render_page(page.title, page.intro, figures, run_label, names))
        result = BuiltPage(page, path, figures)
        logger.info(
            "wrote %s: %s figures, %s rows, no data in %s",
            path,
            len(figures),
            result.rows_shown,
            result.figures_without_data or "none",
        )
        built.append(result)
    return built
