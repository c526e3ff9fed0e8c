import logging
from pathlib import Path

import pandas as pd
import pytest

from ml.attribution.__main__ import main
from ml.attribution.aggregated import attribute_paths
from ml.attribution.config import AttributionConfig
from ml.attribution.paths import read_path_file
from ml.errors import ConfigurationError, InputFileError

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


def test_cli_empty_file_names_file(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert main([str(path)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error
    assert "the file is empty" in error


def test_negative_count_gives_row_and_line(tmp_path):
    path = tmp_path / "negative.csv"
    path.write_text("path,total_conversions,total_null\na > b,2,1\nb,1,0\nc,-1,0\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.row == 3
    assert caught.value.field == "total_conversions"
    message = str(caught.value)
    assert "row 3" in message
    assert "line 4 of the file" in message
    assert "value '-1' is not" in message
    assert "np.int64" not in message


def test_empty_count_is_reported(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("path,total_conversions,total_null\na,1,\n")
    with pytest.raises(InputFileError, match="row 1, field 'total_null': the value is empty"):
        read_path_file(path)


def test_empty_paths_warning_counts_dropped(tmp_path, caplog):
    path = tmp_path / "paths.csv"
    path.write_text(
        "path,total_conversions,total_conversion_value,total_null\n"
        "a > b,2,20,1\n"
        ",3,30,4\n"
        "b,1,5,0\n"
        " > ,1,2.5,2\n"
    )
    with caplog.at_level(logging.WARNING, logger="ml.attribution.paths"):
        paths = read_path_file(path)
    assert len(paths) == 2
    message = caplog.records[-1].getMessage()
    assert "skipping 2 rows" in message
    assert "rows 2, 4" in message
    assert "4 conversions" in message
    assert "32.5 conversion value" in message
    assert "6 non-conversions" in message


def test_optional_columns_default_to_zero(tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text("path,total_conversions\na > b,2\n")
    paths = read_path_file(path)
    assert paths["total_conversion_value"].tolist() == [0.0]
    assert paths["total_null"].tolist() == [0.0]


def test_empty_paths_warning_lists_first_rows(tmp_path, caplog):
    path = tmp_path / "paths.csv"
    path.write_text("path,total_conversions\n" + ",1\n" * 7 + "a,1\n")
    with caplog.at_level(logging.WARNING, logger="ml.attribution.paths"):
        read_path_file(path)
    message = caplog.records[-1].getMessage()
    assert "skipping 7 rows" in message
    assert "rows 1, 2, 3, 4, 5 and 2 more" in message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="header only"),
        pytest.param(",1,2\n > ,3,0\n", id="every path empty"),
    ],
)
def test_cli_file_without_paths_exits_with_error(tmp_path, capsys, body):
    path = tmp_path / "no_paths.csv"
    path.write_text("path,total_conversions,total_null\n" + body)
    assert main([str(path)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error
    assert "no data row with a path" in error


def test_cli_file_without_conversions_exits_with_error(tmp_path, capsys):
    path = tmp_path / "no_conversions.csv"
    path.write_text("path,total_conversions,total_null\na > b,0,2\nb,0,1\n")
    assert main([str(path)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error
    assert "total_conversions is 0 on every row" in error


@pytest.mark.parametrize("value", ["inf", "1e400"])
def test_infinite_count_is_rejected(tmp_path, value):
    path = tmp_path / "infinite.csv"
    path.write_text(f"path,total_conversions,total_null\nb,1,1\na > b,{value},2\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.row == 2
    assert caught.value.field == "total_conversions"
    assert "not a finite non-negative number" in str(caught.value)


def test_first_row_with_extra_field_is_rejected(tmp_path):
    # pandas reads a first data row with one field more than the header as an index
    # column, which would shift every value one column to the left.
    path = tmp_path / "extra.csv"
    path.write_text("path,total_conversions,total_null\na > b,1,2,9\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.row == 1
    assert "more fields than the header" in str(caught.value)


def test_repeated_header_column_is_rejected(tmp_path):
    path = tmp_path / "repeated.csv"
    path.write_text("path,total_conversions,total_null,total_null\na > b,1,2,3\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.field == "total_null"
    assert "header names column 'total_null' twice" in str(caught.value)


def test_latin1_byte_gives_line_and_offset(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"path,total_conversions\na > b,1\ncaf\xe9 > b,2\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    message = str(caught.value)
    assert "the byte at offset 34 (line 3) is not valid UTF-8" in message
    assert "iconv -f latin1 -t utf-8" in message


def test_cli_unwritable_out_exits_with_error(tmp_path, capsys):
    out = tmp_path / "missing" / "credits.csv"
    code = main([str(write_paths(tmp_path)), "--sep", ";", "--models", "linear", "--out", str(out)])
    assert code == 2
    error = capsys.readouterr().err
    assert f"error: cannot write {out}" in error
    assert "directory" in error


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("path,total_conversions\n\na > b,1\n\nb,x\n", 5, id="blank lines"),
        pytest.param('path,total_conversions\n"a >\nb",1\nb,x\n', 4, id="path over two lines"),
        pytest.param("path,total_conversions\r\na > b,1\r\nb,x\r\n", 3, id="CRLF"),
    ],
)
def test_bad_count_names_its_real_line(tmp_path, text, line):
    path = tmp_path / "paths.csv"
    path.write_bytes(text.encode())
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.row == 2
    assert f"line {line} of the file" in str(caught.value)


def test_bad_count_line_with_other_separator(tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text("path;total_conversions\n\na > b;1\nb;x\n")
    with pytest.raises(InputFileError, match="line 4 of the file"):
        read_path_file(path, sep=";")


@pytest.mark.parametrize("value", ["True", "false", "NaN", "NA", "null"])
def test_non_numeric_count_words_are_rejected(tmp_path, value):
    path = tmp_path / "paths.csv"
    path.write_text(f"path,total_conversions\na,1\na > b,{value}\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.row == 2
    assert caught.value.field == "total_conversions"
    assert f"value {value!r} is not a finite non-negative number" in str(caught.value)


def test_boolean_count_column_is_rejected(tmp_path):
    # pandas reads a column of only True and False as booleans, which convert to 1 and 0.
    path = tmp_path / "paths.csv"
    path.write_text("path,total_conversions\na,True\nb,False\n")
    with pytest.raises(InputFileError) as caught:
        read_path_file(path)
    assert caught.value.row == 1
    assert "value 'True' is not a finite non-negative number" in str(caught.value)


@pytest.mark.parametrize("channel", ["NA", "null", "None", "n/a", "NaN"])
def test_channel_named_like_missing_value_is_kept(tmp_path, channel):
    path = tmp_path / "paths.csv"
    path.write_text(f"path,total_conversions\n{channel},1\n{channel} > b,2\n")
    paths = read_path_file(path)
    assert paths["path"].tolist() == [(channel,), (channel, "b")]


@pytest.mark.parametrize("option", ["--sep", "--path-sep"])
def test_cli_empty_separator_exits_with_error(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as caught:
        main([str(write_paths(tmp_path)), "--sep", ";", option, ""])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert option in error
    assert "must not be empty" in error
