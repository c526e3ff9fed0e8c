"""Readers that turn one JSON or XML export file into rows of text fields.

Each reader returns `ParsedRows`, one entry per record. An entry has the record's text, its
position in the file and its fields as text. It also has a problem when the record itself is
unusable, for example a JSON Lines line that is not JSON. A file that cannot be parsed at all raises
`InputFileError`. CSV files do not pass through here: DuckDB reads them directly.
"""

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from ingest.files import SourceFile
from ml.errors import InputFileError

SLACK_USER_FIELDS = (
    "id", "team_id", "name", "real_name", "display_name", "email", "title", "is_bot", "deleted",
    "tz",
)  # fmt: skip
SLACK_CHANNEL_FIELDS = ("id", "name", "created", "creator", "purpose")
SLACK_MESSAGE_FIELDS = (
    "channel_name", "ts", "user", "type", "subtype", "text", "thread_ts", "parent_user_id",
    "reply_count", "reaction_count",
)  # fmt: skip
DISCOURSE_USER_FIELDS = ("id", "username", "name", "email", "created_at", "last_seen_at")
DISCOURSE_POST_FIELDS = (
    "id", "username", "name", "created_at", "topic_id", "topic_title", "post_number",
    "reply_to_post_number", "category_id", "raw",
)  # fmt: skip
DISCORD_MESSAGE_FIELDS = (
    "guild_id", "guild_name", "channel_id", "channel_name", "id", "type", "timestamp",
    "author_id", "author_name", "author_nickname", "author_is_bot", "content",
    "reply_to_message_id", "reaction_count",
)  # fmt: skip
GITHUB_EVENT_FIELDS = (
    "event", "action", "delivery_id", "delivered_at", "sender_id", "sender_login",
    "repository_full_name", "number", "created_at",
)  # fmt: skip

# Paths to the time of the action in a webhook payload, tried in order. A star has
# `starred_at`, and comments, discussion answers and forks carry the new object's `created_at`.
GITHUB_TIME_PATHS = (
    ("starred_at",),
    ("comment", "created_at"),
    ("answer", "created_at"),
    ("forkee", "created_at"),
    ("release", "published_at"),
    ("sponsorship", "created_at"),
    ("head_commit", "timestamp"),
)
GITHUB_SUBJECTS = ("pull_request", "issue", "discussion")


@dataclass
class ParsedRows:
    """Rows parsed from one file, column by column, ready to become an Arrow table."""

    fields: tuple[str, ...]
    values: dict[str, list[str | None]] = field(default_factory=dict)
    records: list[str] = field(default_factory=list)
    problems: list[str | None] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in self.fields:
            self.values.setdefault(name, [])

    def add(
        self, row_number: int, record: str, values: Mapping[str, Any], problem: str = ""
    ) -> None:
        """Append one record, converting every field value to text."""
        for name in self.fields:
            self.values[name].append(to_text(values.get(name)))
        self.records.append(record)
        self.problems.append(problem or None)
        self.row_numbers.append(row_number)

    def __len__(self) -> int:
        return len(self.records)

    def to_arrow(self) -> pa.Table:
        """Build the Arrow table, adding `_record_hash` as the SHA-256 of `_record`."""
        hashes = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in self.records]
        arrays = {name: pa.array(column, type=pa.string()) for name, column in self.values.items()}
        arrays["_record"] = pa.array(self.records, type=pa.string())
        arrays["_problem"] = pa.array(self.problems, type=pa.string())
        arrays["_row_number"] = pa.array(self.row_numbers, type=pa.int64())
        arrays["_record_hash"] = pa.array(hashes, type=pa.string())
        return pa.table(arrays)


