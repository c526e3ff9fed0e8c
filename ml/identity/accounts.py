"""Group people into accounts (companies) by their work email or CRM company domain."""

from __future__ import annotations

import hashlib

import pandas as pd

from ml.identity.prepare import FREE_MAIL_DOMAINS, company_domain_of, normalize_email

ACCOUNT_PREFIX = "acc_"
ACCOUNT_COLUMNS = ["person_id", "account_id", "account_domain", "matched_by"]


def assign_accounts(
    records: pd.DataFrame,
    clusters: pd.DataFrame,
    free_mail_domains: frozenset[str] = FREE_MAIL_DOMAINS,
) -> pd.DataFrame:
    """Assign each person the company domain most of their records point to.

    A record's domain is its CRM company_domain, else its email domain. Free-mail and
    personal mailbox domains are never used, so two people with Gmail addresses are
    never put into one account. Ties go to the CRM domain, then alphabetically.

    Args:
        records: Person records with record_id, email and company_domain.
        clusters: record_id and person_id from `resolve_people`.
        free_mail_domains: Domains that never identify a company.

    Returns:
        One row per person that has a company domain: person_id, account_id (`acc_`
        plus a hash of the domain), account_domain, and matched_by (`crm_company_domain`
        or `email_domain`). People with only free-mail addresses are left out.
    """
    frame = records[["record_id"]].copy()
    frame["record_id"] = frame["record_id"].astype(str)
    email_domains = (
        records["email"]
        .map(normalize_email, na_action="ignore")
        .map(lambda e: e.split("@", 1)[1] if isinstance(e, str) and "@" in e else None)
    )
    crm_domains = records.get("company_domain", pd.Series(None, index=records.index))
    frame["crm_domain"] = [company_domain_of(d, None, free_mail_domains) for d in crm_domains]
    frame["email_domain"] = [company_domain_of(None, d, free_mail_domains) for d in email_domains]
    frame["account_domain"] = frame["crm_domain"].fillna(frame["email_domain"])
    frame["matched_by"] = (
        frame["crm_domain"].notna().map({True: "crm_company_domain", False: "email_domain"})
    )
    frame = frame.dropna(subset=["account_domain"]).merge(
        clusters[["record_id", "person_id"]], on="record_id"
    )
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype="string") for column in ACCOUNT_COLUMNS})

    votes = (
        frame.groupby(["person_id", "account_domain"])
        .agg(records=("record_id", "size"), from_crm=("crm_domain", "count"))
        .reset_index()
        .sort_values(
            ["person_id", "records", "from_crm", "account_domain"],
            ascending=[True, False, False, True],
        )
        .drop_duplicates("person_id")
    )
    votes["matched_by"] = (
        votes["from_crm"].gt(0).map({True: "crm_company_domain", False: "email_domain"})
    )
    votes["account_id"] = votes["account_domain"].map(make_account_id)
    return votes[ACCOUNT_COLUMNS].reset_index(drop=True)


def make_account_id(domain: str) -> str:
    """Hash a company domain into a stable account id."""
    return ACCOUNT_PREFIX + hashlib.sha256(domain.encode()).hexdigest()[:16]
