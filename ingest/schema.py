"""Declared schemas of the raw tables: which fields are required and what they must parse as.

A schema is checked per row by `ingest.validate`; a row that breaks one of its rules goes to
`quarantine.rejected_rows` instead of the raw table.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableSchema:
    """Rules one raw table's rows must meet.

    Attributes:
        table: Raw table name, without the `raw.` schema.
        key: Fields whose values identify a row; a second row with the same values is a
            duplicate. Empty when the table has no natural key.
        required: Fields that must exist in every file (a missing CSV column fails the file)
            and must be non-empty in every row.
        timestamps: Fields that must parse as ISO 8601 time stamps when present. A value
            without an offset is read as UTC.
        epoch_timestamps: Fields that must be Unix epoch seconds, such as Slack's `ts`.
        timestamp_formats: Extra `strptime` formats accepted for the `timestamps` fields
            besides ISO 8601, for exports that write dates in a local style.
        event_times: Fields (from `timestamps` or `epoch_timestamps`) that record when
            something happened, so they must not lie in the future beyond the tolerance.
        numbers: Fields that must parse as finite numbers when present.
        non_negative: Fields that must parse as non-negative numbers when present (money
            amounts and counts).
        booleans: Fields that must parse as booleans (`true`, `false`, `t`, `f`, `1`, `0`,
            in any case) when present.
        currency_of: Amount field to the field holding its currency code: an amount given
            without a currency is rejected when the file has the currency field.
        allowed_values: Field to the values it may take when present, compared after
            trimming and lower-casing, such as the feedback types of a feedback file.
        required_by_value: Field to {value: fields that must be non-empty when the field
            has that value}, such as a person email for feedback about a person's score.
        distinct_from: Field to another field it must differ from (compared trimmed) when
            both are present, such as the two record ids of a review decision.
    """

    table: str
    key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()
    epoch_timestamps: tuple[str, ...] = ()
    timestamp_formats: tuple[str, ...] = ()
    event_times: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()
    currency_of: dict[str, str] = field(default_factory=dict)
    allowed_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required_by_value: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    distinct_from: dict[str, str] = field(default_factory=dict)
