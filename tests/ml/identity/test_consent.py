import pandas as pd
import pytest

from ml.errors import InputFileError
from ml.identity.consent import join_consent, latest_receipts, person_consent

RECORDS = pd.DataFrame(
    {
        "record_id": ["hubspot:1", "web:a", "hubspot:2", "hubspot:3"],
        "email": ["ann@acme.com", "ANN+news@acme.com", "bo@initech.com", "cy@hooli.com"],
    }
)
CLUSTERS = pd.DataFrame(
    {
        "record_id": ["hubspot:1", "web:a", "hubspot:2", "hubspot:3"],
        "person_id": ["per_ann", "per_ann", "per_bo", "per_cy"],
    }
)


def _receipts(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["receipt_id", "email", "consent_status", "updated_at"]
    ).assign(purpose="marketing", region="EMEA", country="Germany")


def test_latest_receipt_wins() -> None:
    receipts = _receipts(
        [
            ("r1", "bo@initech.com", "granted", "2026-01-01 10:00:00"),
            ("r2", " BO@initech.com", "withdrawn", "2026-02-01 10:00:00"),
        ]
    )
    latest = latest_receipts(receipts)
    assert latest[["email_key", "consent_status"]].values.tolist() == [
        ["bo@initech.com", "withdrawn"]
    ]


def test_latest_receipts_ignore_other_purposes() -> None:
    receipts = _receipts([("r1", "bo@initech.com", "granted", "2026-01-01")])
    receipts["purpose"] = "analytics"
    assert latest_receipts(receipts).empty


def test_latest_receipts_missing_column() -> None:
    with pytest.raises(InputFileError, match="consent_status"):
        latest_receipts(pd.DataFrame({"receipt_id": ["r1"], "email": ["a@b.com"]}))


def test_person_consent_statuses_and_default() -> None:
    # Ann granted through her plus-tagged web address; Bo withdrew; Cy has no receipt,
    # so Cy gets the default: no_record, not consented. The stranger matches no one.
    receipts = _receipts(
        [
            ("r1", "ann+news@acme.com", "granted", "2026-01-01"),
            ("r2", "bo@initech.com", "granted", "2026-01-01"),
            ("r3", "bo@initech.com", "withdrawn", "2026-03-01"),
            ("r4", "stranger@else.org", "granted", "2026-01-01"),
        ]
    )
    table, counts = person_consent(latest_receipts(receipts), RECORDS, CLUSTERS)
    rows = table.set_index("person_id")
    assert rows.loc["per_ann", "consent_status"] == "granted"
    assert bool(rows.loc["per_ann", "consented"]) is True
    assert rows.loc["per_ann", "region"] == "EMEA"
    assert rows.loc["per_bo", "consent_status"] == "withdrawn"
    assert bool(rows.loc["per_bo", "consented"]) is False
    assert rows.loc["per_cy", "consent_status"] == "no_record"
    assert bool(rows.loc["per_cy", "consented"]) is False
    assert pd.isna(rows.loc["per_cy", "region"])
    assert counts == {
        "receipts_matched": 2,
        "receipts_unmatched": 1,
        "people_with_receipt": 2,
        "people_consented": 1,
    }


def test_person_consent_latest_across_emails() -> None:
    # Ann's two addresses have receipts; the later one (denied) decides.
    receipts = _receipts(
        [
            ("r1", "ann@acme.com", "granted", "2026-01-01"),
            ("r2", "ann+news@acme.com", "denied", "2026-04-01"),
        ]
    )
    table, _ = person_consent(latest_receipts(receipts), RECORDS, CLUSTERS)
    assert table.set_index("person_id").loc["per_ann", "consent_status"] == "denied"


def test_join_consent_blocks_web_for_withheld() -> None:
    receipts = _receipts(
        [
            ("r1", "ann@acme.com", "denied", "2026-01-01"),
            ("r2", "bo@initech.com", "granted", "2026-01-01"),
            ("r3", "cy@hooli.com", "expired", "2026-01-01"),
        ]
    )
    rows = join_consent(latest_receipts(receipts))
    assert rows.values.tolist() == [["ann@acme.com", "web", False]]
