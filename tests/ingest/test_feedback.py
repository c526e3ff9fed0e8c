"""The feedback file loads with the ingest rules: allowed types, a subject per type, a ledger."""

from pathlib import Path

import duckdb

from ingest import load_source
from tests.ingest.conftest import assert_accounting, scalar, write

HEADER = (
    "feedback_id,submitted_at,submitted_by,feedback_type,person_email,deal_id,account_domain,"
    "comment\n"
)
GOOD = (
    "F1,2025-03-01T10:00:00Z,ae@vendor.example,score_wrong,jane@acme.io,,acme.io,too low\n"
    "F2,2025-03-02T10:00:00Z,ae@vendor.example,Deal_Community_Influenced,,D9,,met at meetup\n"
    "F3,2025-03-03T10:00:00Z,csm@vendor.example,score_right,bob@acme.io,,,\n"
)
BAD = (
    "F4,2025-03-04T10:00:00Z,ae@vendor.example,score_bad,jane@acme.io,,,typo in type\n"
    "F5,2025-03-05T10:00:00Z,ae@vendor.example,score_wrong,,,acme.io,no email\n"
    "F6,2025-03-06T10:00:00Z,ae@vendor.example,deal_not_influenced,x@acme.io,,,no deal id\n"
    "F7,not a date,ae@vendor.example,score_right,bob@acme.io,,,\n"
    "F8,2025-03-08T10:00:00Z,,score_right,bob@acme.io,,,no submitter\n"
)


def _rejections(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select _file, _row_number, field, value, reason from quarantine.rejected_rows "
        "order by _row_number"
    ).fetchall()


def test_feedback_rows_load(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "feedback" / "feedback_2025-03.csv", HEADER + GOOD)

    [report] = load_source(con, landing, "feedback")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (3, 3, 0)
    types = con.execute(
        "select feedback_type from raw.feedback_submissions order by feedback_id"
    ).fetchall()
    assert types == [("score_wrong",), ("Deal_Community_Influenced",), ("score_right",)]
    assert_accounting(con)


def test_bad_feedback_rows_are_quarantined_with_reasons(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "feedback" / "feedback.csv", HEADER + GOOD + BAD)

    [report] = load_source(con, landing, "feedback")

    assert (report.rows_loaded, report.rows_quarantined) == (3, 5)
    assert _rejections(con) == [
        (
            "feedback/feedback.csv",
            4,
            "feedback_type",
            "score_bad",
            "value not allowed, expected one of score_wrong, score_right, "
            "deal_community_influenced, deal_not_influenced",
        ),
        (
            "feedback/feedback.csv",
            5,
            "person_email",
            None,
            "missing field required when feedback_type is score_wrong",
        ),
        (
            "feedback/feedback.csv",
            6,
            "deal_id",
            None,
            "missing field required when feedback_type is deal_not_influenced",
        ),
        (
            "feedback/feedback.csv",
            7,
            "submitted_at",
            "not a date",
            "invalid time stamp, expected ISO 8601",
        ),
        ("feedback/feedback.csv", 8, "submitted_by", None, "missing required field"),
    ]
    assert_accounting(con)


def test_file_without_subject_column_quarantines_on_type(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(
        landing / "feedback" / "deals_only.csv",
        "feedback_id,submitted_at,submitted_by,feedback_type,deal_id\n"
        "F1,2025-03-01T10:00:00Z,ae,deal_not_influenced,D1\n"
        "F2,2025-03-01T10:00:00Z,ae,score_wrong,\n",
    )

    [report] = load_source(con, landing, "feedback")

    assert report.rows_quarantined == 1
    assert _rejections(con) == [
        (
            "feedback/deals_only.csv",
            2,
            "feedback_type",
            "score_wrong",
            "missing column person_email, required when feedback_type is score_wrong",
        )
    ]


def test_feedback_reload_is_idempotent(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "feedback" / "feedback.csv", HEADER + GOOD + BAD)
    load_source(con, landing, "feedback")

    [report] = load_source(con, landing, "feedback")

    assert (report.files_loaded, report.files_skipped) == (0, 1)
    assert scalar(con, "select count(*) from raw.feedback_submissions") == 3
    assert scalar(con, "select count(*) from quarantine.rejected_rows") == 5


def test_feedback_unmatched_files_warn(
    con: duckdb.DuckDBPyConnection, landing: Path, caplog
) -> None:
    # The sensor starts a review for any file in the folder, so the loader must log which
    # files it skipped rather than pass over them silently.
    write(landing / "feedback" / "feedback.csv", HEADER + GOOD)
    write(landing / "feedback" / "MORE.CSV", HEADER + GOOD.replace("F", "G"))
    write(landing / "feedback" / "later" / "more.csv", HEADER + GOOD.replace("F", "H"))

    with caplog.at_level("WARNING", logger="ingest"):
        [report] = load_source(con, landing, "feedback")

    assert report.rows_loaded == 3
    warnings = " ".join(record.getMessage() for record in caplog.records)
    assert "feedback/MORE.CSV" in warnings
    assert "feedback/later/more.csv" in warnings
    assert "feedback/feedback.csv" not in warnings
