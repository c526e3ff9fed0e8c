"""Splink 5 model settings: comparisons, blocking rules and prior m and u probabilities.

Only comparisons whose columns hold values in the input are built, so the same settings
serve community records (names, email, handle, company) and census-style lists (names,
date of birth, address). Emails are compared by exact and Levenshtein levels on the local
part: Jaro-Winkler rates addresses built from common first names as similar, which merges
different people.

The prior m and u probabilities are used as they are when the input is too small to train
on, and as EM starting values otherwise. They are rough estimates: a level's m is the
share of true matches expected there, its u the share of non-matches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.blocking_rule_library import CustomRule
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from ml.identity.prepare import NAME_FORM_COLUMNS


@dataclass(frozen=True)
class ComparisonSpec:
    """A comparison, the columns it needs and its prior m and u per non-null level."""

    name: str
    columns: tuple[str, ...]
    build: Callable[[], list[ComparisonLevelCreator]]
    m_prior: tuple[float, ...]
    u_prior: tuple[float, ...]


def _name_levels(column: str, other: str) -> Callable[[], list[ComparisonLevelCreator]]:
    """Levels for one name part; `other` is the other part, to catch swapped names."""
    return lambda: [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=True),
        cll.ColumnsReversedLevel(column, other),
        cll.DamerauLevenshteinLevel(column, 1),
        cll.JaroWinklerLevel(column, 0.9),
        cll.JaroWinklerLevel(column, 0.8),
        cll.ElseLevel(),
    ]


def _first_name_levels() -> list[ComparisonLevelCreator]:
    """First name levels, plus a single name against the other record's last name.

    A record that carries one name (`perie`, `Smyth`) has it in first_name and no last
    name. When it equals, or is one edit from, the other record's last name, that is
    evidence of a match, not a first-name mismatch.
    """

    def single(test: str) -> str:
        return " or ".join(
            f"(last_name_key_{a} is null and last_name_key_{b} is not null and "
            + test.format(first=f"first_name_key_{a}", last=f"last_name_key_{b}")
            + ")"
            for a, b in (("l", "r"), ("r", "l"))
        )

    levels = _name_levels("first_name_key", "last_name_key")()
    return [
        *levels[:2],
        cll.ExactMatchLevel("first_name_root_key").configure(
            label_for_charts="same name once short forms are expanded (Bob, Robert)"
        ),
        levels[2],
        cll.CustomLevel(single("{first} = {last}"), "single name equals the other's last name"),
        cll.CustomLevel(
            single("damerau_levenshtein({first}, {last}) <= 1"),
            "single name one edit from the other's last name",
        ),
        *levels[3:],
    ]


def _code_levels(
    column: str, distances: Sequence[int], tf: bool = False
) -> Callable[[], list[ComparisonLevelCreator]]:
    return lambda: [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=tf),
        *[cll.DamerauLevenshteinLevel(column, d) for d in distances],
        cll.ElseLevel(),
    ]


def _date_levels() -> list[ComparisonLevelCreator]:
    """Dates as text (ISO or YYYYMMDD): typos are edits, and the first 4 characters a year."""
    return [
        cll.NullLevel("date_of_birth"),
        # Term frequencies: placeholder dates such as 1862-01-01 are shared by many.
        cll.ExactMatchLevel("date_of_birth", term_frequency_adjustments=True),
        cll.DamerauLevenshteinLevel("date_of_birth", 1),
        cll.DamerauLevenshteinLevel("date_of_birth", 2),
        cll.CustomLevel(
            "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4)", "same year"
        ),
        cll.ElseLevel(),
    ]


def _postcode_levels() -> list[ComparisonLevelCreator]:
    """Postcodes: a UK-style outward code (the part before the space) is a district."""
    return [
        cll.NullLevel("postcode"),
        cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
        cll.DamerauLevenshteinLevel("postcode", 1),
        cll.CustomLevel(
            "split_part(postcode_l, ' ', 1) = split_part(postcode_r, ' ', 1)", "same district"
        ),
        cll.ElseLevel(),
    ]


def _text_levels(column: str) -> Callable[[], list[ComparisonLevelCreator]]:
    return lambda: [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=True),
        cll.JaroWinklerLevel(column, 0.9),
        cll.ElseLevel(),
    ]


_USER_NAME_PAIRS = (
    ("email_local_key", "email_local_key"),
    ("handle_key", "handle_key"),
    ("handle_key", "email_local_key"),
    ("email_local_key", "handle_key"),
)
_FROM_NAME = {"email_local_key": "email_local_from_name", "handle_key": "handle_from_name"}


def _nameless_handle(handle_side: str, name_side: str) -> str:
    """SQL: the `handle_side` record has a handle but no name, the other side a name."""
    return (
        f"(handle_stem_key_{handle_side} is not null and "
        f"name_flast_key_{handle_side} is null and name_flast_key_{name_side} is not null)"
    )


def _alias_levels() -> list[ComparisonLevelCreator]:
    """Compare user names: email local parts and handles, also against each other.

    A GitHub handle often equals the local part of the person's email address, so a
    handle-only record can still be compared with an email-only record. A shared user name
    built from a name that both records carry (`jdoe` for Jane Doe) repeats what the name
    comparisons already count. It therefore falls in the null level (no evidence).

    A record with a handle but no name (GitHub) compared with a named record counts only
    an exact user name not built from the other's name here. The `handle_vs_name`
    comparison and `unique_owner_links` weigh a handle against names: people often pick
    a handle unlike their email address (`jane_d` for `jane.doe@`), so counting the
    differing user names would cancel that evidence, and `swang` fits every S. Wang.
    """
    pairs = _USER_NAME_PAIRS
    comparable = " or ".join(f"({a}_l is not null and {b}_r is not null)" for a, b in pairs)
    exact = " or ".join(f"{a}_l = {b}_r" for a, b in pairs)
    from_name = " or ".join(
        f"({a}_l = {b}_r and (coalesce({_FROM_NAME[a]}_l, false) "
        f"or coalesce({_FROM_NAME[b]}_r, false)))"
        for a, b in pairs
    )
    # name_flast_key is set when a record has first and last name. Testing it instead of
    # the name columns keeps this comparison active in the EM pass blocked on names.
    both_named = "name_flast_key_l is not null and name_flast_key_r is not null"
    nameless = f"{_nameless_handle('l', 'r')} or {_nameless_handle('r', 'l')}"
    exact_not_from_name = " or ".join(
        f"({a}_l = {b}_r and not coalesce({_FROM_NAME[a]}_l, false) "
        f"and not coalesce({_FROM_NAME[b]}_r, false))"
        for a, b in pairs
    )
    close = " or ".join(f"levenshtein({a}_l, {b}_r) <= 2" for a, b in pairs[:2])
    return [
        cll.CustomLevel(
            f"not ({comparable}) or (({both_named}) and ({from_name})) "
            f"or (({nameless}) and not coalesce({exact_not_from_name}, false))",
            "no user name to compare, one built from names both records carry, or a "
            "nameless record's handle that differs",
        ).configure(is_null_level=True),
        cll.CustomLevel(exact, "same user name"),
        cll.CustomLevel(close, "user names within two edits"),
        cll.ElseLevel(),
    ]


def _handle_name_levels() -> list[ComparisonLevelCreator]:
    """Compare a nameless record's handle (without trailing digits) with the other's name.

    Only records without a name of their own are compared this way: with names on both
    sides the name comparisons already hold the evidence.
    """
    applies = _nameless_handle

    def matches(handle_side: str, name_side: str) -> str:
        forms = ", ".join(f"{column}_{name_side}" for column in NAME_FORM_COLUMNS)
        return f"({applies(handle_side, name_side)} and handle_stem_key_{handle_side} in ({forms}))"

    return [
        cll.CustomLevel(
            f"not ({applies('l', 'r')} or {applies('r', 'l')})", "no nameless handle to compare"
        ).configure(is_null_level=True),
        cll.CustomLevel(
            f"{matches('l', 'r')} or {matches('r', 'l')}", "handle built from the other name"
        ),
        cll.ElseLevel(),
    ]


def _organisation_levels() -> list[ComparisonLevelCreator]:
    """Compare employers by domain and typed company name, also against each other.

    A typed company name that starts with the other record's domain label (`Atlaswave
    Bank` and `atlaswave.net`) names the same company. Two different work domains are a
    level of their own, apart from names typed differently: one person rarely works for
    two companies, while `Acme` and `Acme Retail Group` may be one.
    """
    sides = (("l", "r"), ("r", "l"))
    label = "split_part(company_domain_key_{b}, '.', 1)"
    name_vs_domain = " or ".join(
        f"(company_name_key_{a} is not null and company_domain_key_{b} is not null)"
        for a, b in sides
    )
    comparable = (
        "(company_domain_key_l is not null and company_domain_key_r is not null) or "
        f"(company_name_key_l is not null and company_name_key_r is not null) or {name_vs_domain}"
    )
    prefix = " or ".join(
        f"(length({label.format(b=b)}) >= 4 and "
        f"starts_with(company_name_key_{a}, {label.format(b=b)}))"
        for a, b in sides
    )
    return [
        cll.CustomLevel(f"not ({comparable})", "no organisation to compare").configure(
            is_null_level=True
        ),
        cll.ExactMatchLevel("company_domain_key", term_frequency_adjustments=True),
        cll.ExactMatchLevel("company_name_key"),
        cll.CustomLevel(prefix, "company name starts with the other's domain label"),
        cll.JaroWinklerLevel("company_name_key", 0.9),
        cll.CustomLevel(
            "company_domain_key_l is not null and company_domain_key_r is not null",
            "different work domains",
        ),
        cll.ElseLevel(),
    ]


COMPARISONS: tuple[ComparisonSpec, ...] = (
    ComparisonSpec(
        "first_name",
        ("first_name_key",),
        _first_name_levels,
        (0.77, 0.05, 0.01, 0.02, 0.01, 0.06, 0.04, 0.02, 0.02),
        (0.01, 0.0002, 0.0001, 0.0005, 0.0005, 0.003, 0.01, 0.03, 0.9457),
    ),
    ComparisonSpec(
        "last_name",
        ("last_name_key",),
        _name_levels("last_name_key", "first_name_key"),
        (0.87, 0.01, 0.05, 0.03, 0.02, 0.02),
        (0.003, 0.0001, 0.002, 0.005, 0.02, 0.9699),
    ),
    ComparisonSpec(
        "user_name",
        ("email_local_key", "handle_key"),
        _alias_levels,
        (0.6, 0.15, 0.25),
        (0.0005, 0.002, 0.9975),
    ),
    ComparisonSpec(
        "handle_vs_name",
        ("handle_stem_key",),
        _handle_name_levels,
        (0.6, 0.4),
        (0.0005, 0.9995),
    ),
    ComparisonSpec(
        "organisation",
        ("company_domain_key", "company_name_key"),
        _organisation_levels,
        (0.7, 0.1, 0.05, 0.03, 0.02, 0.1),
        (0.01, 0.005, 0.005, 0.01, 0.9, 0.07),
    ),
    ComparisonSpec(
        "date_of_birth",
        ("date_of_birth",),
        _date_levels,
        (0.8, 0.08, 0.04, 0.04, 0.04),
        (0.0002, 0.002, 0.02, 0.05, 0.9278),
    ),
    ComparisonSpec(
        "national_id",
        ("national_id",),
        _code_levels("national_id", (1, 2)),
        (0.85, 0.08, 0.04, 0.03),
        (0.0001, 0.001, 0.01, 0.9889),
    ),
    ComparisonSpec(
        "postcode",
        ("postcode",),
        _postcode_levels,
        (0.8, 0.1, 0.05, 0.05),
        (0.001, 0.01, 0.02, 0.969),
    ),
    ComparisonSpec(
        "street_number",
        ("street_number",),
        _code_levels("street_number", (1,)),
        (0.85, 0.1, 0.05),
        (0.02, 0.1, 0.88),
    ),
    ComparisonSpec(
        "street_address",
        ("street_address",),
        _text_levels("street_address"),
        (0.8, 0.15, 0.05),
        (0.0005, 0.005, 0.9945),
    ),
    ComparisonSpec(
        "locality",
        ("locality",),
        _text_levels("locality"),
        (0.8, 0.1, 0.1),
        (0.005, 0.01, 0.985),
    ),
    ComparisonSpec(
        "region", ("region",), _code_levels("region", (), tf=True), (0.9, 0.1), (0.2, 0.8)
    ),
    ComparisonSpec("gender", ("gender",), _code_levels("gender", ()), (0.95, 0.05), (0.5, 0.5)),
    ComparisonSpec(
        "occupation",
        ("occupation",),
        _code_levels("occupation", (), tf=True),
        (0.85, 0.15),
        (0.05, 0.95),
    ),
)


def is_register(prepared: pd.DataFrame) -> bool:
    """Return whether the records form a census-style list, where some carry a birth date.

    Only such lists get the register blocking keys and small-cluster links; community
    records have no date of birth.
    """
    return bool(prepared["date_of_birth"].notna().any())


def present_columns(prepared: pd.DataFrame) -> set[str]:
    """Return the columns that contain at least one value."""
    return {column for column in prepared.columns if prepared[column].notna().any()}


def build_comparisons(present: set[str]) -> list[ComparisonCreator | dict[str, Any]]:
    """Build the comparisons whose columns contain values, with their prior m and u."""
    comparisons: list[ComparisonCreator | dict[str, Any]] = []
    for spec in COMPARISONS:
        if not present.intersection(spec.columns):
            continue
        levels: list[ComparisonLevelCreator | dict[str, Any]] = list(spec.build())
        comparison = cl.CustomComparison(levels, output_column_name=spec.name)
        comparisons.append(
            comparison.configure(
                m_probabilities=list(spec.m_prior), u_probabilities=list(spec.u_prior)
            )
        )
    return comparisons


# NOTE: blocking needs a shared key. On the historical figures set 15 % of true pairs
# share none of these keys or the register keys below, and are found only through other
# records. Records of one person that share no key with the rest stay apart.
PREDICTION_BLOCKING_KEYS: tuple[tuple[str, ...], ...] = (
    # The local part, or the whole address when the local part is common (`sarah@` at
    # many companies). The local part alone gave 3 million of 4.1 million candidate
    # pairs at 99,000 simulated records, and 260 million of 301 million at 995,000.
    ("email_local_block_key",),
    ("handle_key",),
    # NOTE: a common name is a large block too. On the simulator, whose name pool is
    # fixed, first and last name gave 35.9 million of 48.7 million candidate pairs at
    # 995,000 records (peak memory 13 GB).
    ("first_name_key", "last_name_key"),
    ("first_name_root_key", "last_name_key"),
    ("last_name_key", "company_domain_key"),
    ("first_name_key", "company_domain_key"),
    # A free-mail record with a typed company name against the work domain's records.
    ("last_name_key", "company_label_key"),
    ("first_name_root_key", "company_label_key"),
    ("national_id",),
    ("date_of_birth", "first_name_key"),
    ("date_of_birth", "last_name_key"),
    ("postcode", "first_name_key"),
    ("postcode", "last_name_key"),
    ("locality", "last_name_key", "first_name_key"),
    ("date_of_birth", "postcode"),
    ("date_of_birth", "locality"),
    ("street_address", "postcode"),
    ("street_address", "locality"),
    ("first_name_key", "locality"),
    ("last_name_key", "locality"),
    ("postcode",),
)


# Looser keys for person lists that carry a date of birth (census-style registers). They
# pair records whose names or dates carry typos: birth year or postcode district instead of
# the full value, name prefixes, and a single name against the other record's last name.
# Community records have no date of birth, so these keys never run in the pipeline.
# Each entry: the columns it needs, then the SQL condition on `l` and `r`.
_YEAR = "substr({side}.date_of_birth, 1, 4)"
_DISTRICT = "split_part({side}.postcode, ' ', 1)"
REGISTER_BLOCKING_RULES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (columns, " and ".join(f"{part.format(side='l')} = {part.format(side='r')}" for part in parts))
    for columns, parts in (
        (("date_of_birth", "first_name_key"), (_YEAR, "{side}.first_name_key")),
        (("date_of_birth", "last_name_key"), (_YEAR, "{side}.last_name_key")),
        (("postcode", "first_name_key"), (_DISTRICT, "{side}.first_name_key")),
        (("postcode", "last_name_key"), (_DISTRICT, "{side}.last_name_key")),
        (("postcode", "date_of_birth"), (_DISTRICT, _YEAR)),
        (("locality", "date_of_birth"), ("{side}.locality", _YEAR)),
        (
            ("date_of_birth", "first_name_key", "last_name_key"),
            ("substr({side}.first_name_key, 1, 3)", "substr({side}.last_name_key, 1, 4)"),
        ),
        # Last name and first initial: nicknames and typos in the first name
        # (`tom` for `thomas`, `frdderick`).
        (
            ("date_of_birth", "first_name_key", "last_name_key"),
            ("{side}.last_name_key", "substr({side}.first_name_key, 1, 1)"),
        ),
    )
) + tuple(
    (("date_of_birth", "first_name_key", "last_name_key", other), condition)
    for other, template in (
        ("date_of_birth", _YEAR),
        ("locality", "{side}.locality"),
        ("postcode", _DISTRICT),
    )
    # Splink pairs each two records once, in one order, so the swap is tested both ways.
    for swap in ("l.first_name_key = r.last_name_key", "l.last_name_key = r.first_name_key")
    for condition in (f"{swap} and {template.format(side='l')} = {template.format(side='r')}",)
)


def prediction_blocking_keys(present: set[str]) -> list[tuple[str, ...]]:
    """Column sets whose equality makes a candidate pair, limited to present columns."""
    return [keys for keys in PREDICTION_BLOCKING_KEYS if present.issuperset(keys)]


def prediction_blocking_rules(present: set[str]) -> list[BlockingRuleCreator | dict[str, Any]]:
    """Blocking rules that generate the candidate pairs the model scores."""
    rules: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on(*keys) for keys in prediction_blocking_keys(present)
    ]
    if "date_of_birth" in present:
        rules.extend(
            CustomRule(condition)
            for columns, condition in REGISTER_BLOCKING_RULES
            if present.issuperset(columns)
        )
        if "rare_name_words" in present:
            rules.append(block_on("rare_name_words", arrays_to_explode=["rare_name_words"]))
    if present.issuperset({"handle_key", "email_local_block_key"}):
        rules.append(CustomRule("l.handle_key = r.email_local_block_key"))
        rules.append(CustomRule("l.email_local_block_key = r.handle_key"))
    if present.issuperset({"handle_stem_key", "name_flast_key"}):
        for column in NAME_FORM_COLUMNS:
            rules.append(CustomRule(f"l.handle_stem_key = r.{column}"))
            rules.append(CustomRule(f"l.{column} = r.handle_stem_key"))
    return rules


def training_blocking_keys(present: set[str]) -> list[tuple[str, ...]]:
    """Column sets blocking the EM passes; each leaves other comparisons free to estimate.

    Splink leaves out of an EM pass every comparison that reads a blocking column, so
    the email pass names `email_local_key` to keep the user-name comparison out: within
    one mailbox the user names agree by construction. Blocking on a user name alone is
    avoided because common ones (`sandra@`) gather different people, and EM then learns
    that different last names are common among matches.
    """
    candidates = [
        ("email_key", "email_local_key"),
        ("first_name_key", "last_name_key"),
        ("date_of_birth",),
        ("national_id",),
    ]
    return [keys for keys in candidates if present.issuperset(keys)]


def deterministic_keys(present: set[str]) -> list[tuple[str, ...]]:
    """Column sets whose equality is near-certain proof, to estimate the prior match rate."""
    candidates = [
        ("email_key",),
        ("crm_contact_id_key",),
        ("national_id", "date_of_birth"),
        ("first_name_key", "last_name_key", "date_of_birth"),
        ("first_name_key", "last_name_key", "company_domain_key"),
    ]
    return [keys for keys in candidates if present.issuperset(keys)]


def build_settings(prepared: pd.DataFrame) -> SettingsCreator:
    """Build untrained Splink settings for the columns present in `prepared`."""
    present = present_columns(prepared)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=build_comparisons(present),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(present),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
