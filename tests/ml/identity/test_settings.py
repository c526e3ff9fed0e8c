"""Comparison levels and blocking rules checked on hand-made record pairs in DuckDB."""

import duckdb
import pandas as pd
import pytest

from ml.identity.model import MODEL_COLUMNS
from ml.identity.prepare import prepare_records, rare_name_words
from ml.identity.settings import (
    _alias_levels,
    _first_name_levels,
    _organisation_levels,
    prediction_blocking_keys,
    prediction_blocking_rules,
)


def _level(levels: list, left: dict[str, str], right: dict[str, str]) -> str:
    """Return the label of the first level whose condition holds for the pair."""
    prepared = prepare_records(
        pd.DataFrame(
            [{"record_id": "l", "source": "x", **left}, {"record_id": "r", "source": "x", **right}]
        )
    )
    row = {
        f"{column}_{side}": prepared.at[position, column]
        for position, side in ((0, "l"), (1, "r"))
        for column in MODEL_COLUMNS
        if column != "unique_id"
    }
    con = duckdb.connect()
    con.register("pair", pd.DataFrame([row]).astype(object))
    labels = [level.create_level_dict("duckdb")["label_for_charts"] for level in levels]
    cases = " ".join(
        f"when {level.create_level_dict('duckdb')['sql_condition']} then {position}"
        for position, level in enumerate(levels)
        if level.create_level_dict("duckdb")["sql_condition"] != "ELSE"
    )
    position = con.execute(f"select case {cases} else {len(levels) - 1} end from pair").fetchone()
    return labels[position[0]]


@pytest.mark.parametrize(
    ("single", "named", "expected"),
    [
        ("perie", "John Perie", "single name equals the other's last name"),
        ("smyth", "Stan Smythe", "single name one edit from the other's last name"),
        ("brome", "Alexander Hull", "All other comparisons"),
    ],
)
def test_first_name_single_name_against_last_name(single: str, named: str, expected: str) -> None:
    # The single-name record is on the right, where the swapped-columns level cannot see it.
    assert _level(_first_name_levels(), {"full_name": named}, {"first_name": single}) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("Bob Silva", "Robert Silva", "same name once short forms are expanded (Bob, Robert)"),
        ("Vicky Davis", "Victoria Davis",
         "same name once short forms are expanded (Bob, Robert)"),
        ("Robert Silva", "Robert Silva", "Exact match on first_name_key"),
        # Bob is short for Robert, not for Roberta: a JW-similar name, not a short form.
        ("Bob Silva", "Roberta Silva", "All other comparisons"),
    ],
)  # fmt: skip
def test_first_name_short_forms(left: str, right: str, expected: str) -> None:
    assert _level(_first_name_levels(), {"full_name": left}, {"full_name": right}) == expected


def test_blocking_pairs_typed_company_with_work_domain() -> None:
    # Ashley's personal address carries no employer; the typed company name does.
    prepared = prepare_records(
        pd.DataFrame(
            [
                {"record_id": "a", "source": "events", "email": "ashley160@outlook.com",
                 "full_name": "Ashly Rodriguez", "company_name": "Atlaswave Bank"},
                {"record_id": "b", "source": "slack", "email": "ashley@atlaswave.net",
                 "full_name": "Ashley Rodriguez"},
            ]
        )
    )  # fmt: skip
    assert prepared["company_label_key"].tolist() == ["atlaswave", "atlaswave"]
    keys = prediction_blocking_keys(set(prepared.columns))
    shared = [
        k
        for k in keys
        if all(prepared.at[0, c] is not None and prepared.at[0, c] == prepared.at[1, c] for c in k)
    ]
    assert shared == [("last_name_key", "company_label_key")]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"company_name": "Atlaswave Bank"}, {"email": "a@atlaswave.net"},
         "company name starts with the other's domain label"),
        ({"email": "a@acme.com"}, {"email": "b@initech.com"}, "different work domains"),
        ({"company_name": "Acme"}, {"company_name": "Initech"}, "All other comparisons"),
        ({"email": "a@acme.com"}, {"email": "b@gmail.com"}, "no organisation to compare"),
    ],
)  # fmt: skip
def test_organisation_levels(left: dict, right: dict, expected: str) -> None:
    assert _level(_organisation_levels(), left, right) == expected


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        # swang is built from Steven Wang's name: it fits every S. Wang, so it counts here
        # for nothing and is left to the handle-against-name comparison.
        ("swang", "no user name to compare, one built from names both records carry, or a "
                  "nameless record's handle that differs"),
        ("bytewiz42", "same user name"),
        ("stevewang", "no user name to compare, one built from names both records carry, or "
                      "a nameless record's handle that differs"),
    ],
)  # fmt: skip
def test_user_name_of_nameless_handle(handle: str, expected: str) -> None:
    named = {"full_name": "Steven Wang", "email": f"{handle}@copperwave.com"}
    if handle == "stevewang":
        named["email"] = "swang@copperwave.com"
    assert _level(_alias_levels(), {"handle": handle}, named) == expected


