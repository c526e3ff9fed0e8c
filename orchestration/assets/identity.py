"""Identity resolution: source identity records -> people and accounts."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ml.identity import IdentityConfig, assign_accounts, resolve_people
from ml.io import read_table, replace_table, table_exists
from orchestration.resources import WarehouseResource

PERSON_RECORDS = AssetKey(["intermediate", "int_identity__person_records_unioned"])


IDENTITY_TABLES = {
    "person_clusters": "One row per source identity record with the person it resolved to.",
    "person_accounts": "One row per person with the account their business domain puts them in.",
    "review_queue": "Record pairs whose match probability falls in the review band.",
    "threshold_clusters": "The clustering repeated at other thresholds, for sensitivity checks.",
    "person_lineage": "One row per person id merged or split since the previous run.",
}


@multi_asset(
    specs=[
        AssetSpec(
            ["identity", table],
            group_name="identity",
            deps=[PERSON_RECORDS],
            description=description,
        )
        for table, description in IDENTITY_TABLES.items()
    ]
)
def identity_resolution(context: AssetExecutionContext, warehouse: WarehouseResource):
    """Cluster every source identity into people (rules, then Splink) and people into accounts.

    A person id assigned in an earlier run stays with its records; merges and splits are
    recorded in `identity.person_lineage`.
    """
    config = IdentityConfig()
    with warehouse.get_connection() as con:
        records = read_table(con, "intermediate", "int_identity__person_records_unioned")
        previous = (
            read_table(con, "identity", "person_clusters")
            if table_exists(con, "identity", "person_clusters")
            else None
        )
    context.log.info(f"resolving {len(records)} identity records")

    result = resolve_people(records, config, previous_clusters=previous)
    accounts = assign_accounts(records, result.clusters)

    with warehouse.get_connection() as con:
        replace_table(con, "identity", "person_clusters", result.clusters)
        replace_table(con, "identity", "person_accounts", accounts)
        replace_table(con, "identity", "review_queue", result.review_queue)
        replace_table(con, "identity", "threshold_clusters", result.threshold_clusters)
        replace_table(con, "identity", "person_lineage", result.lineage)

    metrics = {key: MetadataValue.text(str(value)) for key, value in result.metrics.items()}
    yield MaterializeResult(
        asset_key=["identity", "person_clusters"],
        metadata={
            "records": len(records),
            "people": int(result.clusters["person_id"].nunique()),
            **metrics,
        },
    )
    yield MaterializeResult(
        asset_key=["identity", "person_accounts"],
        metadata={
            "people": len(accounts),
            "accounts": int(accounts["account_id"].nunique()),
        },
    )
    yield MaterializeResult(
        asset_key=["identity", "review_queue"], metadata={"pairs": len(result.review_queue)}
    )
    yield MaterializeResult(
        asset_key=["identity", "threshold_clusters"],
        metadata={"rows": len(result.threshold_clusters)},
    )
    yield MaterializeResult(
        asset_key=["identity", "person_lineage"], metadata={"changes": len(result.lineage)}
    )
