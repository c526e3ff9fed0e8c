"""Identity resolution: source identity records -> people, accounts, consent, offline links."""

from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ml.identity import IdentityConfig
from ml.identity.privacy import (
    HANDLE_SOURCES,
    rows_with_erased_email,
    rows_with_erased_handle,
)
from ml.identity.reviews import REVIEW_DECISIONS_TABLE, STALE, rows_with_erased_record_id
from ml.identity.warehouse import IdentityInputs, IdentityRun, offline_records, run_identity
from ml.io import read_table, replace_table, table_exists, transaction
from orchestration.resources import WarehouseResource

PERSON_RECORDS = AssetKey(["intermediate", "int_identity__person_records_unioned"])
BADGE_SCANS = AssetKey(["staging", "stg_events__badge_scans"])
CALL_NOTES = AssetKey(["staging", "stg_crm__call_notes"])
CONSENT_RECEIPTS = AssetKey(["staging", "stg_consent__consent_receipts"])
ERASURE_REQUESTS = AssetKey(["raw", "privacy_erasure_requests"])
REVIEW_DECISIONS = AssetKey(["raw", "identity_review_decisions"])
ERASURE_COLUMNS = ["request_id", "email", "requested_at", "request_type", "status"]


IDENTITY_TABLES = {
    "person_clusters": "One row per source identity record with the person it resolved to.",
    "person_accounts": "One row per person with the account their business domain puts them in.",
    "review_queue": (
        "One row per record pair whose match probability falls in the review band and that no "
        "rule or reviewer decision settles, with a stable pair_id and review_rank (1 first)."
    ),
    "threshold_clusters": "The clustering repeated at other thresholds, for sensitivity checks.",
    "person_lineage": "One row per person id merged or split since the previous run.",
    "offline_links": (
        "One row per badge scan or call note: the person it links to, or why it stays unlinked."
    ),
    "person_consent": "One row per person: latest consent status, region and `consented`.",
    "erased_records": (
        "SHA-256 hashes of the record ids, emails and handles of erased people; staging drops "
        "rows that match."
    ),
    "erasure_audit": "One row per erasure request handled: dates and counts, no personal data.",
    "review_decisions": (
        "One row per reviewer decision row in raw.identity_review_decisions, except rows naming "
        "an erased record: status `applied`, or `stale` with the reason when a source has "
        "deleted one of its records since an earlier run."
    ),
}


