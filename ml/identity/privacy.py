"""Erasure requests and join consent applied to identity outputs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pandas as pd

from ml.errors import InputFileError
from ml.identity.config import IdentityResult
from ml.identity.ids import make_person_id
from ml.identity.prepare import normalize_email

logger = logging.getLogger(__name__)

AUDIT_COLUMNS = [
    "request_id",
    "requested_at",
    "status",
    "erased_at",
    "people_named",
    "people_erased",
    "records_erased",
]


def _require(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputFileError(where, f"missing column(s) {missing}, expected {columns}")


def _persons_with_email(
    records: pd.DataFrame, clusters: pd.DataFrame, emails: set[str]
) -> dict[str, set[str]]:
    """Map each normalized email in `emails` to the people whose records carry it."""
    person_of = dict(zip(clusters["record_id"], clusters["person_id"], strict=True))
    found: dict[str, set[str]] = {email: set() for email in emails}
    for record_id, raw in zip(records["record_id"].astype(str), records["email"], strict=True):
        email = normalize_email(raw)
        if email in found and record_id in person_of:
            found[email].add(person_of[record_id])
    return found


# Request types that ask for a person's data to be removed. A request without a type counts
# as erasure, because the file contains erasure requests. `ingest.registry` quarantines types
# that are neither these nor another known privacy request type (access, portability, ...).
ERASURE_REQUEST_TYPES = ("erasure", "erase", "deletion", "delete", "right_to_be_forgotten")


def erasure_only(requests: pd.DataFrame) -> pd.DataFrame:
    """Keep the requests whose `request_type` is an erasure type or missing; log the rest.

    An access or portability request must not remove the person it names.
    """
    if "request_type" not in requests.columns:
        return requests
    kinds = requests["request_type"].astype("string").str.strip().str.lower()
    keep = kinds.isna() | (kinds == "") | kinds.isin(ERASURE_REQUEST_TYPES)
    if not keep.all():
        counts = kinds[~keep].value_counts().to_dict()
        logger.info(
            "erasure: %d request(s) of other types left alone: %s", int((~keep).sum()), counts
        )
    return requests[keep.to_numpy()].reset_index(drop=True)


def request_order(requests: pd.DataFrame) -> list[int]:
    """Return the row positions of `requests` by `requested_at`, then `request_id`.

    A request whose time stamp does not parse comes after the others.
    """
    order = pd.DataFrame(
        {
            "requested_at": pd.to_datetime(
                requests["requested_at"], utc=True, errors="coerce", format="ISO8601"
            ).to_numpy(),
            "request_id": requests["request_id"].astype(str).to_numpy(),
        }
    ).sort_values(["requested_at", "request_id"], na_position="last", kind="stable")
    return order.index.tolist()


def claim_once(requests: pd.DataFrame, found: list[set[str]]) -> list[set[str]]:
    """Give each person or record to the earliest request that names it (`request_order`).

    Two requests that name one person then count the person and their records once, on
    the earlier request.

    Args:
        requests: request_id and requested_at of each request.
        found: The ids each request names, in the row order of `requests`.

    Returns:
        The ids each request claims first, in the row order of `requests`.
    """
    claimed: list[set[str]] = [set() for _ in found]
    seen: set[str] = set()
    for position in request_order(requests):
        claimed[position] = found[position] - seen
        seen |= found[position]
    return claimed


def _without_records(result: IdentityResult, removed: set[str]) -> IdentityResult:
    """Drop records from every frame of a result, including pairs that touch them."""

    def keep_pairs(frame: pd.DataFrame) -> pd.DataFrame:
        touched = frame["record_id_l"].isin(removed) | frame["record_id_r"].isin(removed)
        return frame[~touched].reset_index(drop=True)

    clusters = result.clusters[~result.clusters["record_id"].isin(removed)].reset_index(drop=True)
    return dataclasses.replace(
        result,
        clusters=clusters,
        links=keep_pairs(result.links),
        review_queue=keep_pairs(result.review_queue),
        threshold_clusters=result.threshold_clusters[
            ~result.threshold_clusters["record_id"].isin(removed)
        ].reset_index(drop=True),
        metrics={
            **result.metrics,
            "records": len(clusters),
            "people": int(clusters["person_id"].nunique()),
        },
    )


def apply_erasure(
    result: IdentityResult,
    records: pd.DataFrame,
    requests: pd.DataFrame,
    *,
    erased_at: datetime | None = None,
) -> tuple[IdentityResult, pd.DataFrame]:
    """Remove every person a request names from the identity outputs.

    A request names a person through an email address; all records of every person
    holding that address are removed, with the person's lineage rows. Requests are
    honoured whatever their status, because the landing exports keep sending the
    person's records until the sources delete them.

    Args:
        result: Output of `resolve_people`.
        records: The records that were resolved (record_id, email).
        requests: request_id, email, requested_at and optionally status.
        erased_at: Time written on the audit rows; now when None.

    Returns:
        The reduced result, and one audit row per request that contains no personal data:
        request_id, requested_at, status, erased_at, people_named (the people the request's
        email names), and people_erased and records_erased. These two count each person
        once, on the earliest request naming them (`claim_once`), so their sums are the
        people and records removed.

    Raises:
        InputFileError: The requests lack a required column.
    """
    # The identity asset also writes the erased records' hashed keys (`erased_keys`), which
    # staging filters on; raw keeps the rows as loaded (docs/known-shortcomings.md).
    _require(requests, ["request_id", "email", "requested_at"], "erasure requests")
    emails = requests["email"].map(normalize_email)
    people_by_email = _persons_with_email(records, result.clusters, set(emails.dropna()))
    erased_people = set().union(*people_by_email.values()) if people_by_email else set()
    erased_records = set(
        result.clusters.loc[result.clusters["person_id"].isin(erased_people), "record_id"]
    )

    reduced = _without_records(result, erased_records)
    lineage = reduced.lineage
    touched = lineage["old_person_id"].isin(erased_people) | lineage["new_person_id"].isin(
        erased_people
    )
    reduced = dataclasses.replace(
        reduced,
        lineage=lineage[~touched].reset_index(drop=True),
        metrics={**reduced.metrics, "people_erased": len(erased_people)},
    )

    record_counts = result.clusters.groupby("person_id").size()
    named = [people_by_email.get(e, set()) if isinstance(e, str) else set() for e in emails]
    claimed = claim_once(requests, named)
    when = pd.Timestamp(erased_at or datetime.now(UTC))
    audit = pd.DataFrame(
        {
            "request_id": requests["request_id"].to_numpy(),
            "requested_at": requests["requested_at"].to_numpy(),
            "status": requests.get("status", pd.Series(None, index=requests.index)).to_numpy(),
            "erased_at": when,
            "people_named": [len(people) for people in named],
            "people_erased": [len(people) for people in claimed],
            "records_erased": [
                int(sum(record_counts.get(person, 0) for person in people)) for people in claimed
            ],
        }
    )[AUDIT_COLUMNS]
    logger.info(
        "erasure: %s request(s) removed %s people and the %s records of their clusters",
        len(requests),
        len(erased_people),
        len(erased_records),
    )
    return reduced, audit


def apply_consent(
    result: IdentityResult, records: pd.DataFrame, consent: pd.DataFrame, salt: str
) -> IdentityResult:
    """Detach the records a person has not agreed to have joined to their identity.

    Args:
        result: Output of `resolve_people`.
        records: The records that were resolved (record_id, source, email).
        consent: One row per person and source: email, source, may_join (bool). The
            records of a source with may_join false become separate people.
        salt: The `IdentityConfig.id_salt` of the run, for the detached records' ids.

    Returns:
        The result with those records moved to ids of their own (matched_by
        `consent:detached`) and their links and review pairs dropped.

    Raises:
        InputFileError: The consent frame lacks a required column.
    """
    _require(consent, ["email", "source", "may_join"], "consent")
    withheld = consent[~consent["may_join"].astype(bool)]
    emails = withheld["email"].map(normalize_email)
    people_by_email = _persons_with_email(records, result.clusters, set(emails.dropna()))
    withheld_pairs = {
        (person, source)
        for email, source in zip(emails, withheld["source"], strict=True)
        for person in people_by_email.get(email, set())
    }
    source_of = dict(zip(records["record_id"].astype(str), records["source"], strict=True))
    clusters = result.clusters.copy()
    detach = [
        (person, source_of.get(record_id)) in withheld_pairs
        for record_id, person in zip(clusters["record_id"], clusters["person_id"], strict=True)
    ]
    detached = set(clusters.loc[detach, "record_id"])

    # A prefix keeps the new id apart from the cluster id hashed from the same record.
    own_id = {r: make_person_id(f"consent:{r}", salt) for r in detached}
    clusters.loc[detach, "person_id"] = clusters.loc[detach, "record_id"].map(own_id)
    clusters.loc[detach, "matched_by"] = "consent:detached"
    clusters.loc[detach, "match_probability"] = None
    thresholds = result.threshold_clusters.copy()
    moved = thresholds["record_id"].isin(detached)
    thresholds.loc[moved, "person_id"] = thresholds.loc[moved, "record_id"].map(own_id)
    logger.info("consent: detached %s record(s)", len(detached))

    # Dropping the detached records from the pair frames removes their links and reviews.
    without = _without_records(result, detached)
    # On a rerun the resolution joins a detached record again, so its id from the last run
    # shows as merged into the person. The id comes back here, and a lineage row would
    # link the detached record to the person it was detached from.
    detached_ids = set(own_id.values())
    lineage = result.lineage
    tied = lineage["old_person_id"].isin(detached_ids) | lineage["new_person_id"].isin(detached_ids)
    return dataclasses.replace(
        without,
        clusters=clusters,
        threshold_clusters=thresholds,
        lineage=lineage[~tied].reset_index(drop=True),
        metrics={
            **result.metrics,
            "people": int(clusters["person_id"].nunique()),
            "records_detached_by_consent": len(detached),
        },
    )


ERASED_KEY_COLUMNS = ["key_type", "key_sha256", "request_id", "erased_at"]
# Sources whose records carry a handle that staging filters rows on (Discourse posts name
# their author by username only) and that quarantined rows are searched for.
HANDLE_SOURCES = ("slack", "discord", "discourse", "github", "stackexchange")


def hash_key(value: str) -> str:
    """Return the SHA-256 hex digest dbt's `sha256()` gives for the same text."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def records_by_request(
    result: IdentityResult, records: pd.DataFrame, requests: pd.DataFrame
) -> dict[str, set[str]]:
    """Map each request id to the record ids of every person its email names.

    Raises:
        InputFileError: The requests lack a required column.
    """
    _require(requests, ["request_id", "email"], "erasure requests")
    emails = requests["email"].map(normalize_email)
    people_by_email = _persons_with_email(records, result.clusters, set(emails.dropna()))
    records_of = result.clusters.groupby("person_id")["record_id"].agg(set).to_dict()
    found: dict[str, set[str]] = {}
    for request_id, email in zip(requests["request_id"].astype(str), emails, strict=True):
        people = people_by_email.get(email, set()) if isinstance(email, str) else set()
        found[request_id] = set().union(*(records_of[p] for p in people)) if people else set()
    return found


