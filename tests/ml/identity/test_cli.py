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
