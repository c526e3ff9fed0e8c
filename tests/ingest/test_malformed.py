"""Malformed inputs: bad rows go to quarantine with their reason, unreadable files fail whole."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest import load_source
from ml.errors import InputFileError
from tests.ingest.conftest import assert_accounting, scalar, write

SESSIONS_HEADER = "session_id,started_at,pageviews,user_email\n"


def _rejections(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select _file, _row_number, field, value, reason from quarantine.rejected_rows "
        "order by _file, _row_number"
    ).fetchall()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_csv_missing_required_field_is_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(
        landing / "web" / "sessions.csv",
        SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,2,\n,2024-01-01T11:00:00Z,1,\n",
    )

    [report] = load_source(con, landing, "web")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert _rejections(con) == [
        ("web/sessions.csv", 2, "session_id", None, "missing required field")
    ]
    assert_accounting(con)


def test_csv_blank_lines_are_quarantined(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    # Line 3 and the last line are empty; the empty line inside the quoted note on lines 5
    # to 7 is part of the field.
    write(
        landing / "web" / "sessions.csv",
        "session_id,started_at,note\n"
        "s1,2024-01-01T10:00:00Z,a\n"
        "\n"
        "s2,2024-01-01T11:00:00Z,b\n"
        's3,2024-01-01T12:00:00Z,"first\n\nthird"\n'
        "\n",
    )

    [report] = load_source(con, landing, "web")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (5, 3, 2)
    assert _rejections(con) == [
        ("web/sessions.csv", None, "_line", "3", "blank line"),
        ("web/sessions.csv", None, "_line", "8", "blank line"),
    ]
    assert report.quarantine_reasons == ["_line: blank line"]
    notes = con.execute("select note from raw.web_sessions order by _row_number").fetchall()
    assert notes == [("a",), ("b",), ("first\n\nthird",)]
    assert_accounting(con)


def test_csv_crlf_blank_line_is_quarantined(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(
        landing / "web" / "sessions.csv",
        b"session_id,started_at\r\ns1,2024-01-01T10:00:00Z\r\n\r\ns2,2024-01-01T11:00:00Z\r\n",
    )

    [report] = load_source(con, landing, "web")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert _rejections(con) == [("web/sessions.csv", None, "_line", "3", "blank line")]
    assert_accounting(con)


def test_csv_invalid_time_stamp_is_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(
        landing / "web" / "sessions.csv",
        SESSIONS_HEADER + "s1,yesterday,2,\ns2,2024-02-30T10:00:00Z,1,\n",
    )

    [report] = load_source(con, landing, "web")

    assert report.rows_quarantined == 2
    assert [row[2:4] for row in _rejections(con)] == [
        ("started_at", "yesterday"),
        ("started_at", "2024-02-30T10:00:00Z"),
    ]
    assert _rejections(con)[0][4] == "invalid time stamp, expected ISO 8601"
    assert_accounting(con)


def test_csv_mixed_offsets_load_as_text(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    stamps = [
        "2024-01-01T10:00:00+02:00",
        "2024-01-01T08:00:00Z",
        "2024-01-01 08:00:00",
        "2024-01-01T03:00:00-0500",
    ]
    rows = "".join(f"s{n},{stamp},1,\n" for n, stamp in enumerate(stamps))
    write(landing / "web" / "sessions.csv", SESSIONS_HEADER + rows)

    [report] = load_source(con, landing, "web")
    loaded = [
        row[0]
        for row in con.execute(
            "select started_at from raw.web_sessions order by _row_number"
        ).fetchall()
    ]

    assert report.rows_loaded == 4
    assert loaded == stamps
    assert_accounting(con)


def test_csv_future_time_stamp_beyond_tolerance_is_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    now = datetime.now(UTC)
    soon, later = _iso(now + timedelta(hours=2)), _iso(now + timedelta(days=30))
    write(landing / "web" / "sessions.csv", SESSIONS_HEADER + f"s1,{soon},1,\ns2,{later},1,\n")

    [report] = load_source(con, landing, "web")

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert _rejections(con) == [
        ("web/sessions.csv", 2, "started_at", later, "time stamp lies in the future")
    ]
    assert_accounting(con)


def test_csv_duplicate_id_keeps_first_row(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(
        landing / "web" / "sessions.csv",
        SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,1,a@x.io\ns1,2024-01-02T10:00:00Z,2,b@x.io\n",
    )

    [report] = load_source(con, landing, "web")
    kept = scalar(con, "select user_email from raw.web_sessions where session_id = 's1'")

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert kept == "a@x.io"
    assert _rejections(con) == [
        (
            "web/sessions.csv",
            2,
            "session_id",
            "s1",
            "duplicate key, first seen in web/sessions.csv row 1",
        )
    ]
    assert_accounting(con)


def test_csv_duplicate_id_across_loads_is_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "web" / "sessions_a.csv", SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,1,\n")
    load_source(con, landing, "web")
    write(
        landing / "web" / "sessions_b.csv",
        SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,3,\ns2,2024-01-01T10:00:00Z,1,\n",
    )

    [report] = load_source(con, landing, "web")

    assert (report.files_loaded, report.files_skipped) == (1, 1)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert _rejections(con)[0][4] == "duplicate key, first seen in web/sessions_a.csv row 1"
    assert_accounting(con)


def test_csv_bad_numbers_and_booleans_are_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(
        landing / "web" / "sessions.csv",
        SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,three,\ns2,2024-01-01T10:00:00Z,-1,\n",
    )
    write(
        landing / "events" / "attendance.csv",
        "registration_id,event_id,registered_at,attended\nr1,e1,2024-01-01T10:00:00Z,maybe\nr2,e1,2024-01-01T10:00:00Z,TRUE\n",
    )

    [sessions] = load_source(con, landing, "web")
    attendance, _ = load_source(con, landing, "events")

    assert sessions.rows_quarantined == 2
    assert attendance.rows_quarantined == 1
    assert [row[2:] for row in _rejections(con)] == [
        ("attended", "maybe", "not a boolean, expected true or false"),
        ("pageviews", "three", "not a number"),
        ("pageviews", "-1", "negative value, expected zero or more"),
    ]
    assert_accounting(con)


@pytest.mark.parametrize("value", ["yes", "no", "Y", "n"])
def test_csv_yes_no_boolean_is_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path, value: str
) -> None:
    # DuckDB casts yes/no/y/n to booleans, but staging reads only true/false/t/f/1/0, so
    # such a value must go to quarantine instead of loading.
    write(
        landing / "events" / "attendance.csv",
        "registration_id,event_id,registered_at,attended\n"
        f"r1,e1,2024-01-01T10:00:00Z,{value}\nr2,e1,2024-01-01T10:00:00Z, T \n",
    )

    attendance, _ = load_source(con, landing, "events")

    assert attendance.rows_quarantined == 1
    assert _rejections(con) == [
        ("events/attendance.csv", 1, "attended", value, "not a boolean, expected true or false")
    ]
    assert_accounting(con)


def test_negative_amount_and_missing_currency_are_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(
        landing / "stripe" / "refund.csv",
        "id,charge_id,amount,currency,created\n"
        "re_1,ch_1,1500,usd,2024-01-01T10:00:00Z\n"
        "re_2,ch_2,-200,usd,2024-01-01T10:00:00Z\n"
        "re_3,ch_3,900,,2024-01-01T10:00:00Z\n",
    )

    reports = {report.table: report for report in load_source(con, landing, "stripe")}
    kept = con.execute("select amount, currency from raw.stripe_refunds").fetchall()

    assert reports["stripe_refunds"].rows_quarantined == 2
    assert kept == [("1500", "usd")]
    assert [row[1:] for row in _rejections(con)] == [
        (2, "amount", "-200", "negative value, expected zero or more"),
        (3, "amount", "900", "amount without currency in currency"),
    ]
    assert_accounting(con)


def test_json_non_object_record_quarantined(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    messages = [{"type": "message", "user": "U1", "text": "hi", "ts": "1700000000.000100"}, "oops"]
    write(landing / "slack" / "general" / "2023-11-14.json", json.dumps(messages))

    reports = {report.table: report for report in load_source(con, landing, "slack")}

    assert (reports["slack_messages"].rows_loaded, reports["slack_messages"].rows_quarantined) == (
        1,
        1,
    )
    assert _rejections(con) == [
        (
            "slack/general/2023-11-14.json",
            2,
            "_record",
            "record is a JSON str, expected an object",
            "unreadable record",
        )
    ]
    assert_accounting(con)


def test_slack_bad_and_future_epoch_ts_are_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    future = f"{(datetime.now(UTC) + timedelta(days=10)).timestamp():.6f}"
    messages = [
        {"type": "message", "user": "U1", "text": "a", "ts": "2023-11-14T10:00:00Z"},
        {"type": "message", "user": "U1", "text": "b", "ts": future},
        {"type": "message", "user": "U1", "text": "c"},
    ]
    write(landing / "slack" / "general" / "2023-11-14.json", json.dumps(messages))

    load_source(con, landing, "slack")

    assert [row[1:] for row in _rejections(con)] == [
        (1, "ts", "2023-11-14T10:00:00Z", "invalid time stamp, expected Unix epoch seconds"),
        (2, "ts", future, "time stamp lies in the future"),
        (3, "ts", None, "missing required field"),
    ]
    assert_accounting(con)


def test_jsonl_invalid_line_is_quarantined(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    good = json.dumps(
        {
            "event": "star",
            "delivery_id": "d1",
            "delivered_at": "2024-01-01T00:00:00Z",
            "payload": {"action": "created"},
        }
    )
    write(landing / "github" / "events.jsonl", good + '\n{"event": "fork", "delivery_id": "d2"\n')

    [report] = load_source(con, landing, "github")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    rejection = _rejections(con)[0]
    assert rejection[:3] == ("github/events.jsonl", 2, "_record")
    assert str(rejection[3]).startswith("invalid JSON at column")
    assert_accounting(con)


def test_jsonl_too_deep_line_is_quarantined(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    # A line nested deeper than the JSON parser's recursion limit raised RecursionError,
    # which stopped the load of the whole source instead of quarantining the line.
    good = json.dumps({"event": "star", "delivery_id": "d1", "payload": {"action": "created"}})
    deep = '{"event": "fork", "delivery_id": "d2", "payload": ' + '{"a": ' * 5000 + "1"
    deep += "}" * 5001
    write(landing / "github" / "events.jsonl", f"{good}\n{deep}\n")

    [report] = load_source(con, landing, "github")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    rejection = _rejections(con)[0]
    assert rejection[:3] == ("github/events.jsonl", 2, "_record")
    assert str(rejection[3]).startswith("JSON nested too deeply")
    assert_accounting(con)


def test_too_deep_json_fails_the_whole_source(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "slack" / "users.json", "[" * 5000 + "]" * 5000)

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "slack")

    assert raised.value.path == "slack/users.json"
    assert "JSON nested too deeply" in str(raised.value)
    _assert_nothing_written(con)


def _assert_nothing_written(con: duckdb.DuckDBPyConnection) -> None:
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'quarantine')"
    ).fetchall()
    assert tables == []


def test_truncated_json_fails_the_whole_source(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "slack" / "users.json", json.dumps([{"id": "U1", "name": "ada"}]))
    write(
        landing / "slack" / "general" / "2023-11-14.json",
        '[\n  {"type": "message",\n   "ts": "17000',
    )

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "slack")

    assert raised.value.path == "slack/general/2023-11-14.json"
    assert raised.value.row == 3
    assert "slack/general/2023-11-14.json, row 3" in str(raised.value)
    assert "invalid JSON at line 3" in str(raised.value)
    _assert_nothing_written(con)


def test_latin1_csv_is_rejected_with_row_and_field(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    text = (
        "signup_id,email,full_name,signed_up_at\n"
        "p1,a@x.io,Ada,2024-01-01T00:00:00Z\n"
        "p2,j@x.io,José,2024-01-01T00:00:00Z\n"
    )
    write(landing / "product" / "signups.csv", text.encode("latin-1"))

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "product")

    assert raised.value.path == "product/signups.csv"
    assert raised.value.row == 2
    assert raised.value.field == "full_name"
    assert "not valid UTF-8" in str(raised.value)
    assert "iconv" in str(raised.value)
    _assert_nothing_written(con)


def test_latin1_json_is_rejected_with_line(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(
        landing / "discourse" / "users.json",
        '[\n{"id": 1, "username": "jos\xe9"}\n]'.encode("latin-1"),
    )

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "discourse")

    assert raised.value.path == "discourse/users.json"
    assert raised.value.row == 2
    _assert_nothing_written(con)


def test_utf8_bom_csv_loads_with_clean_header(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    text = SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,1,zoë@x.io\n"
    write(landing / "web" / "sessions.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))

    [report] = load_source(con, landing, "web")
    row = con.execute("select session_id, user_email from raw.web_sessions").fetchone()

    assert report.rows_loaded == 1
    assert row == ("s1", "zoë@x.io")


def test_missing_required_column_fails_with_field(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "web" / "sessions.csv", "session_id,pageviews\ns1,1\n")

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "web")

    assert raised.value.path == "web/sessions.csv"
    assert raised.value.field == "started_at"
    assert "header (line 1) is missing required column 'started_at'" in str(raised.value)
    _assert_nothing_written(con)


def test_row_with_extra_fields_fails_with_row(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(
        landing / "web" / "sessions.csv",
        SESSIONS_HEADER + "s1,2024-01-01T10:00:00Z,1,\ns2,2024-01-01,1,a,b\n",
    )

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "web")

    assert raised.value.path == "web/sessions.csv"
    assert raised.value.row == 2
    assert "line 3 does not fit the header" in str(raised.value)
    _assert_nothing_written(con)


def test_empty_csv_fails(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "web" / "sessions.csv", "")

    with pytest.raises(InputFileError, match="the file is empty; expected a header row"):
        load_source(con, landing, "web")


def test_truncated_xml_fails_with_line(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!DOCTYPE users SYSTEM 'users.dtd'>\n"
        "<users>\n"
        '  <row Id="1" CreationDate="2011-10-11T18:16:00.230" />\n'
        '  <row Id="2" Crea'
    )
    write(landing / "stackexchange" / "Users.xml", text)

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "stackexchange")

    assert raised.value.path == "stackexchange/Users.xml"
    assert raised.value.row == 5
    _assert_nothing_written(con)


def test_discourse_posts_without_list_fails_with_field(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "discourse" / "posts.json", json.dumps({"topic_list": []}))

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "discourse")

    assert raised.value.field == "latest_posts or post_stream.posts"


def test_headerless_latin1_csv_names_no_field(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    # Line 1 is a data row, so its values are no column names: the error names no field.
    text = "p2,jose@x.io,José,2024-01-01T00:00:00Z\n"
    write(landing / "product" / "signups.csv", text.encode("latin-1"))

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "product")

    assert raised.value.row == 0
    assert raised.value.field is None
    assert "jose@x.io" not in str(raised.value)
    assert "Jos" not in str(raised.value)
    _assert_nothing_written(con)
