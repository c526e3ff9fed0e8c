"""Per-person consent from consent-management platform (CMP) receipts.

A receipt is one consent decision a person made for a purpose, identified by the email they
gave. A receipt reaches a person when its normalized email equals that of one of the
person's identity records. The person's latest receipt of the purpose decides. A person with no
receipt has status `no_record` and counts as not consented, in every region: that is the
opt-in rule (GDPR style), the strictest of the regions the data may come from.
"""

from __future__ import annotations

import logging

import pandas as pd

from ml.errors import InputFileError
from ml.identity.prepare import normalize_email

logger = logging.getLogger(__name__)

PURPOSE = "marketing"
NO_RECORD = "no_record"
# Statuses after which the person's records from tracking sources may not be joined to
# the rest of their identity. Expired and unknown statuses only block use, not joins.
WITHHELD_STATUSES = frozenset({"denied", "withdrawn"})
# Sources whose records exist only because the person was tracked (an identified web
# session); their joins need consent.
TRACKING_SOURCES = ("web",)
CONSENT_COLUMNS = [
    "person_id",
    "consent_status",
    "consented",
    "region",
    "country",
    "consent_updated_at",
    "emails_with_receipt",
]
RECEIPT_COLUMNS = ["receipt_id", "email", "purpose", "consent_status", "region", "updated_at"]


def latest_receipts(receipts: pd.DataFrame, purpose: str = PURPOSE) -> pd.DataFrame:
    """Keep the latest receipt of `purpose` per normalized email.

    Args:
        receipts: Staged CMP receipts (`RECEIPT_COLUMNS`, country optional).
        purpose: The consent purpose that governs tracking joins and outreach.

    Returns:
        One row per email key (column `email_key`), the latest by updated_at, with ties
        broken by receipt_id.

    Raises:
        InputFileError: A required column is missing.
    """
    missing = [column for column in RECEIPT_COLUMNS if column not in receipts.columns]
    if missing:
        raise InputFileError(
            "consent receipts", f"missing column(s) {missing}, expected {RECEIPT_COLUMNS}"
        )
    frame = receipts[receipts["purpose"].astype("string").str.lower() == purpose].copy()
    frame["email_key"] = frame["email"].map(normalize_email)
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True)
    frame = frame.dropna(subset=["email_key"])
    frame = frame.sort_values(["email_key", "updated_at", "receipt_id"])
    return frame.drop_duplicates("email_key", keep="last").reset_index(drop=True)


def join_consent(latest: pd.DataFrame) -> pd.DataFrame:
    """Turn withheld statuses into `apply_consent` rows that block tracking-source joins.

    Returns:
        email, source, may_join (always False) for every email whose latest status is
        denied or withdrawn, once per tracking source.
    """
    withheld = latest[latest["consent_status"].isin(WITHHELD_STATUSES)]
    rows = [
        {"email": email, "source": source, "may_join": False}
        for email in withheld["email_key"]
        for source in TRACKING_SOURCES
    ]
    return pd.DataFrame(rows, columns=["email", "source", "may_join"])


def person_consent(
    latest: pd.DataFrame, records: pd.DataFrame, clusters: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Give every person the status of their latest receipt, or `no_record`.

    Args:
        latest: Output of `latest_receipts`.
        records: Identity records (record_id, email).
        clusters: record_id and person_id of the final resolution.

    Returns:
        One row per person with `CONSENT_COLUMNS` (consented is True only for `granted`),
        and counts: receipts matched to a person, receipts matching no one, people with a
        receipt, and people consented.
    """
    person_of = dict(zip(clusters["record_id"], clusters["person_id"], strict=True))
    keyed = records.assign(email_key=records["email"].map(normalize_email))
    keyed = keyed[keyed["record_id"].astype(str).isin(person_of)].dropna(subset=["email_key"])
    pairs = pd.DataFrame(
        {
            "email_key": keyed["email_key"].to_numpy(),
            "person_id": keyed["record_id"].astype(str).map(person_of).to_numpy(),
        }
    ).drop_duplicates()
    matched = latest.merge(pairs, on="email_key", how="inner")

    per_person = matched.sort_values(["person_id", "updated_at", "receipt_id"]).groupby(
        "person_id", sort=True
    )
    decided = per_person.tail(1).set_index("person_id")
    people = pd.Index(sorted(set(clusters["person_id"])), name="person_id")
    table = pd.DataFrame(index=people)
    table["consent_status"] = decided["consent_status"].reindex(people).fillna(NO_RECORD)
    table["consented"] = table["consent_status"].eq("granted")
    table["region"] = decided["region"].reindex(people)
    table["country"] = (
        decided["country"].reindex(people) if "country" in decided else pd.Series(index=people)
    )
    table["consent_updated_at"] = decided["updated_at"].reindex(people)
    table["emails_with_receipt"] = per_person.size().reindex(people).fillna(0).astype(int)
    table = table.reset_index()[CONSENT_COLUMNS].astype(
        {"person_id": "string", "consent_status": "string", "region": "string", "country": "string"}
    )

    counts = {
        "receipts_matched": int(latest["email_key"].isin(pairs["email_key"]).sum()),
        "receipts_unmatched": int((~latest["email_key"].isin(pairs["email_key"])).sum()),
        "people_with_receipt": int((table["consent_status"] != NO_RECORD).sum()),
        "people_consented": int(table["consented"].sum()),
    }
    logger.info("consent: %s", counts)
    return table, counts
