"""One identity run over the warehouse: resolve, erase, apply consent, link offline records.

`run_identity` is what the Dagster asset calls. Its steps, in order:

1. `resolve_people` clusters the online identity records, with the reviewers' decisions
   from `raw.identity_review_decisions` as overrides (`review_overrides`). A decision naming
   a record that an earlier run resolved but its source has since deleted is skipped as
   stale and listed in `identity.review_decisions`.
2. Offline records (badge scans, call notes) are reconciled against those clusters, so an
   offline record linked to a person who asked for erasure is erased with them.
3. Erasure requests not handled by an earlier run remove their people (`apply_erasure`).
   The hashed keys of every erased record join the erasure list that staging filters on,
   and each request gets one audit row without personal data.
4. Consent: a person whose latest receipt is denied or withdrawn has their records from
   tracking sources detached (`apply_consent`), and every person gets a consent status.
5. Accounts are assigned, and offline records are reconciled again on the final clusters.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from ml.identity.accounts import assign_accounts
from ml.identity.config import IdentityConfig, IdentityResult
from ml.identity.consent import join_consent, latest_receipts, person_consent
from ml.identity.offline import OfflineResult, reconcile_offline
from ml.identity.privacy import (
    ERASED_KEY_COLUMNS,
    apply_consent,
    apply_erasure,
    claim_once,
    drop_records,
    erased_keys,
    erasure_only,
    records_by_request,
    request_order,
    widen_to_threshold,
)
from ml.identity.resolve import resolve_people
from ml.identity.review import rank_review_queue
from ml.identity.reviews import STALE, overrides_within, review_overrides

logger = logging.getLogger(__name__)

# Sensitivity threshold whose clusters widen an erasure: every record that shares a cluster
# with the person's records at this threshold is erased too. On the 1,000-member demo
# (seed 7) it raised the erased records of the 7 erased people from 58 to 61 of 62, at the
# cost of one more record of another person (8 instead of 7). None turns it off.
ERASURE_THRESHOLD = 0.5

OFFLINE_LINK_COLUMNS = [
    "record_id",
    "source",
    "source_record_id",
    "person_id",
    "match_probability",
    "matched_by",
    "candidates",
]


@dataclass(frozen=True)
class IdentityInputs:
    """Frames read from the warehouse for one run.

    Attributes:
        records: Online identity records (int_identity__person_records_unioned).
        previous_clusters: person_clusters of the last run, or None.
        offline_records: Badge scans and call notes in the `resolve_people` input layout
            (record_id, source, source_record_id, email, full_name, company_name).
        erasure_requests: request_id, email, requested_at, request_type, status (from
            raw: the only layer that keeps the email). Only erasure requests are applied
            (`erasure_only`).
        consent_receipts: Staged CMP receipts (see `ml.identity.consent.RECEIPT_COLUMNS`).
        previous_audit: erasure_audit of earlier runs, or None.
        previous_erased: erased_records of earlier runs, or None.
        review_decisions: Rows of raw.identity_review_decisions, or None when no decision
            file was loaded (see `ml.identity.reviews.review_overrides`).
        previous_review_decisions: review_decisions of the last run, or None.
    """

    records: pd.DataFrame
    previous_clusters: pd.DataFrame | None
    offline_records: pd.DataFrame
    erasure_requests: pd.DataFrame
    consent_receipts: pd.DataFrame
    previous_audit: pd.DataFrame | None = None
    previous_erased: pd.DataFrame | None = None
    review_decisions: pd.DataFrame | None = None
    previous_review_decisions: pd.DataFrame | None = None


@dataclass(frozen=True)
class IdentityRun:
    """Everything one run writes to the `identity` schema, and its counts.

    `review_decisions` has one row per decision row naming no erased record, with its
    status (`ml.identity.reviews.DECISION_STATUS_COLUMNS`).
    """

    result: IdentityResult
    accounts: pd.DataFrame
    offline: OfflineResult
    offline_links: pd.DataFrame
    person_consent: pd.DataFrame
    erased_records: pd.DataFrame
    erasure_audit: pd.DataFrame
    review_decisions: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def run_identity(
    inputs: IdentityInputs,
    config: IdentityConfig,
    *,
    now: datetime | None = None,
    erasure_threshold: float | None = ERASURE_THRESHOLD,
) -> IdentityRun:
    """Resolve people and apply erasure, consent and offline reconciliation.

    Args:
        inputs: Frames read from the warehouse.
        config: Identity settings (thresholds, id salt).
        now: Time written on audit and erasure rows; the current time when None.
        erasure_threshold: Sensitivity threshold whose clusters widen each erasure (see
            `widen_to_threshold`); None erases the main clusters only.

    Returns:
        The frames of the `identity` schema and counts for asset metadata.
    """
    when = now or datetime.now(UTC)
    records = inputs.records
    reviews = review_overrides(
        inputs.review_decisions,
        set(records["record_id"]),
        inputs.previous_erased,
        config.id_salt,
        earlier_record_ids=_earlier_record_ids(inputs),
    )
    resolved = resolve_people(
        records, config, previous_clusters=inputs.previous_clusters, overrides=reviews.overrides
    )
    first_pass = reconcile_offline(inputs.offline_records, records, resolved.clusters)

    erased, audit, keys, erased_offline = _erase(
        inputs, resolved, first_pass, when, erasure_threshold
    )
    online = records[records["record_id"].isin(erased.clusters["record_id"])]
    records_erased_now = len(resolved.clusters) - len(erased.clusters)
    overrides = reviews.overrides
    statuses = reviews.statuses
    if records_erased_now:
        # The next run reads the records without the erased ones, because staging filters
        # them out. Resolving the same reduced set now gives the clusters and model that run
        # will find, so a rerun on unchanged files changes no person id. Decisions naming a
        # record erased now are left out, as the next run leaves them out.
        overrides = overrides_within(overrides, set(online["record_id"]))
        statuses = _statuses_without(statuses, set(records["record_id"]) - set(online["record_id"]))
        logger.info("re-resolving %s records without the erased ones", len(online))
        erased = resolve_people(
            online.reset_index(drop=True),
            config,
            previous_clusters=inputs.previous_clusters,
            overrides=overrides,
        )
    latest = latest_receipts(inputs.consent_receipts)
    result = apply_consent(erased, online, join_consent(latest), config.id_salt)
    # Erasure and consent drop queue rows, so the ranks are numbered again without gaps.
    result = dataclasses.replace(result, review_queue=rank_review_queue(result.review_queue))
    consent, consent_counts = person_consent(latest, online, result.clusters)
    accounts = assign_accounts(online, result.clusters)

    offline_records = inputs.offline_records[
        ~inputs.offline_records["record_id"].isin(erased_offline)
    ].reset_index(drop=True)
    offline = reconcile_offline(offline_records, online, result.clusters)
    links = offline.links.merge(
        offline_records[["record_id", "source", "source_record_id"]], on="record_id"
    )[OFFLINE_LINK_COLUMNS]
    counts = {
        **{f"offline_{key.replace(':', '_')}": value for key, value in offline.counts.items()},
        **consent_counts,
        "erasure_requests_new": len(audit) - len(_or_empty(inputs.previous_audit)),
        "records_erased_now": records_erased_now,
        "offline_records_erased_now": len(erased_offline),
        "records_detached_by_consent": int(result.metrics.get("records_detached_by_consent", 0)),
        "review_decisions_applied": len(overrides),
        "review_decisions_erased": (
            reviews.erased
            + len(reviews.overrides)
            - len(overrides)
            + reviews.stale
            - int((statuses["status"] == STALE).sum())
        ),
        "review_decisions_stale": int((statuses["status"] == STALE).sum()),
    }
    logger.info(
        "identity reviews: applied %s decision(s) (%s must_link, %s cannot_link); left out %s "
        "naming an erased record; skipped %s stale",
        counts["review_decisions_applied"],
        int((overrides["decision"] == "must_link").sum()),
        int((overrides["decision"] == "cannot_link").sum()),
        counts["review_decisions_erased"],
        counts["review_decisions_stale"],
    )
    return IdentityRun(result, accounts, offline, links, consent, keys, audit, statuses, counts)


def _earlier_record_ids(inputs: IdentityInputs) -> set[str]:
    """Return the record ids of the last run's clusters and of its listed review decisions.

    The decisions table carries forward the ids of records deleted before the last run, so
    a stale decision stays stale on every later run instead of failing the second one.
    """
    earlier: set[str] = set()
    if inputs.previous_clusters is not None:
        earlier |= set(inputs.previous_clusters["record_id"].astype(str))
    previous = inputs.previous_review_decisions
    if previous is not None:
        for column in ("record_id_l", "record_id_r"):
            earlier |= set(previous[column].dropna().astype(str))
    return earlier


def _statuses_without(statuses: pd.DataFrame, record_ids: set[str]) -> pd.DataFrame:
    """Drop the decision rows naming any of `record_ids` (records erased by this run)."""
    names = statuses["record_id_l"].isin(record_ids) | statuses["record_id_r"].isin(record_ids)
    return statuses[~names].reset_index(drop=True)


AUDIT_DTYPES = {
    "request_id": "string",
    "requested_at": "datetime64[us, UTC]",
    "status": "string",
    "erased_at": "datetime64[us, UTC]",
    "people_named": "Int64",
    "people_erased": "Int64",
    "records_erased": "Int64",
    "offline_records_erased": "Int64",
}


def _typed_audit(audit: pd.DataFrame) -> pd.DataFrame:
    """Cast audit rows to `AUDIT_DTYPES`, so an empty audit still has typed columns."""
    frame = audit.reindex(columns=list(AUDIT_DTYPES))
    frame["requested_at"] = pd.to_datetime(frame["requested_at"], utc=True)
    frame["erased_at"] = pd.to_datetime(frame["erased_at"], utc=True)
    return frame.astype(AUDIT_DTYPES).reset_index(drop=True)


def _erase(
    inputs: IdentityInputs,
    result: IdentityResult,
    offline: OfflineResult,
    when: datetime,
    threshold: float | None,
) -> tuple[IdentityResult, pd.DataFrame, pd.DataFrame, set[str]]:
    """Apply the requests no earlier run handled; return the audit and erasure list so far.

    Returns:
        The reduced result, the audit (earlier rows first), the erasure list (earlier keys
        kept) and the offline record ids erased in this run.
    """
    previous_audit = inputs.previous_audit
    handled = set() if previous_audit is None else set(previous_audit["request_id"].astype(str))
    requests = erasure_only(inputs.erasure_requests)
    new = requests[~requests["request_id"].astype(str).isin(handled)].reset_index(drop=True)

    # NOTE: erasure reaches the records resolution joined to the request's email, not
    # records it left apart (an unlinked handle, an anonymous web cookie id).
    by_request = records_by_request(result, inputs.records, new)
    reduced, audit = apply_erasure(result, inputs.records, new, erased_at=when)
    in_named_clusters = len(result.clusters) - len(reduced.clusters)
    request_ids = new["request_id"].astype(str).tolist()
    if threshold is not None:
        wider = widen_to_threshold(result, by_request, threshold)
        extra = {request_id: wider[request_id] - by_request[request_id] for request_id in wider}
        reduced = drop_records(reduced, set().union(*extra.values()))
        by_request = wider
    # Each record counts once, on the earliest request that erases it, so the audit sums
    # to the records this run removed even when two requests name one person.
    claimed = claim_once(new, [by_request[request_id] for request_id in request_ids])
    audit["records_erased"] = [len(records) for records in claimed]

    # Offline records go with the people erased whole, not with people who lost only the
    # records a widened erasure took from them.
    whole = set(result.clusters["person_id"]) - set(reduced.clusters["person_id"])
    linked = offline.links.dropna(subset=["person_id"])
    offline_by_request = []
    for request_id in request_ids:
        people = result.clusters.loc[
            result.clusters["record_id"].isin(by_request[request_id]), "person_id"
        ]
        people = people[people.isin(whole)]
        offline_ids = set(linked.loc[linked["person_id"].isin(people), "record_id"])
        by_request[request_id] = by_request[request_id] | offline_ids
        offline_by_request.append(offline_ids)
    erased_offline: set[str] = set().union(*offline_by_request)
    audit["offline_records_erased"] = [
        len(records) for records in claim_once(new, offline_by_request)
    ]
    # apply_erasure logged the records in the named people's clusters only. This line adds
    # the records that widening took, so it agrees with the audit's records_erased.
    records_erased = sum(len(records) for records in claimed)
    logger.info(
        "erasure: %s new request(s) removed %s identity records (%s in the clusters of the "
        "people named, %s more sharing a cluster with them at threshold %s) and %s offline "
        "records",
        len(new),
        records_erased,
        in_named_clusters,
        records_erased - in_named_clusters,
        threshold,
        len(erased_offline),
    )

    every_record = pd.concat([inputs.records, inputs.offline_records], ignore_index=True)
    # Keys shared by two requests keep the earliest request's id, as the audit counts do.
    earliest_first = new.iloc[request_order(new)]
    keys = erased_keys(every_record, earliest_first, by_request, when)
    if inputs.previous_erased is not None and not inputs.previous_erased.empty:
        keys = pd.concat([inputs.previous_erased[ERASED_KEY_COLUMNS], keys], ignore_index=True)
        keys = keys.drop_duplicates(["key_type", "key_sha256"]).reset_index(drop=True)
    if previous_audit is not None and not previous_audit.empty:
        audit = pd.concat([_typed_audit(previous_audit), _typed_audit(audit)], ignore_index=True)
    return reduced, _typed_audit(audit), keys, erased_offline


def _or_empty(frame: pd.DataFrame | None) -> pd.DataFrame:
    return frame if frame is not None else pd.DataFrame()


OFFLINE_INPUT_COLUMNS = [
    "record_id",
    "source",
    "source_record_id",
    "email",
    "full_name",
    "company_name",
]


def offline_records(badge_scans: pd.DataFrame, call_notes: pd.DataFrame) -> pd.DataFrame:
    """Put staged badge scans and call notes in the `resolve_people` input layout.

    Args:
        badge_scans: stg_events__badge_scans rows (record_id, scan_id, email, full_name,
            company_name).
        call_notes: stg_crm__call_notes rows (record_id, note_id, email, full_name,
            company_name).

    Returns:
        One row per offline record with `OFFLINE_INPUT_COLUMNS`.
    """
    scans = badge_scans.assign(source="badge_scans", source_record_id=badge_scans["scan_id"])
    notes = call_notes.assign(source="call_notes", source_record_id=call_notes["note_id"])
    frames = [
        frame[OFFLINE_INPUT_COLUMNS].astype(object) for frame in (scans, notes) if not frame.empty
    ]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype="string") for column in OFFLINE_INPUT_COLUMNS})
    return pd.concat(frames, ignore_index=True)
