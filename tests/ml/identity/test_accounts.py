import pandas as pd

from ml.identity.accounts import assign_accounts, make_account_id


def _clusters(pairs: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": list(pairs), "person_id": list(pairs.values())})


def test_assign_accounts_free_mail_never_groups() -> None:
    records = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "email": ["ann@gmail.com", "bob@gmail.com", "cy@Hotmail.com"],
        }
    )
    accounts = assign_accounts(records, _clusters({"a": "p1", "b": "p2", "c": "p3"}))
    assert accounts.empty


def test_assign_accounts_groups_by_work_domain() -> None:
    records = pd.DataFrame({"record_id": ["a", "b"], "email": ["ann@acme.com", "bob@ACME.com"]})
    accounts = assign_accounts(records, _clusters({"a": "p1", "b": "p2"}))
    assert accounts["account_id"].nunique() == 1
    assert accounts["account_id"].iloc[0] == make_account_id("acme.com")
    assert set(accounts["matched_by"]) == {"email_domain"}


def test_assign_accounts_prefers_crm_domain() -> None:
    records = pd.DataFrame(
        {
            "record_id": ["a", "b"],
            "email": ["ann@gmail.com", "ann@oldjob.com"],
            "company_domain": ["www.acme.com", None],
        }
    )
    accounts = assign_accounts(records, _clusters({"a": "p1", "b": "p1"}))
    assert accounts[["account_domain", "matched_by"]].values.tolist() == [
        ["acme.com", "crm_company_domain"]
    ]


def test_assign_accounts_custom_free_mail_list() -> None:
    records = pd.DataFrame({"record_id": ["a"], "email": ["ann@university.edu"]})
    accounts = assign_accounts(
        records, _clusters({"a": "p1"}), free_mail_domains=frozenset({"university.edu"})
    )
    assert accounts.empty
