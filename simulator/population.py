"""Accounts and people of one chunk, with their latent intent and canonical identities."""

import functools
import hashlib
import re
from dataclasses import dataclass

import numpy as np

from simulator import names
from simulator.config import SimulationConfig

# Share of members who belong to no buying account (students, hobbyists, consultants).
UNAFFILIATED_SHARE = 0.15
# Share of affiliated people who also have a personal mailbox on a free-mail domain.
PERSONAL_EMAIL_SHARE = 0.5
CONSENT_SHARE = 0.85
# Share of affiliated people whose work address changed during the window (new address
# format after a rebrand, or a move from a personal to a work mailbox).
EMAIL_CHANGE_SHARE = 0.06
# Share of people added to an account who have the same name as a colleague there.
NAMESAKE_SHARE = 0.03

_SLUG_PATTERN = re.compile(r"[^a-z0-9]+")


@dataclass
class Account:
    """One buying company (ground truth)."""

    index: int
    account_id: str
    company_name: str
    domain: str
    industry: str
    country: str
    region: str
    employees: int
    intent: float
    monthly_price: int
    created_day: int

    @property
    def segment(self) -> str:
        """Size segment: `smb` below 200 employees, `mid_market` below 2,000, else `enterprise`."""
        if self.employees < 200:
            return "smb"
        if self.employees < 2000:
            return "mid_market"
        return "enterprise"


@dataclass
class Person:
    """One human being (ground truth), whatever names they use in each tool."""

    index: int
    person_id: str
    account: Account | None
    first_name: str
    last_name: str
    work_email: str
    personal_email: str
    region: str
    country: str
    consent: bool
    intent: float
    activity: float
    job_title: str
    joined_day: int
    previous_email: str = ""
    email_changed_day: int = 0

    @property
    def primary_email(self) -> str:
        """Work mailbox when the person has an account, otherwise the personal one."""
        return self.work_email or self.personal_email

    def email_at(self, day: int) -> str:
        """Return the primary mailbox the person used on a given day of the window."""
        if self.previous_email and day < self.email_changed_day:
            return self.previous_email
        return self.primary_email

    @property
    def full_name(self) -> str:
        """First and last name joined by a space."""
        return f"{self.first_name} {self.last_name}"


@dataclass
class Chunk:
    """Accounts and people generated from one chunk's random stream."""

    index: int
    accounts: list[Account]
    people: list[Person]


def stable_token(seed: int, kind: str, number: int, alphabet: str, length: int) -> str:
    """Return a pseudo-random token fixed by (seed, kind, number), independent of chunking.

    Args:
        seed: simulation seed.
        kind: namespace such as "slack_user" so tokens of different kinds differ.
        number: global index of the object within its kind.
        alphabet: characters to draw from.
        length: number of characters returned, at most 64.

    Returns:
        A string of `length` characters from `alphabet`.
    """
    digest = hashlib.blake2b(f"{seed}:{kind}:{number}".encode(), digest_size=length).digest()
    size = len(alphabet)
    return "".join([alphabet[byte % size] for byte in digest])


def slugify(text: str) -> str:
    """Lower-case `text` and keep only letters and digits."""
    return _SLUG_PATTERN.sub("", text.lower())


@functools.cache
def _company_stems(seed: int) -> list[tuple[str, str]]:
    stems = [(prefix, core) for prefix in names.COMPANY_PREFIXES for core in names.COMPANY_CORES]
    order = np.random.default_rng([seed, 0, 0]).permutation(len(stems))
    return [stems[i] for i in order]


def _company_stem(seed: int, index: int) -> tuple[str, str, int]:
    """Return the name parts of account `index` and how often the stem list wrapped before it.

    Account names and domains stay unique across chunks because the stem depends only on the
    global account index.
    """
    stems = _company_stems(seed)
    repeat, position = divmod(index, len(stems))
    prefix, core = stems[position]
    return prefix, core, repeat


