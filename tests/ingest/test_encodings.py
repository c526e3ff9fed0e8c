"""Files in UTF-16 are rejected with a message that names the encoding and the fix."""

from pathlib import Path

import duckdb
import pytest

from ingest import load_source
from ml.errors import InputFileError
from tests.ingest.conftest import write

SIGNUPS = "signup_id,email,full_name,signed_up_at\np1,a@x.io,Ada,2024-01-01T00:00:00Z\n"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_utf16_csv_is_rejected_naming_utf16(
    con: duckdb.DuckDBPyConnection, landing: Path, newline: str
) -> None:
    text = SIGNUPS.replace("\n", newline)
    write(landing / "product" / "signups.csv", text.encode("utf-16"))

    with pytest.raises(InputFileError) as raised:
        load_source(con, landing, "product")

    assert raised.value.path == "product/signups.csv"
    assert "UTF-16" in str(raised.value)
    assert "iconv -f utf-16 -t utf-8" in str(raised.value)
    tables = con.execute(
        "select count(*) from information_schema.tables where table_name = 'product_signups'"
    ).fetchone()
    assert tables == (0,)