def test_register_blocking_only_with_date_of_birth() -> None:
    names = {"first_name_key", "last_name_key", "locality", "postcode"}

    def conditions(present: set[str]) -> list[str]:
        return [rule.create_blocking_rule_dict("duckdb")["blocking_rule"] for rule in
                prediction_blocking_rules(present)]  # fmt: skip

    with_dob = conditions(names | {"date_of_birth"})
    assert "l.first_name_key = r.last_name_key and l.locality = r.locality" in with_dob
    assert "l.last_name_key = r.first_name_key and l.locality = r.locality" in with_dob
    assert not any("substr" in condition for condition in conditions(names))


def _candidate_pairs(rows: list[dict[str, str]], only: str = "") -> set[tuple[str, str]]:
    """Pairs the prediction blocking rules generate, joined in DuckDB as Splink would.

    With `only`, just the rules whose condition contains that text are applied. A rule
    that explodes a list column pairs records sharing any element of the list.
    """
    prepared = prepare_records(pd.DataFrame(rows))[MODEL_COLUMNS]
    con = duckdb.connect()
    con.register("records", prepared)
    present = {column for column in MODEL_COLUMNS if prepared[column].notna().any()}
    pairs: set[tuple[str, str]] = set()
    for rule in prediction_blocking_rules(present):
        condition = rule.create_blocking_rule_dict("duckdb")["blocking_rule"]
        if only not in condition:
            continue
        for column in rule.create_blocking_rule_dict("duckdb").get("arrays_to_explode") or []:
            condition = f"len(list_intersect(l.{column}, r.{column})) > 0"
        query = (
            "select l.unique_id, r.unique_id from records l join records r "
            f"on l.unique_id < r.unique_id and ({condition})"
        )
        pairs.update(con.execute(query).fetchall())
    return pairs


def test_blocking_common_local_part_only_within_address() -> None:
    # sarah@ is at 11 addresses, one more than the cap; jdoe@ at 2.
    rows = [
        {"record_id": f"s{i:02d}", "source": "x", "email": f"sarah@company{i}.com"}
        for i in range(11)
    ]
    rows.append({"record_id": "s99", "source": "x", "email": "sarah@company0.com"})
    rows.append({"record_id": "j1", "source": "x", "email": "jdoe@acme.com"})
    rows.append({"record_id": "j2", "source": "x", "email": "jdoe@gmail.com"})
    pairs = _candidate_pairs(rows)
    assert ("s00", "s99") in pairs
    assert ("s00", "s01") not in pairs
    assert ("j1", "j2") in pairs
    assert len(pairs) == 2


def test_register_blocking_last_name_and_first_initial() -> None:
    # Tom and Thomas Raymond share no full first name, date or place, only the last name
    # and the first initial; Alfred Raymond shares the last name alone.
    rows = [
        {"record_id": "a", "source": "x", "full_name": "Thomas Raymond",
         "date_of_birth": "1780-01-01"},
        {"record_id": "b", "source": "x", "full_name": "Tom Raymond"},
        {"record_id": "c", "source": "x", "full_name": "Alfred Raymond"},
    ]  # fmt: skip
    assert _candidate_pairs(rows, only="substr(l.first_name_key, 1, 1)") == {("a", "b")}


def test_register_blocking_birth_place_and_year() -> None:
    # A nickname, a last-name typo and a day typo: a and b share only the place and
    # birth year, c only the year.
    rows = [
        {"record_id": "a", "source": "x", "full_name": "Edmund Plantagenet",
         "date_of_birth": "1325-01-01", "locality": "Sussex"},
        {"record_id": "b", "source": "x", "full_name": "Ned Plantaganet",
         "date_of_birth": "1325-01-11", "locality": "sussex"},
        {"record_id": "c", "source": "x", "full_name": "Alice Brown",
         "date_of_birth": "1325-05-05", "locality": "Kent"},
    ]  # fmt: skip
    assert _candidate_pairs(rows, only="l.locality = r.locality and substr") == {("a", "b")}


def test_register_blocking_rare_full_name_word() -> None:
    # Nessie (a single name) and Agnes Nessie Brown share the rare word `nessie`. John
    # is in 11 records, more than MAX_RECORDS_PER_RARE_WORD, so it pairs no one.
    rows = [
        {"record_id": "a", "source": "x", "full_name": "Agnes Nessie Brown",
         "date_of_birth": "1652-02-01"},
        {"record_id": "b", "source": "x", "first_name": "Nessie"},
    ] + [
        {"record_id": f"j{i:02d}", "source": "x", "full_name": f"John X{'y' * i}"}
        for i in range(1, 12)
    ]  # fmt: skip
    assert _candidate_pairs(rows, only="rare_name_words") == {("a", "b")}


def test_rare_name_words_only_in_registers() -> None:
    names = pd.Series(["Agnes Nessie Brown", "Nessie", "J Brown"])
    assert rare_name_words(names).tolist() == [["agnes", "brown", "nessie"], ["nessie"], ["brown"]]
    assert rare_name_words(names, register=False).tolist() == [None, None, None]
