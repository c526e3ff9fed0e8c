"""The model registry on a real DuckDB database."""

import dataclasses
import json

import duckdb
import numpy as np
import pytest

from ml.errors import DataQualityError
from ml.governance.registry import (
    CANDIDATE,
    CHAMPION,
    RETIRED,
    load_champion,
    promote_version,
    register_model,
)
from tests.ml.governance.conftest import CUTOFFS, FEATURES, registration_of


@pytest.fixture
def con():
    with duckdb.connect(":memory:") as connection:
        yield connection


def _statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select version, status from governance.model_registry").fetchall())


def test_registering_twice_is_idempotent(con, trained):
    result, evaluation = trained
    registration = registration_of(result, evaluation)

    first = register_model(con, registration, result.model)
    later = dataclasses.replace(registration, trained_at=registration.trained_at.replace(day=2))
    second = register_model(con, later, result.model)

    assert first == (registration.version, True)
    assert second == (registration.version, False)
    assert con.execute("select count(*) from governance.model_registry").fetchone() == (1,)
    assert con.execute("select count(*) from governance.model_artifacts").fetchone() == (1,)


def test_registry_row_records_window_features_metrics(con, trained):
    result, evaluation = trained
    registration = registration_of(result, evaluation)
    register_model(con, registration, result.model)

    row = con.execute(
        "select training_start, training_end, features, auc, brier, ece, base_rate, "
        "train_rows, test_rows, feature_profile from governance.model_registry"
    ).fetchone()

    assert row[:2] == (CUTOFFS[0].date(), CUTOFFS[-2].date())
    assert json.loads(row[2]) == FEATURES
    assert row[3] == pytest.approx(result.metrics["auc"])
    assert row[4] == pytest.approx(result.metrics["brier"])
    assert row[5] == pytest.approx(result.metrics["ece"])
    assert row[6] == pytest.approx(result.metrics["base_rate"])
    assert row[7:9] == (int(result.metrics["train_rows"]), int(result.metrics["test_rows"]))
    assert set(json.loads(row[9])) == set(FEATURES)


def test_version_changes_with_window_and_parameters(trained):
    result, evaluation = trained
    registration = registration_of(result, evaluation)

    later_window = dataclasses.replace(registration, training_end=CUTOFFS[-1].date())
    other_parameters = dataclasses.replace(registration, parameters={"horizon_days": 60})
    other_data = dataclasses.replace(registration, data_fingerprint="0123456789abcdef")
    retrained = dataclasses.replace(registration, trained_at=registration.trained_at.replace(day=9))

    assert len(registration.version) == 16
    assert later_window.version != registration.version
    assert other_parameters.version != registration.version
    assert other_data.version != registration.version
    assert retrained.version == registration.version


def test_first_version_is_champion_until_promotion(con, trained):
    result, evaluation = trained
    first = registration_of(result, evaluation)
    second = dataclasses.replace(first, training_end=CUTOFFS[-1].date())
    register_model(con, first, result.model)
    register_model(con, second, result.model)

    assert _statuses(con) == {first.version: CHAMPION, second.version: CANDIDATE}

    promote_version(con, "test_model", second.version)

    assert _statuses(con) == {first.version: RETIRED, second.version: CHAMPION}


def test_promote_unknown_version_raises(con):
    with pytest.raises(DataQualityError, match="no version 'nope'"):
        promote_version(con, "test_model", "nope")


def test_champion_model_scores_like_the_original(con, trained):
    result, evaluation = trained
    register_model(con, registration_of(result, evaluation), result.model)

    champion = load_champion(con, "test_model")

    assert champion is not None
    features = evaluation[FEATURES]
    np.testing.assert_allclose(
        champion.model.predict_proba(features), result.model.predict_proba(features)
    )


def test_tampered_artifact_is_rejected(con, trained):
    result, evaluation = trained
    register_model(con, registration_of(result, evaluation), result.model)
    con.execute("update governance.model_artifacts set artifact = 'x'::blob")

    with pytest.raises(DataQualityError, match="does not match its sha256"):
        load_champion(con, "test_model")


def test_no_champion_without_registration(con):
    assert load_champion(con, "test_model") is None
