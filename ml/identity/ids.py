"""Pseudonymous person ids that stay stable across refreshes, with merge and split lineage."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import datetime

import pandas as pd

ID_PREFIX = "per_"
LINEAGE_COLUMNS = ["old_person_id", "new_person_id", "changed_at", "reason"]


def make_person_id(anchor_record_id: str, salt: str, attempt: int = 0) -> str:
    """Hash a record id into a person id; the raw id (often an email) is not readable."""
    digest = hashlib.sha256(f"{salt}\x1f{anchor_record_id}\x1f{attempt}".encode()).hexdigest()
    return ID_PREFIX + digest[:16]


def assign_person_ids(
    roots: dict[str, str],
    previous: pd.DataFrame | None,
    salt: str,
    changed_at: datetime,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Name each cluster, reusing the previous person id that covers most of its records.

    A previous id goes to the new cluster holding most of its records (ties broken by
    the larger cluster, then by the id). Clusters left without a previous id get a new
    one hashed from their smallest record id.

    Args:
        roots: Record id to cluster root, from `cluster_records`.
        previous: record_id and person_id of the last run, or None on the first run.
        salt: Text mixed into new ids.
        changed_at: Time stamp written on lineage rows.

    Returns:
        Record id to person id, and lineage rows: `merge` when a previous id was retired
        because its records joined another person, `split` when part of a person moved to
        a new or different person.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for record_id, root in roots.items():
        members[root].append(record_id)
    old_of = _previous_ids(previous)

    overlaps: list[tuple[int, int, str, str]] = []
    for root, records in members.items():
        counts = Counter(old_of[r] for r in records if r in old_of)
        overlaps.extend((count, len(records), old_id, root) for old_id, count in counts.items())
    overlaps.sort(key=lambda item: (-item[0], -item[1], item[2], item[3]))

    name_of: dict[str, str] = {}
    used: set[str] = set()
    for _, _, old_id, root in overlaps:
        if root not in name_of and old_id not in used:
            name_of[root] = old_id
            used.add(old_id)
    taken = used | set(old_of.values())
    for root in sorted(members, key=lambda r: min(members[r])):
        if root in name_of:
            continue
        attempt = 0
        candidate = make_person_id(min(members[root]), salt)
        while candidate in taken:
            attempt += 1
            candidate = make_person_id(min(members[root]), salt, attempt)
        name_of[root] = candidate
        taken.add(candidate)

    person_of = {record_id: name_of[root] for record_id, root in roots.items()}
    return person_of, _lineage(members, name_of, old_of, used, changed_at)


def _previous_ids(previous: pd.DataFrame | None) -> dict[str, str]:
    if previous is None or previous.empty:
        return {}
    return dict(
        zip(previous["record_id"].astype(str), previous["person_id"].astype(str), strict=True)
    )


def _lineage(
    members: dict[str, list[str]],
    name_of: dict[str, str],
    old_of: dict[str, str],
    kept: set[str],
    changed_at: datetime,
) -> pd.DataFrame:
    rows: set[tuple[str, str, str]] = set()
    for root, records in members.items():
        new_id = name_of[root]
        for old_id in {old_of[r] for r in records if r in old_of}:
            if old_id != new_id:
                rows.add((old_id, new_id, "split" if old_id in kept else "merge"))
    lineage = pd.DataFrame(sorted(rows), columns=["old_person_id", "new_person_id", "reason"])
    lineage["changed_at"] = pd.Timestamp(changed_at)
    return lineage[LINEAGE_COLUMNS]
