"""Render pages of figures as self-contained HTML: inline CSS and SVG, no script, no fetches."""

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

import pandas as pd

from serving.charts import bar_chart, line_chart
from serving.figures import SHARE_SUFFIX, Chart, FigureData

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
nav a { margin-right: 1em; }
section { margin: 2.5em 0; }
.note { color: #444; max-width: 60em; }
.source { color: #666; font-size: 0.85em; }
.no-data { color: #b2333f; font-weight: bold; }
table { border-collapse: collapse; font-size: 0.85em; margin-top: 0.8em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; }
.table-wrap { overflow-x: auto; max-height: 40em; overflow-y: auto; }
"""

MISSING = "\u2014"


def format_value(value: object, percent: bool = False) -> str:
    """Format one cell: thousands separators, 2 decimals, percentages, ISO dates.

    Args:
        value: The cell as DuckDB returned it through pandas.
        percent: Show a fraction as a percentage with one decimal.

    Returns:
        The text shown in the table. None and NaN become an em dash.
    """
    if value is None or value is pd.NaT:
        return MISSING
    if isinstance(value, float) and math.isnan(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if percent and isinstance(value, int | float | Decimal):
        return f"{float(value):.1%}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp | dt.datetime):
        # DuckDB dates arrive as midnight timestamps without a time zone: show them as dates.
        if value.tzinfo is None and value.time() == dt.time():
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _python_value(value: object) -> object:
    """Turn numpy scalars into Python ones, so `format_value` gets int, float or bool."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _is_numeric(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def render_table(rows: pd.DataFrame, percent_columns: Sequence[str]) -> str:
    """Render every row of a frame as an HTML table, numbers right-aligned."""
    # NOTE: no paging or truncation, so a page grows with the mart (months x programs on the
    # operator page); the table scrolls inside its box.
    header = "".join(f"<th>{escape(str(column))}</th>" for column in rows.columns)
    body = []
    for record in rows.itertuples(index=False):
        cells = []
        for column, raw in zip(rows.columns, record, strict=True):
            value = _python_value(raw)
            percent = column in percent_columns or str(column).endswith(SHARE_SUFFIX)
            text = escape(format_value(value, percent=percent))
            css = ' class="number"' if _is_numeric(value) else ""
            cells.append(f"<td{css}>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="table-wrap"><table><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _numbers(rows: pd.DataFrame, column: str) -> list[float | None]:
    """Return a column as floats, None where the value is missing."""
    return [None if pd.isna(value) else float(value) for value in rows[column]]


def render_chart(chart: Chart, rows: pd.DataFrame, title: str) -> str:
    """Draw a figure's rows as its `Chart` describes."""
    labels = [format_value(_python_value(value)) for value in rows[chart.x]]
    if chart.kind == "line":
        band = None
        if chart.lower and chart.upper:
            band = (_numbers(rows, chart.lower), _numbers(rows, chart.upper))
        series = {column: _numbers(rows, column) for column in chart.values}
        return line_chart(title, labels, series, band=band)
    return bar_chart(
        title,
        labels,
        _numbers(rows, chart.values[0]),
        lower=_numbers(rows, chart.lower) if chart.lower else None,
        upper=_numbers(rows, chart.upper) if chart.upper else None,
    )


def render_figure(data: FigureData, run_label: str) -> str:
    """Render one figure: heading, note, source line, then chart and table or "no data"."""
    figure = data.figure
    parts = [
        f'<section id="figure-{escape(figure.key)}">',
        f"<h2>{escape(figure.title)}</h2>",
        f'<p class="note">{escape(figure.note)}</p>',
        f'<p class="source">Source: <code>marts.{escape(figure.mart)}</code>; '
        f"{escape(run_label)}.</p>",
    ]
    if data.rows is None:
        reason = data.missing_reason or "no rows"
        parts.append(f'<p class="no-data">no data ({escape(reason)})</p>')
    else:
        if figure.chart is not None:
            parts.append(render_chart(figure.chart, data.rows, figure.title))
        parts.append(render_table(data.rows, figure.percent_columns))
    parts.append("</section>")
    return "\n".join(parts)


def render_page(
    title: str, intro: str, figures: Sequence[FigureData], run_label: str, nav: Sequence[str]
) -> str:
    """Render a whole page.

    Args:
        title: Page title and top heading.
        intro: Paragraph under the heading: who the page is for and what it shows.
        figures: The page's figures with their rows.
        run_label: When and by which run the figures were read, repeated under each figure.
        nav: File names of the sibling pages, linked at the top.

    Returns:
        The HTML document.
    """
    links = " ".join(f'<a href="{escape(name)}">{escape(name)}</a>' for name in nav)
    body = "\n".join(render_figure(data, run_label) for data in figures)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><nav>{links}</nav><h1>{escape(title)}</h1>"
        f'<p class="note">{escape(intro)}</p>\n{body}\n</body></html>\n'
    )
