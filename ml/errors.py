"""Errors raised by the project's plain-Python code.

Every message names where the problem is (file or table, row, field), the bad value and
what was expected, so a reader can fix the input without opening the code.
"""


class CommunityRevenueError(Exception):
    """Base class for all errors raised by this project."""


class InputFileError(CommunityRevenueError):
    """A raw input file cannot be read as its declared format."""

    def __init__(self, path: str, reason: str, row: int | None = None, field: str | None = None):
        self.path = path
        self.row = row
        self.field = field
        self.reason = reason
        where = path
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {reason}")


class ConfigurationError(CommunityRevenueError):
    """A configuration file or setting is missing or invalid."""


class DataQualityError(CommunityRevenueError):
    """Data in the warehouse breaks a rule that later steps rely on."""
