"""Scoring: activity and member marts -> segments, next-best actions and behaviour scores."""

from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from ml.governance.registry import ensure_registry
from ml.governance.warehouse import ScoringInputs, register_conversion_model
from ml.io import read_table, replace_table, table_exists
from ml.metadata import write_metadata
from ml.scoring.warehouse import (
    MemberScoring,
    MemberScoringConfig,
    check_members_current,
    propensity_metadata,
    score_members,
)
from orchestration.resources import WarehouseResource

ACTIVITIES = AssetKey(["marts", "fct_activities"])
MEMBERS = AssetKey(["marts", "dim_members"])
ACCOUNTS = AssetKey(["marts", "dim_accounts"])
OPPORTUNITIES = AssetKey(["marts", "fct_opportunities"])
PERSON_CLUSTERS = AssetKey(["identity", "person_clusters"])
MART_DEPS = [ACTIVITIES, MEMBERS, ACCOUNTS, OPPORTUNITIES]
TABLE_DESCRIPTIONS = {
    "member_segments": "One row per member: segment, its reason, consent and scores.",
    "next_best_actions": "One row per consented, segmented member: the next-best action.",
    "behaviour_scores": "One row per member with activity: the behaviour score.",
    "behaviour_action_values": "One row per activity type: its link to conversion and points.",
}


def _check_marts_current(con: duckdb.DuckDBPyConnection, members: pd.DataFrame) -> None:
    """Reject marts older than the identity run. Without identity tables there is no check."""
    if table_exists(con, "identity", "person_clusters"):
        clusters = con.execute("select distinct person_id from identity.person_clusters").df()
        check_members_current(members, clusters)


def _model_metadata(
    scoring: MemberScoring, config: MemberScoringConfig, warehouse: WarehouseResource
) -> dict[str, Any]:
    """Write the propensity model's metadata beside the warehouse; return its asset metadata."""
    if scoring.propensity is None:
        return {"propensity_skipped": scoring.propensity_skipped_reason or "not trained"}
    path = write_metadata(
        propensity_metadata(scoring, config),
        warehouse.path.parent / "models" / "conversion_propensity.json",
    )
    metrics = scoring.propensity.metrics
    return {
        **{f"propensity_{name}": float(value) for name, value in metrics.items()},
        "propensity_metadata_path": str(path),
    }


def _register_model(
    scoring: MemberScoring,
    config: MemberScoringConfig,
    warehouse: WarehouseResource,
    inputs: ScoringInputs,
) -> dict[str, Any]:
    """Register the trained conversion model in governance.model_registry; return metadata."""
    with warehouse.get_connection() as con:
        ensure_registry(con)
        registered = register_conversion_model(con, scoring, config, inputs)
        count = con.execute("select count(*) from governance.model_registry").fetchone()
    metadata: dict[str, Any] = {"rows": int(count[0]) if count else 0}
    if registered is None:
        metadata["note"] = "no conversion model trained; nothing registered"
    else:
        metadata.update({"version": registered[0], "newly_registered": registered[1]})
    return metadata


@multi_asset(
    specs=[
        *(
            AssetSpec(
                ["scoring", name],
                group_name="scoring",
                deps=[*MART_DEPS, PERSON_CLUSTERS],
                description=description,
            )
            for name, description in TABLE_DESCRIPTIONS.items()
        ),
        AssetSpec(
            ["governance", "model_registry"],
            group_name="governance",
            deps=MART_DEPS,
            description="One row per trained model version: window, features, metrics, profile.",
        ),
    ]
)
def member_scoring(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[None]]:
    """Segment members, choose next-best actions for consented ones, and score behaviour.

    Conversion propensity is trained when the history has enough conversions, otherwise
    skipped with its reason in the metadata; a trained model is registered in
    governance.model_registry (a second run on the same data adds nothing). Consent comes
    from `dim_members`. Erased people are not in the marts, because identity removed them
    upstream, and marts older than the last identity run are rejected. See
    docs/forecasting-and-scoring.md.
    """
    config = MemberScoringConfig()
    with warehouse.get_connection() as con:
        activities, members, accounts, opportunities = (
            read_table(con, key.path[0], key.path[1]) for key in MART_DEPS
        )
        _check_marts_current(con, members)
    context.log.info(f"scoring {len(members)} members")

    scoring = score_members(activities, members, accounts, opportunities, config)
    outputs = {
        "member_segments": scoring.member_segments,
        "next_best_actions": scoring.next_best_actions,
        "behaviour_scores": scoring.behaviour_scores,
        "behaviour_action_values": scoring.action_values,
    }
    with warehouse.get_connection() as con:
        for name, frame in outputs.items():
            replace_table(con, "scoring", name, frame)

    model_metadata = _model_metadata(scoring, config, warehouse)
    inputs = ScoringInputs(activities, members, accounts, opportunities)
    registry_metadata = _register_model(scoring, config, warehouse, inputs)
    segments = scoring.member_segments["segment"].value_counts().to_dict()
    for name, frame in outputs.items():
        metadata: dict[str, Any] = {"rows": len(frame)}
        if name == "member_segments":
            metadata.update({f"segment_{key}": int(value) for key, value in segments.items()})
            metadata["consented"] = int(scoring.member_segments["consent"].sum())
            metadata.update(model_metadata)
        yield MaterializeResult(asset_key=["scoring", name], metadata=metadata)
    yield MaterializeResult(asset_key=["governance", "model_registry"], metadata=registry_metadata)
