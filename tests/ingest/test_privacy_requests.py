"""Privacy requests load with a list of request types, so a typo is quarantined."""

from pathlib import Path

import duckdb

from ingest import load_source
from tests.ingest.conftest import assert_accounting, write

HEADER = "request_id,email,requested_at,request_type,status\n"
ROWS = (
    "ER1,jane@acme.io,2025-03-01T10:00:00Z,erasure,completed\n"
    "ER2,bob@acme.io,2025-03-02T10:00:00Z, Access ,completed\n"
    "ER3,kim@acme.io,2025-03-03T10:00:00Z,erasre,pending\n"
    "ER4,lee@acme.io,2025-03-04T10:00:00Z,,pending\n"
)


def test_unknown_request_type_is_quarantined(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing / "privacy" / "erasure_requests.csv", HEADER + ROWS)

    [report] = load_source(con, landing, "privacy")

    assert (report.rows_loaded, report.rows_quarantined) == (3, 1)
    rejection = con.execute(
        "select _file, _row_number, field, value, reason from quarantine.rejected_rows"
    ).fetchall()
    assert len(rejection) == 1
    file, row, field, value, reason = rejection[0]
    assert (file, row, field, value) == (
        "privacy/erasure_requests.csv",
        3,
        "request_type",
        "erasre",
    )
    assert reason.startswith("value not allowed, expected one of erasure")
    assert_accounting(con)
