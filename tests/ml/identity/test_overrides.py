from pathlib import Path

import pytest

from ml.errors import DataQualityError, InputFileError
from ml.identity.overrides import load_overrides

HEADER = "record_id_l,record_id_r,decision,reason,decided_by\n"


def test_load_overrides_orders_pair(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "b:1,a:1,must_link,same badge,ops\n", encoding="utf-8")
    frame = load_overrides(path)
    assert frame[["record_id_l", "record_id_r"]].values.tolist() == [["a:1", "b:1"]]


def test_load_overrides_rejects_unknown_decision(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "a:1,b:1,maybe,unsure,ops\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="row 2, field 'decision'"):
        load_overrides(path)


def test_load_overrides_rejects_conflict(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        HEADER + "a:1,b:1,must_link,x,ops\nb:1,a:1,cannot_link,y,ops\n", encoding="utf-8"
    )
    with pytest.raises(InputFileError, match="both must_link and cannot_link"):
        load_overrides(path)


def test_load_overrides_rejects_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"o\.csv: the file is empty"):
        load_overrides(path)


def test_load_overrides_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"absent\.csv: the file does not exist"):
        load_overrides(tmp_path / "absent.csv")


def test_load_overrides_counts_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "\na:1,b:1,must_link,x,ops\n\nc:1,d:1,bogus,x,ops\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="row 5, field 'decision'"):
        load_overrides(path)


def test_load_overrides_rejects_self_pair(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "a:1,b:1,must_link,x,ops\na:1,a:1,cannot_link,x,ops\n", "utf-8")
    with pytest.raises(InputFileError, match=r"row 3, field 'record_id_r'.*same record"):
        load_overrides(path)


def test_load_overrides_conflict_names_rows(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        HEADER + "a:1,b:1,must_link,x,ops\nc:1,d:1,must_link,x,ops\nb:1,a:1,cannot_link,y,ops\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match=r"rows 2 and 4"):
        load_overrides(path)


def test_load_overrides_unknown_record_names_row(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "a:1,b:1,must_link,x,ops\na:1,zz:9,must_link,x,ops\n", "utf-8")
    with pytest.raises(DataQualityError, match=r"o\.csv, row 3, field 'record_id_r'.*'zz:9'"):
        load_overrides(path, record_ids={"a:1", "b:1"})


def test_load_overrides_rejects_must_link_chain(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        HEADER
        + "a:1,c:1,must_link,x,ops\nc:1,c:2,must_link,x,ops\ne:1,f:1,must_link,x,ops\n"
        + "a:1,c:2,cannot_link,y,ops\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match=r"row 5, field 'decision'.*rows 2, 3\b") as error:
        load_overrides(path)
    assert ", 4" not in error.value.reason
