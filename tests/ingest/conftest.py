import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SHARED_DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


def copy_sample(landing: Path, sample: str, source: str | None = None) -> Path:
    """Copy a committed sample set into the landing folder as a source subfolder."""
    target = landing / (source or sample)
    shutil.copytree(DATA_DIR / sample, target, ignore=shutil.ignore_patterns("PROVENANCE.md"))
    return target


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def assert_accounting(con: duckdb.DuckDBPyConnection) -> None:
    """Check every ledger row against the rows that are really in raw and quarantine."""
    ledger = con.execute(
        "select table_name, _file, rows_in, rows_loaded, rows_quarantined from raw.load_ledger"
    ).fetchall()
    for table, path, rows_in, rows_loaded, rows_quarantined in ledger:
        assert rows_in == rows_loaded + rows_quarantined, path
        in_raw = scalar(con, f'select count(*) from raw."{table}" where _file = ?', [path])
        in_quarantine = scalar(
            con,
            "select count(*) from quarantine.rejected_rows where table_name = ? and _file = ?",
            [table, path],
        )
        assert in_raw == rows_loaded, path
        assert in_quarantine == rows_quarantined, path