def erased_keys(
    records: pd.DataFrame,
    requests: pd.DataFrame,
    erased: dict[str, set[str]],
    erased_at: datetime,
) -> pd.DataFrame:
    """Hash the record ids, emails and handles staging must drop for each request.

    Args:
        records: Every record that may be erased (record_id, source, email, handle), the
            online identity records and the offline ones alike.
        requests: request_id and email of each request.
        erased: Request id to the record ids it erases (`records_by_request`, plus the
            offline records linked to those people).
        erased_at: Time written on each row.

    Returns:
        One row per (key_type, key_sha256) with `ERASED_KEY_COLUMNS`. key_type is
        `record_id`, `email` (normalized as `normalize_email`) or `handle`
        (`<source>:<handle>`). No clear text is kept.
    """
    # NOTE: the hashes are unsalted SHA-256, so anyone holding a candidate email can test
    # whether it was erased. A keyed hash shared by Python and SQL would prevent that.
    by_id = records.assign(record_id=records["record_id"].astype(str)).set_index("record_id")
    rows: list[tuple[str, str, str]] = []
    request_ids = requests["request_id"].astype(str)
    for request_id, email in zip(request_ids, requests["email"], strict=True):
        if (key := normalize_email(email)) is not None:
            rows.append(("email", key, request_id))
        for record_id in sorted(erased.get(request_id, set())):
            rows.append(("record_id", record_id, request_id))
            if record_id not in by_id.index:
                continue
            record = by_id.loc[record_id]
            if (key := normalize_email(record.get("email"))) is not None:
                rows.append(("email", key, request_id))
            handle = record.get("handle")
            if record.get("source") in HANDLE_SOURCES and isinstance(handle, str) and handle:
                rows.append(("handle", f"{record['source']}:{handle}", request_id))
    keys = pd.DataFrame(rows, columns=["key_type", "key", "request_id"])
    keys["key_sha256"] = keys["key"].map(hash_key)
    keys["erased_at"] = pd.Timestamp(erased_at)
    keys = keys.drop_duplicates(["key_type", "key_sha256"]).reset_index(drop=True)
    return keys[ERASED_KEY_COLUMNS].astype(
        {"key_type": "string", "key_sha256": "string", "request_id": "string"}
    )


