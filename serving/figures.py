"""Figures: one query over one mart, shown as a table and optionally a chart.

A figure reads nothing but its mart, so each number on a page can be traced to one table. A
missing or empty mart gives a figure with a reason instead of rows, and the page shows "no data".
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pandas as pd

from ml.errors import DataQualityError
from ml.io import table_exists

# Columns named `<something>_share` contain fractions and are shown as percentages.
SHARE_SUFFIX = "_share"


@dataclass(frozen=True)
class Chart:
    """Drawing settings of a figure's rows.

    Attributes:
        kind: `line` draws `values` over `x` (one line per column); `bar` draws one horizontal
            bar per row, labelled by `x`, of the first `values` column.
        x: Column of x labels (line) or bar labels (bar).
        values: Columns to draw.
        lower: Column of the lower interval bound (band for a line, whisker for a bar).
        upper: Column of the upper interval bound.
    """

    kind: Literal["line", "bar"]
    x: str
    values: tuple[str, ...]
    lower: str | None = None
    upper: str | None = None


@dataclass(frozen=True)
class Figure:
    """One figure of a page.

    Attributes:
        key: Identifier, unique on its page; the figure's HTML section has id `figure-<key>`.
        title: Heading shown above the figure.
        mart: Table in the `marts` schema that the query reads.
        sql: Query over `marts.<mart>`; its columns become the table's columns.
        note: One or two sentences on what the figure shows and how to read it.
        chart: How to draw the rows, or None for a table only.
        reshape: Optional function applied to the query's rows before they are shown, for
            reshaping that SQL expresses badly (a pivot whose columns depend on the data).
        percent_columns: Columns containing fractions, shown as percentages. Columns whose
            name ends in `SHARE_SUFFIX` are shown as percentages too.
    """

    key: str
    title: str
    mart: str
    sql: str
    note: str
    chart: Chart | None = None
    reshape: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    percent_columns: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class FigureData:
    """A figure with the rows read for it, or the reason it has none."""

    figure: Figure
    rows: pd.DataFrame | None
    missing_reason: str | None = None

    @property
    def row_count(self) -> int:
        """Rows shown in the figure's table (0 when it shows "no data")."""
        return 0 if self.rows is None else len(self.rows)


def read_figure(con: duckdb.DuckDBPyConnection, figure: Figure) -> FigureData:
    """Run a figure's query, or return the reason it has nothing to show.

    Args:
        con: Open connection to the warehouse (read-only is enough).
        figure: The figure to read.

    Returns:
        The figure's rows, or no rows with a reason when the mart is missing, is empty, or
        the query returns no rows.

    Raises:
        DataQualityError: When the query fails on an existing mart, for example because the
            mart lacks a column the figure reads.
    """
    if not table_exists(con, "marts", figure.mart):
        return FigureData(figure, None, f"marts.{figure.mart} does not exist in this warehouse")
    counted = con.execute(f'select count(*) from marts."{figure.mart}"').fetchone()
    if not counted or counted[0] == 0:
        return FigureData(figure, None, f"marts.{figure.mart} has no rows")

    try:
        rows = con.execute(figure.sql).df()
    except duckdb.Error as error:
        # A mart without a column the figure reads is a mismatch between this code and the
        # warehouse (an older build, say): fail with the figure's name instead of hiding it.
        raise DataQualityError(
            f"figure {figure.key!r} failed to query marts.{figure.mart}: {error}. Rebuild the "
            "warehouse with this version (make run), or fix the figure's query."
        ) from error
    if figure.reshape is not None and not rows.empty:
        rows = figure.reshape(rows)
    if rows.empty:
        return FigureData(figure, None, f"the query over marts.{figure.mart} returned no rows")
    return FigureData(figure, rows)


@dataclass(frozen=True)
class Page:
    """One dashboard page.

    Attributes:
        file_name: Name of the HTML file written for the page.
        title: Page title.
        intro: Who the page is for and what it shows.
        exposure: Name of the dbt exposure in `dbt_project/models/exposures.yml` it serves.
        figures: The figures, top to bottom.
    """

    file_name: str
    title: str
    intro: str
    exposure: str
    figures: tuple[Figure, ...]
