"""Validate person records and derive the normalized keys that rules and the model compare."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import pandas as pd

from ml.errors import DataQualityError
from ml.identity.nicknames import first_name_root

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("record_id", "source")
PERSON_COLUMNS = (
    "source_record_id",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "handle",
    "company_name",
    "company_domain",
    "crm_contact_id",
    "first_seen_at",
)
# Optional attributes that person records from other systems carry (FEBRL, census-style
# lists). Community sources leave them empty, and the model compares only those present.
EXTRA_COLUMNS = (
    "date_of_birth",
    "postcode",
    "locality",
    "street_address",
    "street_number",
    "region",
    "national_id",
    "gender",
    "occupation",
)

# Domains of mailbox providers, which do not identify an employer.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.com",
        "yandex.ru",
        "qq.com",
        "163.com",
        "126.com",
        "fastmail.com",
        "hey.com",
        "zoho.com",
        "tutanota.com",
        "example.com",
        "example.org",
        "example.net",
        "users.noreply.github.com",
    }
)
# Local parts of shared mailboxes: the same address is used by several people.
ROLE_LOCAL_PARTS = frozenset(
    {
        "admin",
        "billing",
        "contact",
        "events",
        "finance",
        "hello",
        "help",
        "info",
        "marketing",
        "noreply",
        "no-reply",
        "office",
        "press",
        "sales",
        "support",
        "team",
    }
)
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_LEGAL_SUFFIXES = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|gmbh|corp|corporation|co|company|plc|sa|ag|bv|"
    r"pty|srl|oy|ab|as)\b\.?"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_NAME = re.compile(r"[^a-z' -]+")
_TRAILING_DIGITS = re.compile(r"\d+$")
# A local part found in more distinct addresses than this is a common name (`sarah@` at
# many companies), so it blocks only within one address. The value was chosen from the
# pair count it allows, not from accuracy: about 0.7 million candidate pairs for 99,000
# simulated records instead of 3 million.
MAX_ADDRESSES_PER_LOCAL_PART = 10
# A full-name word found in at most this many records is rare enough to block on in
# person lists with a date of birth (`rare_name_words`). 10 keeps each word's block to
# at most 45 pairs.
MAX_RECORDS_PER_RARE_WORD = 10
NAME_FORM_COLUMNS = ("name_flast_key", "name_firstlast_key", "name_firstl_key", "name_lastfi_key")


def prepare_records(records: pd.DataFrame) -> pd.DataFrame:
    """Validate records and add the normalized `*_key` columns used for matching.

    Args:
        records: One row per source identity, with at least record_id and source.

    Returns:
        A copy with every person and extra column present (null when absent), a
        `unique_id` column equal to record_id, and the normalized keys.

    Raises:
        DataQualityError: Records that `check_records` rejects.
    """
    check_records(records)
    prepared = records.copy()
    for column in PERSON_COLUMNS + EXTRA_COLUMNS:
        if column not in prepared.columns:
            prepared[column] = None
    prepared = prepared.astype(object).where(prepared.notna(), None)
    prepared["record_id"] = prepared["record_id"].astype(str)
    prepared["unique_id"] = prepared["record_id"]

    emails = prepared["email"].map(normalize_email)
    prepared["email_key"] = emails
    prepared["email_domain"] = emails.map(_email_domain)
    prepared["email_local_key"] = emails.map(_email_local_key)
    # Work mailbox keys: the company domain and the local part without trailing digits,
    # so `jsmith@acme.com` and `jsmith2@acme.com` share a stem.
    prepared["work_email_domain"] = prepared["email_domain"].map(
        lambda d: d if isinstance(d, str) and d not in FREE_MAIL_DOMAINS else None
    )
    prepared["email_local_stem"] = prepared["email_local_key"].map(
        lambda local: (_TRAILING_DIGITS.sub("", local) or None) if isinstance(local, str) else None
    )
    prepared["email_local_block_key"] = email_local_block_keys(emails, prepared["email_local_key"])
    _fill_name_parts(prepared)
    prepared["first_name_key"] = prepared["first_name"].map(normalize_name)
    prepared["first_name_root_key"] = prepared["first_name_key"].map(first_name_root)
    prepared["last_name_key"] = prepared["last_name"].map(normalize_name)
    prepared["handle_key"] = prepared["handle"].map(normalize_handle)
    _add_user_name_forms(prepared)
    prepared["company_name_key"] = prepared["company_name"].map(normalize_company_name)
    prepared["company_domain_key"] = [
        company_domain_of(domain, email_domain)
        for domain, email_domain in zip(
            prepared["company_domain"], prepared["email_domain"], strict=True
        )
    ]
    prepared["company_label_key"] = [
        company_label(domain, name)
        for domain, name in zip(
            prepared["company_domain_key"], prepared["company_name"], strict=True
        )
    ]
    prepared["crm_contact_id_key"] = prepared["crm_contact_id"].map(_strip_text)
    for column in EXTRA_COLUMNS:
        prepared[column] = prepared[column].map(_normalize_text)
    prepared["rare_name_words"] = rare_name_words(
        prepared["full_name"], register=bool(prepared["date_of_birth"].notna().any())
    )
    # pandas stores a missing string as NaN; Splink and the rules expect None.
    return prepared.astype(object).where(prepared.notna(), None)


def email_local_block_keys(emails: pd.Series, local_keys: pd.Series) -> pd.Series:
    """Return the blocking key for each email's local part.

    The key is the local part when it occurs in at most `MAX_ADDRESSES_PER_LOCAL_PART`
    distinct addresses, else the whole address, so records of one address still share a
    block. It is null where the local key is (no email, or a role address like `info@`).
    """
    addresses = pd.DataFrame({"email": emails, "local": local_keys}).dropna()
    per_local = addresses.drop_duplicates().groupby("local")["email"].size()
    common = set(per_local.index[per_local > MAX_ADDRESSES_PER_LOCAL_PART])
    keys: list[str | None] = []
    for email, local in zip(emails, local_keys, strict=True):
        if not isinstance(local, str):
            keys.append(None)
        elif local in common:
            keys.append(email)
        else:
            keys.append(local)
    return pd.Series(keys, index=local_keys.index, dtype=object)


def rare_name_words(full_names: pd.Series, register: bool = True) -> pd.Series:
    """Return, per record, the words of its full name found in few records.

    A record with one name, or with typos in first and last name, often shares a rare
    word (`nessie`, a middle name) with its person's other records and nothing else.
    Words of one letter and words found in more than `MAX_RECORDS_PER_RARE_WORD` records
    are left out, so each word's block stays small. Null where no word is left, and
    everywhere when `register` is false (community records do not block on them).
    """
    if not register:
        return pd.Series([None] * len(full_names), index=full_names.index, dtype=object)
    words = [
        sorted({w for w in (normalize_name(name) or "").split() if len(w) > 1})
        for name in full_names
    ]
    counts = Counter(w for record in words for w in record)
    rare = [
        [w for w in record if counts[w] <= MAX_RECORDS_PER_RARE_WORD] or None for record in words
    ]
    return pd.Series(rare, index=full_names.index, dtype=object)


def check_records(
    records: pd.DataFrame,
    where: str = "identity input records",
    row_names: Sequence[str] | None = None,
) -> None:
    """Check the required columns, unique record ids and readable first_seen_at values.

    Args:
        records: The records to check.
        where: The file or table the records come from, for messages.
        row_names: How to name each row in messages, in order; by default
            `record N (counting from 1)`.

    Raises:
        DataQualityError: A required column is missing, a record_id is null or repeated,
            or a first_seen_at text is not a date or time.
    """

    def row_name(position: int) -> str:
        if row_names is not None:
            return row_names[position]
        return f"record {position + 1} (counting from 1)"

    missing = [column for column in REQUIRED_COLUMNS if column not in records.columns]
    if missing:
        raise DataQualityError(
            f"{where}: missing column(s) {missing}, expected at least {list(REQUIRED_COLUMNS)}"
        )
    for column in REQUIRED_COLUMNS:
        null_rows = [i for i, null in enumerate(records[column].isna()) if null]
        if null_rows:
            raise DataQualityError(
                f"{where}, {row_name(null_rows[0])}, field {column!r}: value is null in "
                f"{len(null_rows)} row(s), expected a value in every row"
            )
    repeated = [i for i, twice in enumerate(records["record_id"].duplicated()) if twice]
    if repeated:
        value = records["record_id"].iloc[repeated[0]]
        raise DataQualityError(
            f"{where}, {row_name(repeated[0])}, field 'record_id': value {value!r} is "
            "repeated, expected one row per record_id"
        )
    if "first_seen_at" in records.columns:
        for position, value in enumerate(records["first_seen_at"]):
            if isinstance(value, str) and value.strip() and not _is_timestamp(value):
                raise DataQualityError(
                    f"{where}, {row_name(position)}, field 'first_seen_at': value {value!r} "
                    "is not a date or time, expected for example 2024-01-31 or "
                    "2024-01-31T09:30:00Z"
                )


def _is_timestamp(text: str) -> bool:
    try:
        return not pd.isna(pd.to_datetime(text, utc=True))
    except (ValueError, OverflowError):
        return False


def normalize_email(value: object) -> str | None:
    """Lower-case an email, drop a `+tag`, and drop dots in Gmail local parts.

    Returns None for text that is not an address (no `@`, empty local part or domain).
    """
    text = _strip_text(value)
    if text is None:
        return None
    text = text.lower().removeprefix("mailto:")
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else None


def _email_domain(email: object) -> str | None:
    return email.split("@", 1)[1] if isinstance(email, str) else None


def _email_local_key(email: object) -> str | None:
    if not isinstance(email, str):
        return None
    local = email.split("@", 1)[0]
    if local in ROLE_LOCAL_PARTS:
        return None
    return _NON_ALNUM.sub("", local) or None


def normalize_name(value: object) -> str | None:
    """Fold accents, lower-case and keep letters, apostrophes, hyphens and spaces."""
    text = _strip_text(value)
    if text is None:
        return None
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = " ".join(_NON_NAME.sub(" ", folded.lower()).split())
    return cleaned or None


def normalize_handle(value: object) -> str | None:
    """Lower-case a user name and keep letters and digits (`@Jane_Doe` -> `janedoe`)."""
    text = _strip_text(value)
    if text is None:
        return None
    return _NON_ALNUM.sub("", text.lower()) or None


def normalize_company_name(value: object) -> str | None:
    """Lower-case a company name, drop legal suffixes and keep letters and digits."""
    text = normalize_name(_NON_ALNUM.sub(" ", str(value).lower()) if value is not None else None)
    if text is None:
        return None
    return _NON_ALNUM.sub("", _LEGAL_SUFFIXES.sub(" ", text)) or None


def normalize_domain(value: object) -> str | None:
    """Reduce a URL or host name to a lower-case host without `www.`."""
    text = _strip_text(value)
    if text is None:
        return None
    host = re.sub(r"^[a-z]+://", "", text.lower()).split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.").strip(".")
    return host if "." in host else None


def company_domain_of(
    company_domain: object,
    email_domain: object,
    free_mail_domains: frozenset[str] = FREE_MAIL_DOMAINS,
) -> str | None:
    """Pick the employer domain: the CRM's, else the email's; never a free-mail domain."""
    for candidate in (normalize_domain(company_domain), email_domain):
        if isinstance(candidate, str) and candidate not in free_mail_domains:
            return candidate
    return None


def company_label(company_domain_key: object, company_name: object) -> str | None:
    """Name a record's employer by one word, for blocking.

    The word is the domain's first label, else the first word of the typed company name
    (`Atlaswave Bank` and `atlaswave.net` both give `atlaswave`). Records on a free-mail
    address often carry the company only as typed text, so this key pairs them with the
    same person's records on the work domain.
    """
    if isinstance(company_domain_key, str):
        return company_domain_key.split(".", 1)[0] or None
    if company_name is None:
        return None
    words = (normalize_name(_NON_ALNUM.sub(" ", str(company_name).lower())) or "").split()
    return words[0] if words else None


def _fill_name_parts(prepared: pd.DataFrame) -> None:
    """Split full_name into first and last name where both are missing, and the reverse."""
    full = [_strip_text(v) for v in prepared["full_name"]]
    first = [_strip_text(v) for v in prepared["first_name"]]
    last = [_strip_text(v) for v in prepared["last_name"]]
    for position, (whole, given, family) in enumerate(zip(full, first, last, strict=True)):
        if whole and given is None and family is None:
            parts = whole.split()
            first[position] = parts[0]
            last[position] = parts[-1] if len(parts) > 1 else None
        elif whole is None and (given or family):
            full[position] = " ".join(p for p in (given, family) if p)
    prepared["full_name"] = pd.Series(full, index=prepared.index, dtype=object)
    prepared["first_name"] = pd.Series(first, index=prepared.index, dtype=object)
    prepared["last_name"] = pd.Series(last, index=prepared.index, dtype=object)


def name_forms(first_name_key: object, last_name_key: object) -> dict[str, str | None]:
    """Build the user names people commonly derive from their name (`jlopez`, `johnl`)."""
    first = _NON_ALNUM.sub("", first_name_key) if isinstance(first_name_key, str) else ""
    last = _NON_ALNUM.sub("", last_name_key) if isinstance(last_name_key, str) else ""
    if not first or not last:
        return dict.fromkeys(NAME_FORM_COLUMNS)
    return {
        "name_flast_key": first[0] + last,
        "name_firstlast_key": first + last,
        "name_firstl_key": first + last[0],
        "name_lastfi_key": last + first[:2],
    }


def _add_user_name_forms(prepared: pd.DataFrame) -> None:
    """Add name-derived user names, handle stems and whether a user name is name-derived.

    A user name built from the person's name (`jane.doe`, `jdoe`) repeats the name
    evidence, so the model treats an exact match on it as no evidence when both records
    carry names.
    """
    forms = pd.DataFrame(
        [
            name_forms(first, last)
            for first, last in zip(
                prepared["first_name_key"], prepared["last_name_key"], strict=True
            )
        ],
        index=prepared.index,
        columns=list(NAME_FORM_COLUMNS),
    )
    for column in NAME_FORM_COLUMNS:
        prepared[column] = forms[column]
    prepared["handle_stem_key"] = prepared["handle_key"].map(
        lambda h: (_TRAILING_DIGITS.sub("", h) or None) if isinstance(h, str) else None
    )
    name_parts = [
        {
            _NON_ALNUM.sub("", part)
            for part in (first, last, *row_forms)
            if isinstance(part, str) and part
        }
        for first, last, row_forms in zip(
            prepared["first_name_key"],
            prepared["last_name_key"],
            forms.itertuples(index=False, name=None),
            strict=True,
        )
    ]
    for key, flag in (
        ("email_local_key", "email_local_from_name"),
        ("handle_key", "handle_from_name"),
    ):
        prepared[flag] = [
            (_TRAILING_DIGITS.sub("", value) in parts) if isinstance(value, str) else None
            for value, parts in zip(prepared[key], name_parts, strict=True)
        ]


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance, by the two-row dynamic programme."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _strip_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _normalize_text(value: object) -> str | None:
    text = _strip_text(value)
    return " ".join(text.lower().split()) if text else None
