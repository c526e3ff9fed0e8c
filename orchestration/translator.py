"""Names dbt nodes so that a dbt folder, a DuckDB schema and a Dagster group are one word.

A model in `models/marts/...` lands in schema `marts` and gets the key `["marts", name]` and
the group `marts`. A source gets the key `[schema, table]`, which is the key of the Python
asset that writes that table, so lineage joins up without hand-written dependencies.
"""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


def dbt_node_schema(dbt_resource_props: Mapping[str, Any]) -> str:
    """Return the DuckDB schema a dbt node reads or writes."""
    config_schema = dbt_resource_props.get("config", {}).get("schema")
    return str(config_schema or dbt_resource_props["schema"])


class SchemaTranslator(DagsterDbtTranslator):
    """Keys every dbt node as `[schema, table]` and groups it by schema."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        """Key a source by its table's identifier and a model or seed by its name."""
        schema = dbt_node_schema(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([schema, dbt_resource_props["identifier"]])
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group a node by its schema."""
        return dbt_node_schema(dbt_resource_props)
