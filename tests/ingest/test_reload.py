"""Reloading: same files change nothing, changed files replace their rows, new files add."""

import json
import os
import zipfile
from pathlib import Path

import duckdb
import pytest

from ingest import load_source
from ml.errors import ConfigurationError, InputFileError
from tests.ingest.conftest import DATA_DIR, assert_accounting, copy_sample, scalar, write

HEADER = "session_id,started_at,pageviews\n"


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(con, f"select count(*) from {table}"))  # type: ignore[arg-type]


def test_reload_of_same_files_changes_nothing(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    copy_sample(landing, "slack")
    load_source(con, landing, "slack")
    before = con.execute("select * from raw.slack_messages order by _file, _row_number").fetchall()
    ledger = con.execute("select * from raw.load_ledger order by all").fetchall()

    reports = load_source(con, landing, "slack")

    assert [report.files_loaded for report in reports] == [0, 0, 0]
    assert [report.files_skipped for report in reports] == [1, 1, 6]
    assert (
        con.execute("select * from raw.slack_messages order by _file, _row_number").fetchall()
        == before
    )
    assert con.execute("select * from raw.load_ledger order by all").fetchall() == ledger


def test_reload_keeps_blank_line_counts(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    path = write(
        landing / "web" / "sessions.csv",
        HEADER + "s1,2024-01-01T10:00:00Z,1\n\ns2,2024-01-01T11:00:00Z,2\n",
    )
    load_source(con, landing, "web")
    quarantine = "select _file, field, value, reason from quarantine.rejected_rows order by all"
    first = con.execute(quarantine).fetchall()

    [again] = load_source(con, landing, "web")

    assert (again.files_loaded, again.files_skipped) == (0, 1)
    assert con.execute(quarantine).fetchall() == first
    assert first == [("web/sessions.csv", "_line", "3", "blank line")]

    # A changed file replaces its blank-line rows as it replaces its data rows.
    path.write_text(HEADER + "s1,2024-01-01T10:00:00Z,1\ns2,2024-01-01T11:00:00Z,2\n\n\n")
    [changed] = load_source(con, landing, "web")

    assert (changed.rows_in, changed.rows_loaded, changed.rows_quarantined) == (4, 2, 2)
    assert con.execute(quarantine).fetchall() == [
        ("web/sessions.csv", "_line", "4", "blank line"),
        ("web/sessions.csv", "_line", "5", "blank line"),
    ]
    ledger = con.execute("select rows_in, rows_loaded, rows_quarantined from raw.load_ledger")
    assert ledger.fetchall() == [(4, 2, 2)]
    assert_accounting(con)


def test_changed_file_replaces_its_rows(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    path = write(landing / "web" / "sessions.csv", HEADER + "s1,2024-01-01T10:00:00Z,1\ns2,bad,1\n")
    write(landing / "web" / "sessions_old.csv", HEADER + "s0,2023-01-01T10:00:00Z,4\n")
    load_source(con, landing, "web")

    path.write_text(
        HEADER + "s1,2024-01-01T10:00:00Z,5\ns3,2024-01-03T10:00:00Z,1\ns4,2024-01-04T10:00:00Z,1\n"
    )
    [report] = load_source(con, landing, "web")
    rows = con.execute(
        "select session_id, pageviews, _file from raw.web_sessions order by session_id"
    ).fetchall()

    assert (report.files_loaded, report.files_skipped) == (1, 1)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (3, 3, 0)
    assert rows == [
        ("s0", "4", "web/sessions_old.csv"),
        ("s1", "5", "web/sessions.csv"),
        ("s3", "1", "web/sessions.csv"),
        ("s4", "1", "web/sessions.csv"),
    ]
    assert _count(con, "quarantine.rejected_rows") == 0
    assert _count(con, "raw.load_ledger") == 2
    assert_accounting(con)


def test_new_file_loads_incrementally(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "web" / "sessions_1.csv", HEADER + "s1,2024-01-01T10:00:00Z,1\n")
    load_source(con, landing, "web")
    first_loaded_at = scalar(con, "select _loaded_at from raw.web_sessions where session_id = 's1'")

    write(
        landing / "web" / "sessions_2.csv",
        "session_id,started_at,pageviews,utm_medium\ns2,2024-01-02T10:00:00Z,2,email\n",
    )
    [report] = load_source(con, landing, "web")

    assert (report.files_seen, report.files_loaded, report.files_skipped) == (2, 1, 1)
    assert report.rows_loaded == 1
    assert (
        scalar(con, "select _loaded_at from raw.web_sessions where session_id = 's1'")
        == first_loaded_at
    )
    assert scalar(con, "select utm_medium from raw.web_sessions where session_id = 's2'") == "email"
    assert scalar(con, "select utm_medium from raw.web_sessions where session_id = 's1'") is None
    assert_accounting(con)


def test_failed_file_keeps_earlier_loads(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "web" / "sessions_1.csv", HEADER + "s1,2024-01-01T10:00:00Z,1\n")
    load_source(con, landing, "web")
    write(landing / "web" / "sessions_2.csv", HEADER + "s2,2024-01-01T10:00:00Z,1\n")
    write(landing / "web" / "sessions_3.csv", "session_id,pageviews\ns3,1\n")

    with pytest.raises(InputFileError):
        load_source(con, landing, "web")

    assert [
        row[0] for row in con.execute("select session_id from raw.web_sessions").fetchall()
    ] == ["s1"]
    assert _count(con, "raw.load_ledger") == 1


def test_copied_file_under_new_name_is_skipped(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "web" / "sessions_1.csv", HEADER + "s1,2024-01-01T10:00:00Z,1\n")
    write(landing / "web" / "sessions_copy.csv", HEADER + "s1,2024-01-01T10:00:00Z,1\n")

    [report] = load_source(con, landing, "web")

    assert (report.files_loaded, report.files_skipped) == (1, 1)
    assert report.rows_loaded == 1


def test_slack_zip_export_loads_like_folder(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    (landing / "slack").mkdir()
    with zipfile.ZipFile(landing / "slack" / "export.zip", "w") as archive:
        for path in sorted((DATA_DIR / "slack").rglob("*.json")):
            archive.write(path, path.relative_to(DATA_DIR / "slack").as_posix())
    day_files = sorted((DATA_DIR / "slack").glob("*/*.json"))
    expected = sum(len(json.loads(path.read_text())) for path in day_files)

    reports = {report.table: report for report in load_source(con, landing, "slack")}
    channel = scalar(
        con,
        "select channel_name from raw.slack_messages "
        "where _file = 'slack/export.zip/enrique/2016-01-14.json' limit 1",
    )

    assert reports["slack_users"].rows_loaded == 4
    assert reports["slack_messages"].rows_loaded == expected
    assert channel == "enrique"
    assert_accounting(con)


def test_slack_threads_and_reactions_are_lifted(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    messages = [
        {
            "type": "message",
            "user": "U1",
            "text": "How do I connect the warehouse?",
            "ts": "1700000000.000100",
            "thread_ts": "1700000000.000100",
            "reply_count": 1,
            "replies": [{"user": "U2", "ts": "1700000060.000200"}],
            "reactions": [
                {"name": "eyes", "users": ["U2", "U3"], "count": 2},
                {"name": "+1", "users": ["U4"], "count": 1},
            ],
        },
        {
            "type": "message",
            "user": "U2",
            "text": "Set CRM_DUCKDB_PATH.",
            "ts": "1700000060.000200",
            "thread_ts": "1700000000.000100",
            "parent_user_id": "U1",
        },
    ]
    write(landing / "slack" / "help" / "2023-11-14.json", json.dumps(messages))

    load_source(con, landing, "slack")
    rows = con.execute(
        "select ts, thread_ts, parent_user_id, reply_count, reaction_count "
        "from raw.slack_messages order by _row_number"
    ).fetchall()

    assert rows == [
        ("1700000000.000100", "1700000000.000100", None, "1", "3"),
        ("1700000060.000200", "1700000000.000100", "U1", None, "0"),
    ]


def test_hidden_files_are_ignored(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "web" / "sessions.csv", HEADER + "s1,2024-01-01T10:00:00Z,1\n")
    write(landing / "web" / ".partial" / "sessions.csv", "garbage")
    os.utime(landing / "web" / "sessions.csv")

    [report] = load_source(con, landing, "web")

    assert report.files_seen == 1


def test_absent_source_folder_reports_nothing_loaded(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    reports = load_source(con, landing, "hubspot")

    assert [report.table for report in reports] == [
        "hubspot_contacts",
        "hubspot_companies",
        "hubspot_deals",
        "hubspot_deal_contacts",
        "hubspot_deal_companies",
    ]
    assert all(not report.source_present for report in reports)
    assert all(report.rows_in == 0 for report in reports)


def test_unknown_source_is_rejected(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown source 'slak'"):
        load_source(con, landing, "slak")


def test_csv_row_numbers_follow_file_order(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    # More rows than one DuckDB row group (122,880), in two files, so numbering must follow
    # each file's order across row groups.
    rows = 130_000
    for part in ("a", "b"):
        lines = "".join(f"{part}{n},2024-01-01T00:00:00Z,1\n" for n in range(rows))
        write(landing / "web" / f"sessions_{part}.csv", HEADER + lines)

    [report] = load_source(con, landing, "web")
    misplaced = scalar(
        con,
        "select count(*) from raw.web_sessions "
        "where session_id <> right(_file, 5)[1] || (_row_number - 1)",
    )

    assert report.rows_loaded == 2 * rows
    assert misplaced == 0


def test_copy_of_replaced_content_loads_in_same_run(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    first = "signup_id,email,full_name,signed_up_at\np1,a@x.io,Ada,2024-01-01T00:00:00Z\n"
    changed = "signup_id,email,full_name,signed_up_at\np9,z@x.io,Zoe,2024-02-01T00:00:00Z\n"
    write(landing / "product" / "signups.csv", first)
    write(landing / "product" / "signups_copy.csv", first)
    load_source(con, landing, "product")
    write(landing / "product" / "signups.csv", changed)

    load_source(con, landing, "product")
    after_change = con.execute("select count(*) from raw.load_ledger").fetchone()
    load_source(con, landing, "product")
    after_rerun = con.execute("select count(*) from raw.load_ledger").fetchone()
    ids = con.execute("select signup_id from raw.product_signups order by signup_id").fetchall()

    assert after_change == (2,)
    assert after_rerun == (2,)
    assert ids == [("p1",), ("p9",)]
