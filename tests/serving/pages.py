"""Read back what a generated page shows: a figure's section and the cells of its table."""

import re
from html import unescape

SECTION = re.compile(r'<section id="figure-(?P<key>[\w-]+)">(?P<body>.*?)</section>', re.S)
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def sections(page: str) -> dict[str, str]:
    """Map each figure key to the HTML of its section."""
    return {match["key"]: match["body"] for match in SECTION.finditer(page)}


def table_rows(section: str) -> list[dict[str, str]]:
    """Return the rows of a section's table as column -> shown text."""
    rows = [[unescape(cell) for cell in CELL.findall(row)] for row in ROW.findall(section)]
    if not rows:
        return []
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]
