"""Consent receipts load with an allowed status list, so a typo is quarantined, not unknown."""

from pathlib import Path

import duckdb

from ingest import load_source
from tests.ingest.conftest import assert_accounting, write

HEADER = "receipt_id,subject_email,purpose,status,region,country,collection_point,updated_at\n"
ROWS = (
    "R1,jane@acme.io,marketing,granted,EU,DE,web_banner,2025-03-01T10:00:00Z\n"
    "R2,bob@acme.io,marketing,Opt_Out,NA,US,web_banner,2025-03-02T10:00:00Z\n"
    "R3,kim@acme.io,marketing,maybe_later,EU,FR,web_banner,2025-03-03T10:00:00Z\n"
)


def test_unknown_consent_status_is_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing / "consent" / "consent_receipts.csv", HEADER + ROWS)

    [report] = load_source(con, landing, "consent")

    assert (report.rows_loaded, report.rows_quarantined) == (2, 1)
    rejection = con.execute(
        "select _file, _row_number, field, value, reason from quarantine.rejected_rows"
    ).fetchall()
    assert len(rejection) == 1
    file, row, field, value, reason = rejection[0]
    assert (file, row, field, value) == ("consent/consent_receipts.csv", 3, "status", "maybe_later")
    assert reason.startswith("value not allowed, expected one of granted")
    assert_accounting(con)
