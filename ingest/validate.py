"""Row checks of a declared schema, written as one SQL pass over the staged rows.

Every row gets the number of the first rule it breaks (or NULL), so each rejected row lands in
quarantine once, with one field, value and reason.
"""

from dataclasses import dataclass
from datetime import timedelta

from ingest.schema import TableSchema

# A time stamp up to one day ahead of the load is accepted, because exports are written in
# many time zones and DuckDB reads a value without an offset in the session's time zone.
# Later event times are rejected.
# NOTE: the reference is the machine's clock at load time, so data generated for dates after
# today (a simulator run with a future end date) is quarantined.
FUTURE_TOLERANCE = timedelta(days=1)

EPOCH_PATTERN = r"[0-9]{1,11}(\.[0-9]+)?"

# Boolean texts the loaders accept (compared trimmed and lower-cased), as the `parse_boolean`
# dbt macro reads them in staging.
BOOLEAN_TEXTS = "('true', 'false', 't', 'f', '1', '0')"


@dataclass(frozen=True)
class Rule:
    """One row check: a SQL condition that is true when the row breaks the rule."""

    field: str
    reason: str
    condition: str


def quote(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Write a string as a DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def _present(column: str) -> str:
    return f"nullif(trim({column}), '') is not null"


def _timestamp_sql(column: str, formats: tuple[str, ...]) -> str:
    parsed = f"try_cast(trim({column}) as timestamptz)"
    if not formats:
        return parsed
    format_list = "[" + ", ".join(literal(f) for f in formats) + "]"
    return f"coalesce({parsed}, try_strptime(trim({column}), {format_list})::timestamptz)"


def _epoch_sql(column: str) -> str:
    return f"to_timestamp(try_cast(trim({column}) as double))"


def _normalised(column: str) -> str:
    return f"lower(trim({column}))"


def _value_rules(schema: TableSchema, columns: set[str]) -> list[Rule]:
    """Rules on allowed values, on fields that a value makes required, and on distinct fields."""
    rules = []
    for name, allowed in schema.allowed_values.items():
        if name in columns:
            column = quote(name)
            values = ", ".join(literal(value) for value in allowed)
            rules.append(
                Rule(
                    name,
                    f"value not allowed, expected one of {', '.join(allowed)}",
                    f"{_present(column)} and {_normalised(column)} not in ({values})",
                )
            )
    for name, requirements in schema.required_by_value.items():
        if name not in columns:
            continue
        for value, needed in requirements.items():
            condition = f"{_normalised(quote(name))} = {literal(value)}"
            for other in needed:
                if other in columns:
                    reason = f"missing field required when {name} is {value}"
                    rules.append(
                        Rule(other, reason, f"{condition} and not {_present(quote(other))}")
                    )
                else:
                    # The file lacks the column, so the row is reported on the field whose
                    # value made it required.
                    reason = f"missing column {other}, required when {name} is {value}"
                    rules.append(Rule(name, reason, condition))
    for name, other in schema.distinct_from.items():
        if name in columns and other in columns:
            same = f"{_present(quote(name))} and trim({quote(name)}) = trim({quote(other)})"
            rules.append(Rule(name, f"same value as {other}, expected a different one", same))
    return rules


def build_rules(schema: TableSchema, columns: set[str], tolerance: timedelta) -> list[Rule]:
    """List the rules of `schema` that apply to the staged columns, in checking order.

    Rules on a column the staged files do not have are left out; a missing required column
    has already failed the file.
    """
    rules = (
        [Rule("_record", "unreadable record", "_problem is not null")]
        if "_problem" in columns
        else []
    )
    horizon = f"now() + interval '{int(tolerance.total_seconds())} seconds'"
    for name in schema.required:
        rules.append(Rule(name, "missing required field", f"not {_present(quote(name))}"))
    rules.extend(_value_rules(schema, columns))

    for name in schema.timestamps:
        if name in columns:
            column = quote(name)
            accepted = "ISO 8601" + "".join(f" or {f}" for f in schema.timestamp_formats)
            parsed = _timestamp_sql(column, schema.timestamp_formats)
            rules.append(
                Rule(
                    name,
                    f"invalid time stamp, expected {accepted}",
                    f"{_present(column)} and {parsed} is null",
                )
            )
            if name in schema.event_times:
                rules.append(Rule(name, "time stamp lies in the future", f"{parsed} > {horizon}"))
    for name in schema.epoch_timestamps:
        if name in columns:
            column = quote(name)
            malformed = f"not regexp_full_match(trim({column}), {literal(EPOCH_PATTERN)})"
            rules.append(
                Rule(
                    name,
                    "invalid time stamp, expected Unix epoch seconds",
                    f"{_present(column)} and {malformed}",
                )
            )
            if name in schema.event_times:
                rules.append(
                    Rule(name, "time stamp lies in the future", f"{_epoch_sql(column)} > {horizon}")
                )

    for name in (*schema.numbers, *schema.non_negative):
        if name in columns:
            column = quote(name)
            number = f"try_cast(trim({column}) as double)"
            invalid = f"{_present(column)} and ({number} is null or not isfinite({number}))"
            rules.append(Rule(name, "not a number", invalid))
            if name in schema.non_negative:
                rules.append(Rule(name, "negative value, expected zero or more", f"{number} < 0"))
    for name in schema.booleans:
        if name in columns:
            column = quote(name)
            # DuckDB's cast also takes yes/no/y/n, which staging's `parse_boolean` reads as null.
            invalid = f"{_present(column)} and lower(trim({column})) not in {BOOLEAN_TEXTS}"
            rules.append(Rule(name, "not a boolean, expected true or false", invalid))
    for amount, currency in schema.currency_of.items():
        if amount in columns and currency in columns:
            missing = f"{_present(quote(amount))} and not {_present(quote(currency))}"
            rules.append(Rule(amount, f"amount without currency in {currency}", missing))
    return rules


def rule_case_sql(rules: list[Rule]) -> str:
    """Return a CASE expression giving the 1-based number of the first broken rule, or NULL."""
    if not rules:
        return "cast(null as integer)"
    branches = " ".join(
        f"when {rule.condition} then {number}" for number, rule in enumerate(rules, 1)
    )
    return f"case {branches} end"


def _value_column(rule: Rule) -> str:
    return "_problem" if rule.field == "_record" else quote(rule.field)


def rule_value_sql(rules: list[Rule], rule_column: str) -> str:
    """Return a CASE expression giving the text of the field that broke the row's rule."""
    if not rules:
        return "cast(null as varchar)"
    branches = " ".join(
        f"when {number} then cast({_value_column(rule)} as varchar)"
        for number, rule in enumerate(rules, 1)
    )
    return f"case {rule_column} {branches} end"
