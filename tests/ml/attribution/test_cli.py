from pathlib import Path

import pandas as pd
import pytest

from ml.attribution.__main__ import main
from ml.attribution.aggregated import attribute_paths
from ml.attribution.config import AttributionConfig
from ml.attribution.paths import read_path_file
from ml.errors import ConfigurationError

SHARED_PATHS = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "data"
    / "channelattribution_paths"
    / "Data.csv"
)


def write_paths(folder: Path) -> Path:
    path = folder / "paths.csv"
    path.write_text(
        "path;total_conversions;total_conversion_value;total_null\n"
        "a > b > a;2;20.0;1\n"
        "b;1;5.0;3\n"
        "c > a;0;0;4\n"
    )
    return path


def test_cli_prints_table_and_writes_credits(tmp_path, capsys):
    out = tmp_path / "credits.csv"
    code = main(
        [
            str(write_paths(tmp_path)),
            "--sep",
            ";",
            "--models",
            "linear",
            "markov",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "linear" in printed
    assert "markov" in printed
    credits = pd.read_csv(out)
    linear = credits[credits["model"] == "linear"].groupby("channel")["conversions"].sum()
    assert linear.to_dict() == pytest.approx({"a": 4 / 3, "b": 2 / 3 + 1})
    totals = credits.groupby("model")["conversion_value"].sum()
    assert totals.to_dict() == pytest.approx({"linear": 25.0, "markov": 25.0})


def test_cli_missing_column_exits_with_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("journey,total_conversions\na > b,1\n")
    assert main([str(path)]) == 2
    assert "column 'path' is missing" in capsys.readouterr().err


def test_cli_rejects_time_decay(tmp_path):
    paths = read_path_file(write_paths(tmp_path), sep=";")
    with pytest.raises(ConfigurationError, match="time stamps"):
        attribute_paths(paths, AttributionConfig(models=("time_decay",)))


@pytest.mark.shared_data
def test_paths_channelattribution_data_conserves_conversions():
    if not SHARED_PATHS.exists():
        pytest.skip("ChannelAttribution path data not found beside the repository")
    paths = read_path_file(SHARED_PATHS, sep=";")
    config = AttributionConfig(models=("first_touch", "linear", "markov"))
    credits = attribute_paths(paths, config)
    totals = credits.groupby("model")["conversions"].sum()
    for model in config.models:
        assert totals[model] == pytest.approx(paths["total_conversions"].sum()), model