# An address anywhere in a text: in a CSV row rebuilt as JSON, a JSON record or a bare value.
# Quotes, commas, colons and angle brackets end it, so `"email":"a@b.io"` and
# `mailto:a@b.io` give `a@b.io`.
EMAIL_IN_TEXT = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")


def rows_with_erased_email(texts: pd.DataFrame, erased: pd.DataFrame) -> pd.Series:
    """Mark the rows that contain, in any column, an email on the erasure list.

    Each address found by `EMAIL_IN_TEXT` is normalized with `normalize_email` and hashed
    with `hash_key`, as `erased_keys` does, so a `+tag`, other case or Gmail dots still match.

    Args:
        texts: The text columns to search, one row per candidate row (None is skipped).
        erased: Erasure list rows with key_type and key_sha256 (`erased_keys`).

    Returns:
        A boolean Series on the index of `texts`.
    """
    hashes = set(erased.loc[erased["key_type"] == "email", "key_sha256"])

    def contains_erased(text: object) -> bool:
        if not isinstance(text, str) or "@" not in text:
            return False
        emails = (normalize_email(found) for found in EMAIL_IN_TEXT.findall(text))
        return any(email is not None and hash_key(email) in hashes for email in emails)

    if texts.empty or not hashes:
        return pd.Series(False, index=texts.index, dtype=bool)
    return texts.map(contains_erased).any(axis=1)