def _make_account(
    rng: np.random.Generator, config: SimulationConfig, index: int, size: int
) -> Account:
    prefix, core, repeat = _company_stem(config.seed, index)
    suffix = names.COMPANY_SUFFIXES[rng.integers(len(names.COMPANY_SUFFIXES))]
    tld = names.TOP_LEVEL_DOMAINS[rng.integers(len(names.TOP_LEVEL_DOMAINS))]
    stem = f"{prefix}{core}" + (f" {repeat + 1}" if repeat else "")
    domain = f"{slugify(stem)}.{tld}"
    country_weights = np.array([share for _, _, share in names.COUNTRIES])
    country, region, _ = names.COUNTRIES[
        rng.choice(len(names.COUNTRIES), p=country_weights / country_weights.sum())
    ]
    employees = int(np.clip(rng.lognormal(np.log(40 * size), 1.0), 5, 50_000))
    intent = float(rng.normal())
    monthly_price = int(round(rng.lognormal(np.log(300 + 40 * np.log1p(employees)), 0.5), -1))
    return Account(
        index=index,
        account_id=f"A{index + 1:07d}",
        company_name=f"{stem} {suffix}",
        domain=domain,
        industry=names.INDUSTRIES[rng.integers(len(names.INDUSTRIES))],
        country=country,
        region=region,
        employees=employees,
        intent=intent,
        monthly_price=max(monthly_price, 50),
        created_day=int(rng.integers(-720, config.days // 2)),
    )


def _work_email(rng: np.random.Generator, first: str, last: str, domain: str) -> str:
    first_slug, last_slug = slugify(first), slugify(last)
    pattern = rng.integers(4)
    if pattern == 0:
        local = f"{first_slug}.{last_slug}"
    elif pattern == 1:
        local = f"{first_slug[0]}{last_slug}"
    elif pattern == 2:
        local = first_slug
    else:
        local = f"{first_slug}{last_slug[0]}"
    return f"{local}@{domain}"


def _personal_email(rng: np.random.Generator, first: str, last: str, number: int) -> str:
    domain = names.FREE_MAIL_DOMAINS[rng.integers(len(names.FREE_MAIL_DOMAINS))]
    separator = ("", ".", "_")[rng.integers(3)]
    # The global person number keeps free-mail addresses unique between namesakes.
    return f"{slugify(first)}{separator}{slugify(last)}{number}@{domain}"


def _make_person(
    rng: np.random.Generator,
    config: SimulationConfig,
    index: int,
    account: Account | None,
    colleagues: list[Person],
) -> Person:
    first = names.FIRST_NAMES[rng.integers(len(names.FIRST_NAMES))]
    last = names.LAST_NAMES[rng.integers(len(names.LAST_NAMES))]
    if colleagues and rng.random() < NAMESAKE_SHARE:
        first, last = colleagues[-1].first_name, colleagues[-1].last_name
    if account is not None:
        work_email = _unique_email(
            _work_email(rng, first, last, account.domain), {p.work_email for p in colleagues}
        )
        has_personal = rng.random() < PERSONAL_EMAIL_SHARE
        personal_email = _personal_email(rng, first, last, index) if has_personal else ""
        intent = 0.75 * account.intent + 0.5 * float(rng.normal())
        region, country = account.region, account.country
        title = names.JOB_TITLES[rng.integers(len(names.JOB_TITLES) - 1)]
    else:
        work_email = ""
        personal_email = _personal_email(rng, first, last, index)
        intent = float(rng.normal()) - 0.3
        country_index = rng.integers(len(names.COUNTRIES))
        country, region, _ = names.COUNTRIES[country_index]
        title = names.JOB_TITLES[rng.integers(len(names.JOB_TITLES))]
    # Members join before or during the window; activity starts at the join day.
    joined_day = int(
        np.clip(rng.normal(config.days * 0.2, config.days * 0.35), 0, config.days - 30)
    )
    person = Person(
        index=index,
        person_id=f"P{index + 1:08d}",
        account=account,
        first_name=first,
        last_name=last,
        work_email=work_email,
        personal_email=personal_email,
        region=region,
        country=country,
        consent=bool(rng.random() < CONSENT_SHARE),
        intent=intent,
        activity=float(rng.lognormal(0.0, 0.7)),
        job_title=title,
        joined_day=joined_day,
    )
    if account is not None and rng.random() < EMAIL_CHANGE_SHARE:
        _change_email(rng, config, person, {p.work_email for p in colleagues})
    return person


def _unique_email(email: str, taken: set[str]) -> str:
    """Append a digit to the local part until the address differs from every taken one."""
    local, _, domain = email.partition("@")
    candidate, number = email, 2
    while candidate in taken:
        candidate = f"{local}{number}@{domain}"
        number += 1
    return candidate


def _change_email(
    rng: np.random.Generator, config: SimulationConfig, person: Person, taken: set[str]
) -> None:
    """Give the person an earlier address used before a change day inside the window."""
    assert person.account is not None
    if person.personal_email and rng.random() < 0.3:
        previous = person.personal_email
    else:
        previous = person.work_email
        for _ in range(8):
            previous = _work_email(rng, person.first_name, person.last_name, person.account.domain)
            if previous != person.work_email and previous not in taken:
                break
    if previous == person.work_email:
        return
    person.previous_email = previous
    low = min(person.joined_day + 30, config.days - 1)
    person.email_changed_day = int(rng.integers(low, config.days))


def generate_chunk(
    config: SimulationConfig, chunk_index: int, first_person: int, members: int, first_account: int
) -> Chunk:
    """Generate the accounts and people of one chunk.

    Args:
        config: run settings.
        chunk_index: position of the chunk, which selects its random stream.
        first_person: global index of the chunk's first person.
        members: number of people in the chunk.
        first_account: global index of the chunk's first account.

    Returns:
        The chunk's accounts and people. People of one account are contiguous.
    """
    rng = np.random.default_rng([config.seed, chunk_index, 1])
    accounts: list[Account] = []
    people: list[Person] = []
    affiliated = round(members * (1 - UNAFFILIATED_SHARE))

    while len(people) < affiliated:
        size = int(min(1 + rng.geometric(0.24), affiliated - len(people)))
        account = _make_account(rng, config, first_account + len(accounts), size)
        accounts.append(account)
        colleagues: list[Person] = []
        for _ in range(size):
            person = _make_person(rng, config, first_person + len(people), account, colleagues)
            colleagues.append(person)
            people.append(person)

    while len(people) < members:
        people.append(_make_person(rng, config, first_person + len(people), None, []))
    return Chunk(index=chunk_index, accounts=accounts, people=people)
