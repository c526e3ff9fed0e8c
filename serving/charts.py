"""Inline SVG charts drawn from plain numbers, so a page needs no script or stylesheet.

Every function returns one `<svg>` element as text. Values that are None or NaN are left out
of the drawing (a gap in a line, no bar), never drawn as zero.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

PALETTE = ("#1f5fa8", "#d4731c", "#2f8f4e", "#b2333f", "#6d4fa0", "#7a6a52", "#c2498f", "#5f6b73")
WIDTH = 720
MARGIN_LEFT = 90
MARGIN_RIGHT = 20
MARGIN_TOP = 16
MARGIN_BOTTOM = 48
BAR_HEIGHT = 18
LABEL_WIDTH = 220


def _is_number(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _format_tick(value: float) -> str:
    """Format an axis tick with a k/M suffix, keeping small values readable."""
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if magnitude >= 10_000:
        return f"{value / 1_000:.0f}k"
    if magnitude >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _value_range(values: Sequence[float | None]) -> tuple[float, float]:
    """Return the axis range: it always contains zero, and is never empty."""
    numbers = [value for value in values if value is not None and _is_number(value)]
    low = min([0.0, *numbers])
    high = max([0.0, *numbers])
    if high == low:
        high = low + 1.0
    return low, high


def _svg_open(height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
    )


def _legend(names: Sequence[str], y: float) -> list[str]:
    parts = []
    x = float(MARGIN_LEFT)
    for index, name in enumerate(names):
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y:.1f}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return parts


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    height: int = 260,
) -> str:
    """Draw one line per series over shared x labels, with an optional shaded interval.

    Args:
        title: Text of the chart's `<title>`, read by screen readers and shown on hover.
        x_labels: One label per point, in drawing order.
        series: Name -> one value per x label.
        band: Lower and upper values of an interval around the first series, shaded.
        height: Height of the drawing in pixels.

    Returns:
        The `<svg>` element.
    """
    all_values = [value for values in series.values() for value in values]
    if band is not None:
        all_values += [*band[0], *band[1]]
    low, high = _value_range(all_values)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_width / max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return MARGIN_LEFT + index * step

    def y_at(value: float) -> float:
        return MARGIN_TOP + plot_height * (high - value) / (high - low)

    parts = [_svg_open(height, title), *_axes(low, high, y_at, plot_width)]
    if band is not None:
        parts.append(_band_polygon(band, x_at, y_at))
    for index, (name, values) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        for segment in _segments(values):
            points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in segment)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2">'
                f"<title>{escape(name)}</title></polyline>"
            )
    parts += _x_labels(x_labels, x_at, height)
    parts += _legend(list(series), height - 6)
    parts.append("</svg>")
    return "".join(parts)


def _axes(low: float, high: float, y_at: Callable[[float], float], plot_width: float) -> list[str]:
    """Draw four horizontal grid lines with their values, and the zero line darker."""
    parts = []
    for fraction in (0.0, 1 / 3, 2 / 3, 1.0):
        value = low + (high - low) * fraction
        y = y_at(value)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_width:.1f}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_format_tick(value)}</text>"
        )
    zero = y_at(0.0)
    parts.append(
        f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_width:.1f}" y1="{zero:.1f}" '
        f'y2="{zero:.1f}" stroke="#888"/>'
    )
    return parts


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Split a series into runs of consecutive numbers, so a missing value leaves a gap."""
    segments: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is not None and _is_number(value):
            segments[-1].append((index, float(value)))
        elif segments[-1]:
            segments.append([])
    return [segment for segment in segments if segment]


def _band_polygon(
    band: tuple[Sequence[float | None], Sequence[float | None]],
    x_at: Callable[[int], float],
    y_at: Callable[[float], float],
) -> str:
    pairs = [
        (index, lower, upper)
        for index, (lower, upper) in enumerate(zip(band[0], band[1], strict=True))
        if lower is not None and upper is not None and _is_number(lower) and _is_number(upper)
    ]
    upper_points = [f"{x_at(i):.1f},{y_at(u):.1f}" for i, _, u in pairs]
    lower_points = [f"{x_at(i):.1f},{y_at(lo):.1f}" for i, lo, _ in reversed(pairs)]
    points = " ".join(upper_points + lower_points)
    return f'<polygon points="{points}" fill="{PALETTE[0]}" fill-opacity="0.18" stroke="none"/>'


def _x_labels(labels: Sequence[str], x_at: Callable[[int], float], height: int) -> list[str]:
    """Label the x axis, thinning the labels to at most seven so dates do not overlap."""
    every = max(1, math.ceil(len(labels) / 7))
    y = height - MARGIN_BOTTOM + 16
    return [
        f'<text x="{x_at(index):.1f}" y="{y}" text-anchor="middle">{escape(label)}</text>'
        for index, label in enumerate(labels)
        if index % every == 0
    ]


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    lower: Sequence[float | None] | None = None,
    upper: Sequence[float | None] | None = None,
) -> str:
    """Draw one horizontal bar per label, with interval whiskers where bounds are given.

    Args:
        title: Text of the chart's `<title>`.
        labels: One label per bar, drawn top to bottom.
        values: Bar lengths; negative values extend left of the zero line.
        lower: Lower interval bounds, one per bar, or None for no whiskers.
        upper: Upper interval bounds, one per bar.

    Returns:
        The `<svg>` element.
    """
    lows = list(lower) if lower is not None else [None] * len(values)
    highs = list(upper) if upper is not None else [None] * len(values)
    low, high = _value_range([*values, *lows, *highs])
    height = MARGIN_TOP + len(labels) * (BAR_HEIGHT + 6) + 24
    plot_width = WIDTH - LABEL_WIDTH - MARGIN_RIGHT - 60

    def x_at(value: float) -> float:
        return LABEL_WIDTH + plot_width * (value - low) / (high - low)

    parts = [_svg_open(height, title)]
    zero = x_at(0.0)
    for index, (label, value, lo, hi) in enumerate(zip(labels, values, lows, highs, strict=True)):
        y = MARGIN_TOP + index * (BAR_HEIGHT + 6)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
        )
        if value is not None and _is_number(value):
            left, right = sorted((zero, x_at(float(value))))
            parts.append(
                f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 0.5):.1f}" '
                f'height="{BAR_HEIGHT}" fill="{PALETTE[0]}"><title>{escape(label)}: '
                f"{_format_tick(float(value))}</title></rect>"
            )
            parts.append(
                f'<text x="{right + 4:.1f}" y="{y + 13}">{_format_tick(float(value))}</text>'
            )
        if lo is not None and hi is not None and _is_number(lo) and _is_number(hi):
            middle = y + BAR_HEIGHT / 2
            parts.append(
                f'<line x1="{x_at(float(lo)):.1f}" x2="{x_at(float(hi)):.1f}" y1="{middle}" '
                f'y2="{middle}" stroke="#222" stroke-width="1.5"/>'
            )
    parts.append(
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{MARGIN_TOP - 4}" y2="{height - 20}" '
        'stroke="#888"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
