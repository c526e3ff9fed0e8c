"""Review decisions load with the ingest rules: two distinct record ids and a known decision."""

from pathlib import Path

import duckdb

from ingest import load_source
from ingest.registry import IDENTITY_REVIEW_DECISIONS
from ml.identity.overrides import DECISIONS
from tests.ingest.conftest import assert_accounting, scalar, write

HEADER = "record_id_l,record_id_r,decision,reason,decided_by\n"
GOOD = (
    "hubspot:1,slack:U1,must_link,same email domain and name,ana\n"
    "events:r1,product:s1,Cannot_Link ,two people named Bob,ana\n"
    "github:jd,discourse:7,must_link,,\n"
)
BAD = (
    "hubspot:2,slack:U2,maybe,unsure,ana\n"
    "hubspot:3,,must_link,,ana\n"
    "slack:U4, slack:U4 ,cannot_link,copied twice,ana\n"
    "hubspot:1,slack:U1,cannot_link,second thoughts,ana\n"
    ",slack:U5,,,\n"
)


def _rejections(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select _file, _row_number, field, value, reason from quarantine.rejected_rows "
        "order by _file, _row_number"
    ).fetchall()


def test_review_decisions_load(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "identity_reviews" / "decisions_2026-12-05.csv", HEADER + GOOD)

    [report] = load_source(con, landing, "identity_reviews")

    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (3, 3, 0)
    rows = con.execute(
        "select record_id_l, record_id_r, decision, _row_number "
        "from raw.identity_review_decisions order by _row_number"
    ).fetchall()
    # Raw keeps the values as written; the identity run lower-cases the decision.
    assert rows[1] == ("events:r1", "product:s1", "Cannot_Link ", 2)
    assert_accounting(con)


def test_bad_review_decisions_are_quarantined_with_reasons(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "identity_reviews" / "decisions.csv", HEADER + GOOD + BAD)

    [report] = load_source(con, landing, "identity_reviews")

    assert (report.rows_loaded, report.rows_quarantined) == (3, 5)
    assert _rejections(con) == [
        (
            "identity_reviews/decisions.csv",
            4,
            "decision",
            "maybe",
            "value not allowed, expected one of must_link, cannot_link",
        ),
        ("identity_reviews/decisions.csv", 5, "record_id_r", None, "missing required field"),
        (
            "identity_reviews/decisions.csv",
            6,
            "record_id_r",
            " slack:U4 ",
            "same value as record_id_l, expected a different one",
        ),
        (
            "identity_reviews/decisions.csv",
            7,
            "record_id_l, record_id_r",
            "hubspot:1|slack:U1",
            "duplicate key, first seen in identity_reviews/decisions.csv row 1",
        ),
        ("identity_reviews/decisions.csv", 8, "record_id_l", None, "missing required field"),
    ]
    assert_accounting(con)


def test_second_file_cannot_repeat_a_pair(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    # A decision is changed by editing its file. A later file that names the same pair in
    # the same order is quarantined, so the first decision stays in effect.
    write(landing / "identity_reviews" / "a.csv", HEADER + GOOD)
    write(landing / "identity_reviews" / "b.csv", HEADER + "hubspot:1,slack:U1,cannot_link,,bo\n")

    [report] = load_source(con, landing, "identity_reviews")

    assert (report.rows_loaded, report.rows_quarantined) == (3, 1)
    [(path, row, field, _, reason)] = _rejections(con)
    assert (path, row, field) == ("identity_reviews/b.csv", 1, "record_id_l, record_id_r")
    assert "first seen in identity_reviews/a.csv row 1" in reason


def test_review_decisions_reload_is_idempotent(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "identity_reviews" / "decisions.csv", HEADER + GOOD + BAD)
    load_source(con, landing, "identity_reviews")

    [report] = load_source(con, landing, "identity_reviews")

    assert (report.files_loaded, report.files_skipped) == (0, 1)
    assert scalar(con, "select count(*) from raw.identity_review_decisions") == 3
    assert scalar(con, "select count(*) from quarantine.rejected_rows") == 5


def test_edited_file_replaces_its_decisions(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    path = write(landing / "identity_reviews" / "decisions.csv", HEADER + GOOD)
    load_source(con, landing, "identity_reviews")
    write(
        path,
        HEADER + GOOD.replace("hubspot:1,slack:U1,must_link", "hubspot:1,slack:U1,cannot_link"),
    )

    load_source(con, landing, "identity_reviews")

    decisions = con.execute(
        "select decision from raw.identity_review_decisions where record_id_l = 'hubspot:1'"
    ).fetchall()
    assert decisions == [("cannot_link",)]
    assert_accounting(con)


def test_loader_decisions_match_identity_overrides() -> None:
    assert set(IDENTITY_REVIEW_DECISIONS) == DECISIONS
