"""Loaders from landing export files to the `raw` schema (see docs/sources.md)."""

from ingest.load import LoadReport, load_source, raw_tables
from ingest.registry import SOURCES

__all__ = ["SOURCES", "LoadReport", "load_source", "raw_tables"]
