from pathlib import Path

import pytest

from ml.errors import InputFileError
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