def to_text(value: Any) -> str | None:
    """Write a JSON value as text the way JSON writes it (`true`, `1.5`, nested objects)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _dig(record: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(record, Mapping):
            return None
        record = record.get(key)
    return record


def _load_json(source_file: SourceFile) -> Any:
    text = source_file.read_bytes().decode("utf-8-sig")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            source_file.rel_path,
            f"invalid JSON at line {error.lineno} column {error.colno} ({error.msg}); "
            "the file is truncated or is not JSON. Export it again",
            row=error.lineno,
        ) from error
    except RecursionError as error:
        raise InputFileError(
            source_file.rel_path,
            "JSON nested too deeply to read (deeper than Python's recursion limit). "
            "Check that the file is an export of this source",
        ) from error


def _records_at(
    source_file: SourceFile, document: Any, keys: Iterable[tuple[str, ...]]
) -> list[Any]:
    """Return the record list of a document that is a list or keeps one under a known key."""
    if isinstance(document, list):
        return document
    for path in keys:
        found = _dig(document, *path)
        if isinstance(found, list):
            return found
        if isinstance(found, Mapping) and len(path) == 1 and path[0] == "user":
            return [found]
    expected = " or ".join(".".join(path) for path in keys)
    raise InputFileError(
        source_file.rel_path,
        f"expected a JSON list of records or an object with a list under {expected}",
        row=1,
        field=expected,
    )


# NOTE: `_record` of a record from a JSON list is the record written back by `json.dumps`,
# not the bytes of the file: spacing, escapes and float spellings (`1e3`, `1.50`) may differ.
def _add_records(
    rows: ParsedRows,
    records: list[Any],
    extract: Callable[[Mapping[str, Any]], Mapping[str, Any]],
) -> ParsedRows:
    for position, record in enumerate(records, start=1):
        text = json.dumps(record, ensure_ascii=False)
        if not isinstance(record, Mapping):
            rows.add(
                position, text, {}, f"record is a JSON {type(record).__name__}, expected an object"
            )
            continue
        rows.add(position, text, extract(record))
    return rows


def read_slack_users(source_file: SourceFile) -> ParsedRows:
    """Read a Slack export's `users.json`, lifting profile fields to columns."""
    records = _records_at(source_file, _load_json(source_file), ())

    def extract(user: Mapping[str, Any]) -> Mapping[str, Any]:
        profile = user.get("profile") or {}
        return {
            **user,
            "real_name": user.get("real_name") or _dig(profile, "real_name"),
            "display_name": _dig(profile, "display_name"),
            "email": _dig(profile, "email"),
            "title": _dig(profile, "title"),
        }

    return _add_records(ParsedRows(SLACK_USER_FIELDS), records, extract)


def read_slack_channels(source_file: SourceFile) -> ParsedRows:
    """Read a Slack export's `channels.json`, keeping only the text of `purpose`."""
    records = _records_at(source_file, _load_json(source_file), ())

    def extract(channel: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**channel, "purpose": _dig(channel, "purpose", "value")}

    return _add_records(ParsedRows(SLACK_CHANNEL_FIELDS), records, extract)


def read_slack_messages(source_file: SourceFile) -> ParsedRows:
    """Read one channel-day file of a Slack export, taking the channel from the folder name."""
    records = _records_at(source_file, _load_json(source_file), ())
    channel_name = PurePosixPath(source_file.rel_path).parent.name

    def extract(message: Mapping[str, Any]) -> Mapping[str, Any]:
        reactions = message.get("reactions") or []
        counts = [r.get("count", 0) for r in reactions if isinstance(r, Mapping)]
        return {
            **message,
            "channel_name": channel_name,
            "reaction_count": sum(c for c in counts if isinstance(c, int)),
        }

    return _add_records(ParsedRows(SLACK_MESSAGE_FIELDS), records, extract)


def read_discourse_users(source_file: SourceFile) -> ParsedRows:
    """Read Discourse user lists (`/admin/users/list/*.json`, `{"users": [...]}` or one user)."""
    document = _load_json(source_file)
    records = _records_at(source_file, document, (("users",), ("members",), ("user",)))
    return _add_records(ParsedRows(DISCOURSE_USER_FIELDS), records, dict)


def read_discourse_posts(source_file: SourceFile) -> ParsedRows:
    """Read Discourse posts (`/posts.json` or a topic's `post_stream`)."""
    document = _load_json(source_file)
    records = _records_at(source_file, document, (("latest_posts",), ("post_stream", "posts")))
    return _add_records(ParsedRows(DISCOURSE_POST_FIELDS), records, dict)


def read_discord_messages(source_file: SourceFile) -> ParsedRows:
    """Read one DiscordChatExporter JSON file (one channel), with guild and channel on each row."""
    document = _load_json(source_file)
    records = _records_at(source_file, document, (("messages",),))
    guild = _dig(document, "guild") or {}
    channel = _dig(document, "channel") or {}

    def extract(message: Mapping[str, Any]) -> Mapping[str, Any]:
        reactions = message.get("reactions") or []
        counts = [r.get("count", 0) for r in reactions if isinstance(r, Mapping)]
        return {
            **message,
            "guild_id": _dig(guild, "id"),
            "guild_name": _dig(guild, "name"),
            "channel_id": _dig(channel, "id"),
            "channel_name": _dig(channel, "name"),
            "author_id": _dig(message, "author", "id"),
            "author_name": _dig(message, "author", "name"),
            "author_nickname": _dig(message, "author", "nickname"),
            "author_is_bot": _dig(message, "author", "isBot"),
            "reply_to_message_id": _dig(message, "reference", "messageId"),
            "reaction_count": sum(c for c in counts if isinstance(c, int)),
        }

    return _add_records(ParsedRows(DISCORD_MESSAGE_FIELDS), records, extract)