def _read_or_none(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame | None:
    return read_table(con, schema, table) if table_exists(con, schema, table) else None


def _read_inputs(con: duckdb.DuckDBPyConnection) -> IdentityInputs:
    """Read the identity records, offline records, requests, receipts and earlier outputs."""
    requests = _read_or_none(con, "raw", "privacy_erasure_requests")
    if requests is None:
        requests = pd.DataFrame(columns=ERASURE_COLUMNS)
    return IdentityInputs(
        records=read_table(con, "intermediate", "int_identity__person_records_unioned"),
        previous_clusters=_read_or_none(con, "identity", "person_clusters"),
        offline_records=offline_records(
            read_table(con, "staging", "stg_events__badge_scans"),
            read_table(con, "staging", "stg_crm__call_notes"),
        ),
        erasure_requests=requests.reindex(columns=ERASURE_COLUMNS),
        consent_receipts=read_table(con, "staging", "stg_consent__consent_receipts"),
        previous_audit=_read_or_none(con, "identity", "erasure_audit"),
        previous_erased=_read_or_none(con, "identity", "erased_records"),
        review_decisions=_read_or_none(con, "raw", "identity_review_decisions"),
        previous_review_decisions=_read_or_none(con, "identity", "review_decisions"),
    )


def _erase_quarantined_rows(con: duckdb.DuckDBPyConnection, erased: pd.DataFrame) -> int:
    """Delete the rows of `quarantine.rejected_rows` that contain an erased email or handle.

    Rejected rows keep the raw row for review and no staging filter reads them, so an erased
    person's email or handle there is deleted here, on every run, also from rows quarantined
    after the request was handled. So is a rejected review decision naming an erased record.

    Returns:
        The number of rows deleted.
    """
    if not table_exists(con, "quarantine", "rejected_rows"):
        return 0
    # NOTE: a rejected row (other than a review decision) that names the person by an id or a
    # name alone is kept. An operator deletes such rows (docs/known-shortcomings.md).
    with transaction(con):
        candidates = con.execute(
            "select rowid as row_id, table_name, value, record from quarantine.rejected_rows "
            "where contains(value, '@') or contains(record, '@') "
            "or split_part(table_name, '_', 1) in (select unnest(?)) or table_name = ?",
            [list(HANDLE_SOURCES), REVIEW_DECISIONS_TABLE],
        ).df()
        erase = rows_with_erased_email(candidates[["value", "record"]], erased)
        erase |= rows_with_erased_handle(candidates[["table_name", "value", "record"]], erased)
        erase |= rows_with_erased_record_id(candidates[["table_name", "value", "record"]], erased)
        row_ids = candidates.loc[erase, "row_id"].tolist()
        if row_ids:
            con.execute(
                "delete from quarantine.rejected_rows where rowid in (select unnest(?))", [row_ids]
            )
    return len(row_ids)


def _outputs(run: IdentityRun) -> dict[str, pd.DataFrame]:
    return {
        "person_clusters": run.result.clusters,
        "person_accounts": run.accounts,
        "review_queue": run.result.review_queue,
        "threshold_clusters": run.result.threshold_clusters,
        "person_lineage": run.result.lineage,
        "offline_links": run.offline_links,
        "person_consent": run.person_consent,
        "erased_records": run.erased_records,
        "erasure_audit": run.erasure_audit,
        "review_decisions": run.review_decisions,
    }


def _review_summary(context: AssetExecutionContext, run: IdentityRun) -> dict[str, Any]:
    """Log the review decision counts, as a warning when some are stale, and return them."""
    reviews: dict[str, Any] = {
        key: value for key, value in run.counts.items() if key.startswith("review_")
    }
    message = (
        f"reviews: applied {reviews['review_decisions_applied']} decision(s), left out "
        f"{reviews['review_decisions_erased']} naming an erased record, skipped "
        f"{reviews['review_decisions_stale']} stale"
    )
    stale = run.review_decisions[run.review_decisions["status"] == STALE]
    if stale.empty:
        context.log.info(message)
        return reviews
    first = stale.iloc[0]
    example = f"{first['_file']}, row {first['_row_number']}: {first['status_reason']}"
    reviews["review_decisions_first_stale"] = example
    context.log.warning(
        f"{message}. First stale decision: {example}. Every stale decision is listed in "
        "identity.review_decisions with its reason. Remove their rows from the decision files"
    )
    return reviews


@multi_asset(
    specs=[
        AssetSpec(
            ["identity", table],
            group_name="identity",
            deps=[
                PERSON_RECORDS,
                BADGE_SCANS,
                CALL_NOTES,
                CONSENT_RECEIPTS,
                ERASURE_REQUESTS,
                REVIEW_DECISIONS,
            ],
            description=description,
        )
        for table, description in IDENTITY_TABLES.items()
    ]
)
def identity_resolution(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[None]]:
    """Cluster identities into people and accounts, then apply erasure, consent and offline links.

    A person id assigned in an earlier run stays with its records; merges and splits are
    recorded in `identity.person_lineage`. Reviewers' decisions on the review queue
    (`raw.identity_review_decisions`) are applied on every run; a decision naming a record that
    its source has deleted since is skipped as stale and listed in `identity.review_decisions`.
    Erasure requests remove their
    people from every
    output, and the hashed erasure list makes staging drop their rows from the next query
    on. Rows of `quarantine.rejected_rows` that contain an erased email or handle are
    deleted. See docs/identity-resolution.md.
    """
    with warehouse.get_connection() as con:
        inputs = _read_inputs(con)
    context.log.info(
        f"resolving {len(inputs.records)} identity records and "
        f"{len(inputs.offline_records)} offline records"
    )

    run = run_identity(inputs, IdentityConfig())
    outputs = _outputs(run)
    with warehouse.get_connection() as con:
        for table, frame in outputs.items():
            replace_table(con, "identity", table, frame)
        quarantined_erased = _erase_quarantined_rows(con, run.erased_records)
    context.log.info(
        f"erasure: deleted {quarantined_erased} row(s) containing an erased email or handle "
        "from quarantine.rejected_rows"
    )

    metrics = {key: MetadataValue.text(str(value)) for key, value in run.result.metrics.items()}
    reviews = _review_summary(context, run)
    clusters = run.result.clusters
    metadata: dict[str, dict[str, Any]] = {
        "person_clusters": {
            "records": len(clusters),
            "people": int(clusters["person_id"].nunique()),
            **metrics,
            **reviews,
        },
        "review_queue": {"pairs": len(run.result.review_queue), **reviews},
        "person_accounts": {
            "people": len(run.accounts),
            "accounts": int(run.accounts["account_id"].nunique()),
        },
        "offline_links": {"records": len(run.offline_links), **run.offline.counts},
        "person_consent": {
            key: value
            for key, value in run.counts.items()
            if not key.startswith(("offline_", "review_"))
        },
        "erasure_audit": {
            "requests": len(run.erasure_audit),
            "quarantined_rows_erased": quarantined_erased,
        },
        "review_decisions": {"rows": len(run.review_decisions), **reviews},
    }
    for table, frame in outputs.items():
        yield MaterializeResult(
            asset_key=["identity", table], metadata=metadata.get(table, {"rows": len(frame)})
        )
