import pandas as pd
import pytest

from ml.errors import DataQualityError
from ml.identity.prepare import (
    MAX_ADDRESSES_PER_LOCAL_PART,
    company_domain_of,
    company_label,
    normalize_company_name,
    normalize_email,
    normalize_handle,
    prepare_records,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe+billing@Acme.COM ", "jane.doe@acme.com"),
        ("j.a.n.e+x@googlemail.com", "jane@gmail.com"),
        ("mailto:bob@initech.com", "bob@initech.com"),
        ("not an address", None),
        ("@acme.com", None),
        ("bob@localhost", None),
        (None, None),
    ],
)
def test_normalize_email_cases(raw: str | None, expected: str | None) -> None:
    assert normalize_email(raw) == expected


def test_normalize_handle_strips_symbols() -> None:
    assert normalize_handle("@Jane_Doe") == "janedoe"


def test_normalize_company_name_drops_legal_suffix() -> None:
    assert normalize_company_name("Acme, Inc.") == "acme"
    assert normalize_company_name("Globex GmbH") == "globex"


def test_company_domain_of_skips_free_mail() -> None:
    assert company_domain_of(None, "gmail.com") is None
    assert company_domain_of("https://www.Acme.com/about", "gmail.com") == "acme.com"
    assert company_domain_of("gmail.com", "initech.com") == "initech.com"


def test_prepare_records_splits_and_joins_names() -> None:
    records = pd.DataFrame(
        [
            {"record_id": "a:1", "source": "a", "full_name": "Ana María López"},
            {"record_id": "a:2", "source": "a", "first_name": "Bob", "last_name": "Smith"},
        ]
    )
    prepared = prepare_records(records).set_index("record_id")
    assert prepared.loc["a:1", "first_name_key"] == "ana"
    assert prepared.loc["a:1", "last_name_key"] == "lopez"
    assert prepared.loc["a:2", "full_name"] == "Bob Smith"


def test_prepare_records_role_mailbox_has_no_local_key() -> None:
    records = pd.DataFrame([{"record_id": "a:1", "source": "a", "email": "info@acme.com"}])
    prepared = prepare_records(records)
    assert prepared.loc[0, "email_local_key"] is None
    assert prepared.loc[0, "company_domain_key"] == "acme.com"


def test_email_local_block_key_caps_common_local_part() -> None:
    common = [f"sarah@company{i}.com" for i in range(MAX_ADDRESSES_PER_LOCAL_PART + 1)]
    rare = [f"jdoe@company{i}.com" for i in range(MAX_ADDRESSES_PER_LOCAL_PART)]
    emails = [*common, *rare, common[0], "info@acme.com", None]
    records = pd.DataFrame(
        {
            "record_id": [f"a:{i}" for i in range(len(emails))],
            "source": "a",
            "email": emails,
        }
    )
    keys = prepare_records(records)["email_local_block_key"].tolist()
    # One more address than the cap: each record blocks only within its own address.
    assert keys[: len(common)] == common
    # At the cap the local part still blocks across addresses.
    assert keys[len(common) : len(common) + len(rare)] == ["jdoe"] * len(rare)
    # A repeated address counts once.
    assert keys[-3] == "sarah@company0.com"
    assert keys[-2] is None
    assert keys[-1] is None


def test_prepare_records_rejects_repeated_record_id() -> None:
    records = pd.DataFrame([{"record_id": "a:1", "source": "a"}] * 2, index=[10, 11])
    with pytest.raises(
        DataQualityError, match=r"record 2 \(counting from 1\), field 'record_id': value 'a:1'"
    ):
        prepare_records(records)


def test_prepare_records_rejects_unreadable_first_seen_at() -> None:
    records = pd.DataFrame(
        {
            "record_id": ["a:1", "a:2", "a:3"],
            "source": "a",
            "first_seen_at": [pd.Timestamp("2024-01-05", tz="UTC"), None, "2024-13-45"],
        }
    )
    with pytest.raises(DataQualityError, match=r"record 3 .* field 'first_seen_at'"):
        prepare_records(records)
    records.loc[2, "first_seen_at"] = "2024-01-31T09:30:00Z"
    assert prepare_records(records)["record_id"].tolist() == ["a:1", "a:2", "a:3"]


def test_prepare_records_rejects_missing_source() -> None:
    with pytest.raises(DataQualityError, match="missing column"):
        prepare_records(pd.DataFrame([{"record_id": "a:1"}]))


def test_prepare_records_user_name_forms() -> None:
    records = pd.DataFrame(
        [
            {"record_id": "a:1", "source": "a", "full_name": "John Lopez",
             "email": "jlopez@acme.com", "handle": "dataops585"},
            {"record_id": "a:2", "source": "a", "handle": "johnl42"},
        ]
    )  # fmt: skip
    prepared = prepare_records(records).set_index("record_id")
    assert prepared.loc["a:1", "name_flast_key"] == "jlopez"
    assert prepared.loc["a:1", "name_firstl_key"] == "johnl"
    assert prepared.loc["a:1", "email_local_from_name"]
    assert not prepared.loc["a:1", "handle_from_name"]
    assert prepared.loc["a:2", "handle_stem_key"] == "johnl"
    assert prepared.loc["a:2", "name_flast_key"] is None


@pytest.mark.parametrize(
    ("domain", "company", "expected"),
    [
        ("atlaswave.net", "Other Corp", "atlaswave"),
        (None, "Quantumworks Capital", "quantumworks"),
        (None, "cedarbyte.dev", "cedarbyte"),
        (None, None, None),
    ],
)
def test_company_label(domain: str | None, company: str | None, expected: str | None) -> None:
    assert company_label(domain, company) == expected


def test_first_name_root_key() -> None:
    prepared = prepare_records(
        pd.DataFrame(
            [
                {"record_id": "a", "source": "x", "first_name": "Bob"},
                {"record_id": "b", "source": "x", "first_name": "Robert"},
                {"record_id": "c", "source": "x", "first_name": "Priya"},
                {"record_id": "d", "source": "x", "last_name": "Shah"},
            ]
        )
    )
    assert prepared["first_name_root_key"].tolist() == ["robert", "robert", "priya", None]