# Words of a record that is not JSON: runs of characters other than spaces and punctuation
# that separates fields.
WORD_IN_TEXT = re.compile(r"[^\s\"',;:()\[\]{}<>=]+")


def _strings_in(record: object) -> list[str]:
    """Return the strings of a JSON record, the attributes of an XML `<row/>`, or else the words.

    JSON nested deeper than the parser's recursion limit does not parse either.
    """
    if not isinstance(record, str):
        return []
    if record.startswith("<row"):
        # A Stack Exchange row keeps a display name such as `Jane Doe` whole in its attribute.
        try:
            return list(ET.fromstring(record).attrib.values())
        except ET.ParseError:
            return WORD_IN_TEXT.findall(record)
    try:
        parsed = json.loads(record)
    except (ValueError, RecursionError):
        return WORD_IN_TEXT.findall(record)
    found: list[str] = []
    pending = [parsed]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            found.append(item)
    return found


def rows_with_erased_handle(rows: pd.DataFrame, erased: pd.DataFrame) -> pd.Series:
    """Mark the rows of a handle source that contain, in any field, a handle on the erasure list.

    Raw tables are named `<source>_<name>`, so a row of `slack_users` is searched for the
    keys `slack:<text>` of `erased_keys`. Each string of the JSON record, and the rejected
    value, is trimmed as staging trims handles. A field other than the handle that equals an
    erased handle also matches: erasure removes a row that may be the person's rather than
    keep one that is.

    Args:
        rows: `table_name`, `value` and `record` of each candidate row.
        erased: Erasure list rows with key_type and key_sha256 (`erased_keys`).

    Returns:
        A boolean Series on the index of `rows`.
    """
    hashes = set(erased.loc[erased["key_type"] == "handle", "key_sha256"])
    source = rows["table_name"].astype(str).str.split("_", n=1).str[0]
    searched = source.isin(HANDLE_SOURCES)
    if not hashes or not searched.any():
        return pd.Series(False, index=rows.index, dtype=bool)
    # Rows are read by position, so repeated index labels cannot mix up two rows.
    columns = zip(searched, source, rows["value"], rows["record"], strict=True)
    marked = [
        bool(search) and _names_erased_handle(prefix, value, record, hashes)
        for search, prefix, value, record in columns
    ]
    return pd.Series(marked, index=rows.index, dtype=bool)


def _names_erased_handle(source: str, value: object, record: object, hashes: set[str]) -> bool:
    """Return whether a trimmed string of `record`, or `value`, is an erased `source` handle."""
    texts = _strings_in(record)
    if isinstance(value, str):
        texts.append(value)
    keys = {f"{source}:{text.strip()}" for text in texts if text.strip()}
    return any(hash_key(key) in hashes for key in keys)


def widen_to_threshold(
    result: IdentityResult, by_request: dict[str, set[str]], threshold: float
) -> dict[str, set[str]]:
    """Add to each request the records that share a cluster with its records at `threshold`.

    An erasure should remove a record that may be the person's rather than keep one that
    is, so a low sensitivity threshold of `result.threshold_clusters` widens the set.

    Args:
        result: Output of `resolve_people`, with `threshold` among its sensitivity
            thresholds.
        by_request: Request id to record ids, from `records_by_request`.
        threshold: A threshold of `result.threshold_clusters`.

    Returns:
        Request id to the widened record ids (unchanged when `threshold` was not run).
    """
    clusters = result.threshold_clusters
    at = clusters[clusters["threshold"] == threshold]
    if at.empty:
        logger.warning("erasure: no clustering at threshold %s, nothing widened", threshold)
        return by_request
    group_of = dict(zip(at["record_id"], at["person_id"], strict=True))
    members = at.groupby("person_id")["record_id"].agg(set).to_dict()
    widened = {}
    for request_id, record_ids in by_request.items():
        groups = {group_of[r] for r in record_ids if r in group_of}
        widened[request_id] = record_ids.union(*(members[g] for g in groups))
    return widened


def drop_records(result: IdentityResult, record_ids: set[str]) -> IdentityResult:
    """Remove records from every frame of a result, with the pairs that touch them."""
    return _without_records(result, record_ids)
