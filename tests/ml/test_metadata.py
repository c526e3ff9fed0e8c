from datetime import date

import pytest

from ml.errors import InputFileError
from ml.metadata import build_metadata, library_versions, read_metadata, write_metadata


def test_metadata_round_trip(tmp_path):
    record = build_metadata(
        "seasonal_damped",
        ["revenue"],
        date(2024, 1, 1),
        date(2025, 12, 31),
        seed=7,
        row_counts={"train": 24},
        metrics={"mase": 0.5},
        parameters={"season_length": 12},
    )
    path = write_metadata(record, tmp_path / "models" / "forecast.json")
    loaded = read_metadata(path)
    assert loaded == record


def test_metadata_records_versions_and_commit():
    record = build_metadata("m", [], date(2024, 1, 1), date(2024, 1, 31), seed=1)
    assert record.library_versions["pandas"] != "not installed"
    assert record.git_commit is None or len(record.git_commit) == 40
    assert record.created_at.endswith("+00:00")


def test_library_versions_missing_package():
    assert library_versions(("no-such-package-xyz",)) == {"no-such-package-xyz": "not installed"}


def test_read_metadata_missing_field_raises(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"model_type": "m"}', encoding="utf-8")
    with pytest.raises(InputFileError, match="field 'features'"):
        read_metadata(path)


def test_read_metadata_invalid_json_raises(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="invalid JSON"):
        read_metadata(path)


def test_read_metadata_invalid_date_raises(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        '{"model_type": "m", "features": [], "training_start": "01/02/2024", '
        '"training_end": "2024-02-01", "seed": 1}',
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="invalid date"):
        read_metadata(path)