def github_event_fields(event: str | None, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Pick the fields of `raw.github_events` out of one webhook payload."""
    action = payload.get("action")
    created_at = None
    for path in GITHUB_TIME_PATHS:
        created_at = _dig(payload, *path)
        if created_at is not None:
            break
    number = payload.get("number")
    for subject in GITHUB_SUBJECTS:
        if created_at is None:
            stamp = "closed_at" if action == "closed" else "created_at"
            created_at = _dig(payload, subject, stamp)
        if number is None:
            number = _dig(payload, subject, "number")
    return {
        "event": event,
        "action": action,
        "sender_id": _dig(payload, "sender", "id"),
        "sender_login": _dig(payload, "sender", "login"),
        "repository_full_name": _dig(payload, "repository", "full_name"),
        "number": number,
        "created_at": created_at,
    }


def read_github_deliveries(source_file: SourceFile) -> ParsedRows:
    """Read JSON Lines of webhook deliveries, marking a line that is not JSON as unusable."""
    rows = ParsedRows(GITHUB_EVENT_FIELDS)
    text = source_file.read_bytes().decode("utf-8-sig")
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            delivery = json.loads(line)
        except json.JSONDecodeError as error:
            rows.add(line_number, line, {}, f"invalid JSON at column {error.colno} ({error.msg})")
            continue
        except RecursionError:
            rows.add(line_number, line, {}, "JSON nested too deeply to read")
            continue
        if not isinstance(delivery, Mapping):
            rows.add(line_number, line, {}, "line is not a JSON object")
            continue
        payload = delivery.get("payload")
        values = github_event_fields(
            delivery.get("event"), payload if isinstance(payload, Mapping) else {}
        )
        values["delivery_id"] = delivery.get("delivery_id")
        values["delivered_at"] = delivery.get("delivered_at")
        rows.add(line_number, line, values)
    return rows


def read_github_payload(source_file: SourceFile) -> ParsedRows:
    """Read one webhook payload saved as `<event>/<name>.json`, taking the event from the folder."""
    rows = ParsedRows(GITHUB_EVENT_FIELDS)
    payload = _load_json(source_file)
    record = source_file.read_bytes().decode("utf-8-sig")
    event = PurePosixPath(source_file.rel_path).parent.name
    if not isinstance(payload, Mapping):
        rows.add(1, record, {}, "payload is not a JSON object")
        return rows
    rows.add(1, record, github_event_fields(event, payload))
    return rows


def read_stackexchange_rows(source_file: SourceFile) -> ParsedRows:
    """Read a Stack Exchange dump table (`<row Attr="..."/>` elements) without its DTD.

    ElementTree's expat parser does not fetch the external DTD that some copies declare.
    """
    records: list[tuple[int, str, dict[str, str]]] = []
    names: dict[str, None] = {}
    parser = ET.XMLPullParser(events=("end",))
    try:
        for chunk in source_file.iter_chunks():
            parser.feed(chunk)
            _collect_rows(parser, records, names)
        parser.close()
        _collect_rows(parser, records, names)
    except ET.ParseError as error:
        line, column = error.position
        raise InputFileError(
            source_file.rel_path,
            f"invalid XML at line {line} column {column} ({error}); the file is truncated or "
            "is not a Stack Exchange dump table",
            row=line,
        ) from error
    rows = ParsedRows(tuple(names))
    for position, text, attributes in records:
        rows.add(position, text, attributes)
    return rows


def _collect_rows(
    parser: ET.XMLPullParser, records: list[tuple[int, str, dict[str, str]]], names: dict[str, None]
) -> None:
    for event in parser.read_events():
        element = event[-1]
        if not isinstance(element, ET.Element) or element.tag != "row":
            continue
        names.update(dict.fromkeys(element.attrib))
        text = ET.tostring(element, encoding="unicode").strip()
        records.append((len(records) + 1, text, dict(element.attrib)))
        element.clear()


READERS: dict[str, Callable[[SourceFile], ParsedRows]] = {
    "slack_users": read_slack_users,
    "slack_channels": read_slack_channels,
    "slack_messages": read_slack_messages,
    "discourse_users": read_discourse_users,
    "discourse_posts": read_discourse_posts,
    "discord_messages": read_discord_messages,
    "github_deliveries": read_github_deliveries,
    "github_payload": read_github_payload,
    "stackexchange_rows": read_stackexchange_rows,
}
