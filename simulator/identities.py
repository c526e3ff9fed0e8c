"""Noisy renderings of a person's identity, as different tools record it."""

import numpy as np

from simulator import names
from simulator.population import Person, slugify

# Probability that an affiliated person signs up to community tools with the personal mailbox.
COMMUNITY_PERSONAL_EMAIL_SHARE = 0.35
# Share of form entries (event registrations, sign-ups) made with a team mailbox.
SHARED_MAILBOX_SHARE = 0.03
SHARED_MAILBOXES = ("info", "team", "events", "marketing")


def vary_email(rng: np.random.Generator, email: str) -> str:
    """Return `email` with the noise people and forms add: case changes and plus-aliases."""
    if not email:
        return email
    local, _, domain = email.partition("@")
    draw = rng.random()
    if draw < 0.08:
        return email.upper() if rng.random() < 0.3 else f"{local.capitalize()}@{domain}"
    if draw < 0.14:
        tag = ("community", "events", "news", "test")[rng.integers(4)]
        return f"{local}+{tag}@{domain}"
    if draw < 0.16:
        return f" {email} "
    return email


def community_email(rng: np.random.Generator, person: Person, day: int) -> str:
    """Pick the mailbox a person uses in community tools on a given day, with noise applied."""
    use_personal = person.personal_email and (
        not person.work_email or rng.random() < COMMUNITY_PERSONAL_EMAIL_SHARE
    )
    return vary_email(rng, person.personal_email if use_personal else person.email_at(day))


def form_email(rng: np.random.Generator, person: Person, day: int) -> str:
    """Pick the address typed into a form on a given day, with noise applied.

    Usually the work address of that day, sometimes a team mailbox shared with colleagues
    (`info@`, `team@`) or the personal address.
    """
    draw = rng.random()
    if person.account is not None and draw < SHARED_MAILBOX_SHARE:
        mailbox = SHARED_MAILBOXES[int(rng.integers(len(SHARED_MAILBOXES)))]
        return f"{mailbox}@{person.account.domain}"
    if person.personal_email and draw > 0.8:
        return vary_email(rng, person.personal_email)
    return vary_email(rng, person.email_at(day))


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 4:
        return word
    position = int(rng.integers(1, len(word) - 1))
    if rng.random() < 0.5:
        return word[:position] + word[position + 1 :]
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


def vary_name(rng: np.random.Generator, person: Person) -> tuple[str, str]:
    """Return (first, last) as typed into a form: nicknames, typos and case slips."""
    first, last = person.first_name, person.last_name
    draw = rng.random()
    if draw < 0.15 and first in names.NICKNAMES:
        first = names.NICKNAMES[first]
    elif draw < 0.2:
        first = _typo(rng, first)
    elif draw < 0.24:
        last = _typo(rng, last)
    elif draw < 0.28:
        first, last = first.lower(), last.lower()
    return first, last


def vary_full_name(rng: np.random.Generator, person: Person) -> str:
    """Return a noisy full name; about one in twenty is the first name alone."""
    first, last = vary_name(rng, person)
    if rng.random() < 0.05:
        return first
    return f"{first} {last}"


def handle(rng: np.random.Generator, person: Person) -> str:
    """Return a user name of the kind people pick on chat, forum and code-hosting tools."""
    first, last = slugify(person.first_name), slugify(person.last_name)
    pattern = rng.integers(6)
    number = int(rng.integers(1, 999))
    if pattern == 0:
        return f"{first[0]}{last}"
    if pattern == 1:
        return f"{first}_{last[0]}"
    if pattern == 2:
        return f"{first}{last}{number}"
    if pattern == 3:
        return f"{first}.{last}"
    if pattern == 4:
        return f"{last}{first[:2]}"
    words = ("data", "query", "stack", "byte", "cloud", "graph", "pipe")
    return (
        f"{words[rng.integers(len(words))]}{('wiz', 'nerd', 'dev', 'ops')[rng.integers(4)]}{number}"
    )


def company_label(rng: np.random.Generator, person: Person) -> str:
    """Return what a person types into a form's company field (often not the legal name)."""
    if person.account is None:
        return (
            "" if rng.random() < 0.7 else ("Freelance", "Student", "Self-employed")[rng.integers(3)]
        )
    name = person.account.company_name
    draw = rng.random()
    if draw < 0.15:
        return ""
    if draw < 0.4:
        return name.rsplit(" ", 1)[0]
    if draw < 0.5:
        return name.lower()
    if draw < 0.55:
        return person.account.domain
    return name


def scrambled_ids(rng: np.random.Generator, first: int, count: int, base: int) -> np.ndarray:
    """Return unique integer ids for `count` records whose global numbers start at `first`.

    The ids are a shuffle of base + first .. base + first + count - 1, so ids from different
    tools for the same person do not line up.
    """
    return base + first + rng.permutation(count)
