"""Loaders from landing export files to the `raw` schema (see docs/sources.md)."""

from ingest.load import (
    LoadReport,
    RejectedFile,
    load_source,
    load_source_quarantining_files,
    raw_tables,
)
from ingest.registry import SOURCES

__all__ = [
    "SOURCES",
    "LoadReport",
    "RejectedFile",
    "load_source",
    "load_source_quarantining_files",
    "raw_tables",
]
