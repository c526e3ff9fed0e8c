"""Link offline records (badge scans, call notes) to resolved people when evidence suffices.

Offline records carry partial identifiers: a printed badge name and company, a first name
in a call note, sometimes an email. Each is linked to an existing person only when the
evidence points to exactly one person. Otherwise it stays unlinked and is counted, so a
namesake never receives someone else's booth visit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ml.identity.prepare import prepare_records

logger = logging.getLogger(__name__)

# Probability written for each kind of evidence: an email is proof, a full name at the
# person's company nearly so, and a first name at the company is weaker.
EVIDENCE_PROBABILITY = {
    "offline:email": 1.0,
    "offline:full_name_company": 0.95,
    "offline:first_name_company": 0.8,
}
OFFLINE_COLUMNS = ["record_id", "person_id", "match_probability", "matched_by", "candidates"]


@dataclass(frozen=True)
class OfflineResult:
    """Offline records with the person each was linked to, and counts per outcome.

    Attributes:
        links: One row per offline record: record_id, person_id (null when unlinked),
            match_probability, matched_by (`offline:<evidence>`, `unlinked:ambiguous` or
            `unlinked:no_candidate`) and candidates (people the evidence fits).
        counts: Records per matched_by value.
    """

    links: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _PeopleIndex:
    """Lookups from normalized email, name and company keys to person ids."""

    by_email: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_full_name: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    by_first_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    companies: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def reconcile_offline(
    offline_records: pd.DataFrame,
    records: pd.DataFrame,
    clusters: pd.DataFrame,
    *,
    allow_first_name_only: bool = True,
) -> OfflineResult:
    """Link each offline record to the one person its evidence fits, or leave it unlinked.

    Evidence, strongest first: the normalized email equals one of a person's emails; the
    first and last name equal a person's and the company matches one of that person's
    companies; the first name alone with a matching company (when
    `allow_first_name_only`). Each step links only when exactly one person fits.

    Args:
        offline_records: Records in the `resolve_people` input layout (record_id, source,
            email, full_name or first/last name, company_name).
        records: The online records that were resolved.
        clusters: record_id and person_id from `resolve_people`.
        allow_first_name_only: Whether a first name and company may link a record.

    Returns:
        The links and the count of records per outcome.
    """
    index = _index_people(prepare_records(records), clusters)
    offline = prepare_records(offline_records)
    rows = [_link_one(row, index, allow_first_name_only) for row in offline.to_dict("records")]
    links = pd.DataFrame(rows, columns=OFFLINE_COLUMNS)
    counts = {str(k): int(v) for k, v in links["matched_by"].value_counts().items()}
    logger.info("offline reconciliation: %s", counts)
    return OfflineResult(links=links, counts=counts)


def _company_keys(company_name_key: object, company_domain_key: object) -> set[str]:
    """Return a record's company keys: the normalized name and the domain's first label."""
    keys = set()
    if isinstance(company_name_key, str):
        keys.add(company_name_key)
    if isinstance(company_domain_key, str):
        keys.add(company_domain_key.split(".", 1)[0])
    return keys


def _companies_match(offline_keys: set[str], person_keys: set[str]) -> bool:
    """Match when one key equals or starts with another of at least four characters.

    `Tidalwave Capital` (key `tidalwavecapital`) then matches the domain `tidalwave.com`.
    """
    return any(
        a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))
        for a in offline_keys
        for b in person_keys
    )


def _index_people(prepared: pd.DataFrame, clusters: pd.DataFrame) -> _PeopleIndex:
    person_of = dict(zip(clusters["record_id"], clusters["person_id"], strict=True))
    index = _PeopleIndex()
    for row in prepared.itertuples():
        person = person_of.get(row.record_id)
        if person is None:
            continue
        if isinstance(row.email_key, str):
            index.by_email[row.email_key].add(person)
        if isinstance(row.first_name_key, str):
            index.by_first_name[row.first_name_key].add(person)
            if isinstance(row.last_name_key, str):
                index.by_full_name[(row.first_name_key, row.last_name_key)].add(person)
        index.companies[person] |= _company_keys(row.company_name_key, row.company_domain_key)
    return index


def _link_one(
    row: dict[str, Any], index: _PeopleIndex, allow_first_name_only: bool
) -> list[object]:
    record_id, email = row["record_id"], row["email_key"]
    first, last = row["first_name_key"], row["last_name_key"]
    company = _company_keys(row["company_name_key"], row["company_domain_key"])

    steps: list[tuple[str, set[str]]] = []
    if isinstance(email, str):
        steps.append(("offline:email", index.by_email.get(email, set())))
    if isinstance(first, str) and isinstance(last, str) and company:
        steps.append(("offline:full_name_company", index.by_full_name.get((first, last), set())))
    if allow_first_name_only and isinstance(first, str) and company:
        steps.append(("offline:first_name_company", index.by_first_name.get(first, set())))

    fitting: set[str] = set()
    for evidence, candidates in steps:
        if evidence != "offline:email":
            candidates = {p for p in candidates if _companies_match(company, index.companies[p])}
        if len(candidates) == 1:
            (person,) = candidates
            return [record_id, person, EVIDENCE_PROBABILITY[evidence], evidence, 1]
        fitting |= candidates
    if not fitting and isinstance(first, str):
        # A name without a usable company fits people but is not enough to link.
        fitting = index.by_full_name.get((first, last), set()) if isinstance(last, str) else set()
        fitting = fitting or index.by_first_name.get(first, set())
    outcome = "unlinked:ambiguous" if fitting else "unlinked:no_candidate"
    return [record_id, None, None, outcome, len(fitting)]
