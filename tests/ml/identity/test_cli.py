from pathlib import Path

import pandas as pd
import pytest

from ml.errors import ConfigurationError
from ml.identity.cli import main, parse_mapping


def test_parse_mapping_rejects_unknown_target() -> None:
    with pytest.raises(ConfigurationError, match="'surname' is unknown"):
        parse_mapping("surname=last")


def test_cli_resolve_writes_clusters(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    pd.DataFrame(
        {
            "rec_id": ["r1", "r2", "r3"],
            "given_name": ["Ann", "Ann", "Bob"],
            "mail": ["ann@acme.com", "ANN@acme.com", "bob@initech.com"],
        }
    ).to_csv(source, index=False)
    out = tmp_path / "clusters.csv"
    code = main(
        [
            "resolve",
            str(source),
            "--map",
            "record_id=rec_id,first_name=given_name,email=mail",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    clusters = pd.read_csv(out).set_index("record_id")
    assert clusters.loc["r1", "person_id"] == clusters.loc["r2", "person_id"]
    assert clusters.loc["r3", "person_id"] != clusters.loc["r1", "person_id"]
    assert clusters.loc["r1", "matched_by"] == "rule:same_email"


def test_cli_resolve_reports_missing_column(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    pd.DataFrame({"rec_id": ["r1"]}).to_csv(source, index=False)
    code = main(["resolve", str(source), "--map", "email=mail", "--out", str(tmp_path / "o.csv")])
    assert code == 2


def _resolve(source: Path, tmp_path: Path, *extra: str) -> int:
    return main(["resolve", str(source), "--out", str(tmp_path / "clusters.csv"), *extra])


def test_cli_rejects_file_without_comparable_column(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("id,colour\n1,red\n2,blue\n", encoding="utf-8")
    assert _resolve(source, tmp_path) == 2
    message = caplog.records[-1].getMessage()
    assert str(source) in message
    assert "--map" in message
    assert "expected at least one of email, first_name" in message
    assert "['id', 'colour']" in message


def test_cli_links_two_records_sharing_an_email(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "record_id,first_name,last_name,email\n1,Ann,Lee,ann@x.com\n2,Ann,Lee,ann@x.com\n",
        encoding="utf-8",
    )
    assert _resolve(source, tmp_path) == 0
    clusters = pd.read_csv(tmp_path / "clusters.csv", dtype=str).set_index("record_id")
    assert clusters.loc["1", "person_id"] == clusters.loc["2", "person_id"]
    assert clusters.loc["1", "matched_by"] == "rule:same_email"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"record_id,first_name\n1,Ann\n2,Ren\xe9e\n", "byte at offset 32 (b'\\xe9e\\n', line 3)"),
        (b"\xef\xbb\xbfrecord_id\n1\n\xe9\n", "byte at offset 15 (b'\\xe9\\n', line 3)"),
        (b"", "the file is empty"),
        (None, "the file does not exist"),
    ],
    ids=["latin1", "latin1-after-bom", "empty", "missing"],
)
def test_cli_reports_unreadable_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None, expected: str
) -> None:
    source = tmp_path / "people.csv"
    if content is not None:
        source.write_bytes(content)
    assert _resolve(source, tmp_path) == 2
    message = caplog.records[-1].getMessage()
    assert message.startswith(f"{source}: ")
    assert expected in message


def test_cli_repeated_record_id_names_row(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = tmp_path / "people.csv"
    source.write_text("record_id,email\n1,ann@x.com\n\n1,bob@y.com\n", encoding="utf-8")
    assert _resolve(source, tmp_path) == 2
    message = caplog.records[-1].getMessage()
    assert message.startswith(f"{source}, data row 2 (line 4), field 'record_id': ")
    assert "'1' is repeated" in message


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45"])
def test_cli_rejects_invalid_first_seen_at(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        f"record_id,email,first_seen_at\n1,ann@x.com,2024-01-05\n2,bob@y.com,{value}\n",
        encoding="utf-8",
    )
    assert _resolve(source, tmp_path) == 2
    message = caplog.records[-1].getMessage()
    assert message.startswith(f"{source}, data row 2 (line 3), field 'first_seen_at': ")
    assert repr(value) in message
