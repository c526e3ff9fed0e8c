"""The model registry: one row per trained model version in `governance.model_registry`.

A version id is a content hash of the model name, its parameters, its training window, its
feature list and a fingerprint of its data. Training the same model on the same data twice
therefore gives the same id, and the second registration changes nothing. The fitted model
itself is pickled into `governance.model_artifacts`, so a review can score new data without
retraining.

Champion rule: the first version registered under a model name becomes its `champion`.
Later versions are registered as `candidate`, and reviews keep judging the champion until
`promote_version` makes another version champion (the old one becomes `retired`).
"""

import hashlib
import json
import logging
import pickle
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from ml.errors import DataQualityError
from ml.io import transaction

logger = logging.getLogger(__name__)

SCHEMA = "governance"
CHAMPION = "champion"
CANDIDATE = "candidate"
RETIRED = "retired"
METRIC_COLUMNS = ("auc", "brier", "ece", "base_rate", "train_rows", "test_rows")

REGISTRY_DDL = f"""
create table if not exists {SCHEMA}.model_registry (
    model_name varchar not null,
    version varchar not null,
    status varchar not null,
    trained_at timestamptz not null,
    registered_at timestamptz not null,
    training_start date not null,
    training_end date not null,
    evaluation_start date,
    evaluation_end date,
    features varchar not null,
    parameters varchar not null,
    auc double,
    brier double,
    ece double,
    base_rate double,
    train_rows bigint,
    test_rows bigint,
    feature_profile varchar not null,
    data_fingerprint varchar not null,
    git_commit varchar,
    primary key (model_name, version)
)
"""
ARTIFACT_DDL = f"""
create table if not exists {SCHEMA}.model_artifacts (
    model_name varchar not null,
    version varchar not null,
    artifact_format varchar not null,
    artifact_sha256 varchar not null,
    artifact blob not null,
    primary key (model_name, version)
)
"""


@dataclass(frozen=True)
class ModelRegistration:
    """Everything recorded about one trained model.

    Attributes:
        model_name: Name shared by all versions, for example "conversion_propensity".
        features: Feature columns in the order the model uses them.
        parameters: Settings that define the model (JSON-serialisable); part of the version.
        training_start: First snapshot cutoff used for training.
        training_end: First evaluation cutoff: training labels close on or before it.
        evaluation_start: First cutoff of the evaluation rows.
        evaluation_end: Last cutoff of the evaluation rows.
        metrics: auc, brier, ece, base_rate, train_rows and test_rows of the evaluation.
        feature_profile: `ml.governance.drift.profile_features` of the evaluation rows.
        trained_at: UTC time of the training run.
        data_fingerprint: Hash of the data the model was trained and evaluated on (see
            `ml.governance.warehouse.data_fingerprint`); part of the version.
        git_commit: Commit of the code that trained the model, if known.
    """

    model_name: str
    features: list[str]
    parameters: dict[str, Any]
    training_start: date
    training_end: date
    evaluation_start: date
    evaluation_end: date
    metrics: dict[str, float]
    feature_profile: dict[str, dict[str, Any]]
    trained_at: datetime
    data_fingerprint: str = ""
    git_commit: str | None = None

    @property
    def version(self) -> str:
        """Content hash of name, parameters, window, features and data (16 hex digits)."""
        identity = {
            "model_name": self.model_name,
            "parameters": self.parameters,
            "training_start": self.training_start.isoformat(),
            "training_end": self.training_end.isoformat(),
            "features": self.features,
            "data_fingerprint": self.data_fingerprint,
        }
        text = json.dumps(identity, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class RegisteredModel:
    """A registry row read back, with its fitted model."""

    row: pd.Series
    model: Any

    @property
    def version(self) -> str:
        """Version id of the row."""
        return str(self.row["version"])

    @property
    def profile(self) -> dict[str, dict[str, Any]]:
        """Reference feature profile of the row."""
        profile: dict[str, dict[str, Any]] = json.loads(self.row["feature_profile"])
        return profile


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    """Create the governance schema and registry tables if they do not exist."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(REGISTRY_DDL)
    con.execute(ARTIFACT_DDL)


def _nullable(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def register_model(
    con: duckdb.DuckDBPyConnection, registration: ModelRegistration, model: Any
) -> tuple[str, bool]:
    """Insert a version and its pickled model unless the version is already registered.

    Returns:
        The version id and whether a new row was written.
    """
    ensure_registry(con)
    version = registration.version
    exists = con.execute(
        f"select count(*) from {SCHEMA}.model_registry where model_name = ? and version = ?",
        [registration.model_name, version],
    ).fetchone()
    if exists and exists[0]:
        logger.info("model %s version %s already registered", registration.model_name, version)
        return version, False

    artifact = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    with transaction(con):
        champion = _champion_version(con, registration.model_name)
        status = CANDIDATE if champion else CHAMPION
        metrics = registration.metrics
        con.execute(
            f"insert into {SCHEMA}.model_registry values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                registration.model_name,
                version,
                status,
                registration.trained_at,
                datetime.now(UTC),
                registration.training_start,
                registration.training_end,
                registration.evaluation_start,
                registration.evaluation_end,
                json.dumps(registration.features),
                json.dumps(registration.parameters, sort_keys=True, default=str),
                *(_nullable(metrics.get(name)) for name in METRIC_COLUMNS[:4]),
                *(int(metrics.get(name, 0)) for name in METRIC_COLUMNS[4:]),
                json.dumps(registration.feature_profile, sort_keys=True),
                registration.data_fingerprint,
                registration.git_commit,
            ],
        )
        con.execute(
            f"insert into {SCHEMA}.model_artifacts values (?, ?, 'pickle', ?, ?)",
            [
                registration.model_name,
                version,
                hashlib.sha256(artifact).hexdigest(),
                artifact,
            ],
        )
    logger.info("registered model %s version %s as %s", registration.model_name, version, status)
    return version, True


def _champion_version(con: duckdb.DuckDBPyConnection, model_name: str) -> str | None:
    found = con.execute(
        f"select version from {SCHEMA}.model_registry where model_name = ? and status = ?",
        [model_name, CHAMPION],
    ).fetchone()
    return str(found[0]) if found else None


def promote_version(con: duckdb.DuckDBPyConnection, model_name: str, version: str) -> None:
    """Make `version` the champion of `model_name` and retire the previous champion.

    Raises:
        DataQualityError: when the version is not registered.
    """
    ensure_registry(con)
    found = con.execute(
        f"select count(*) from {SCHEMA}.model_registry where model_name = ? and version = ?",
        [model_name, version],
    ).fetchone()
    if not found or not found[0]:
        raise DataQualityError(
            f"{SCHEMA}.model_registry: no version {version!r} of model {model_name!r}; "
            "expected a registered version"
        )
    con.execute(
        f"update {SCHEMA}.model_registry set status = ? where model_name = ? and status = ?",
        [RETIRED, model_name, CHAMPION],
    )
    con.execute(
        f"update {SCHEMA}.model_registry set status = ? where model_name = ? and version = ?",
        [CHAMPION, model_name, version],
    )
    logger.info("promoted model %s version %s to champion", model_name, version)


def load_champion(con: duckdb.DuckDBPyConnection, model_name: str) -> RegisteredModel | None:
    """Return the champion row of `model_name` with its unpickled model, or None if unregistered.

    Raises:
        DataQualityError: when the stored artifact does not match its recorded hash.
    """
    ensure_registry(con)
    rows = con.execute(
        f"select * from {SCHEMA}.model_registry where model_name = ? and status = ?",
        [model_name, CHAMPION],
    ).df()
    if rows.empty:
        return None
    row = rows.iloc[0]
    artifact = con.execute(
        f"select artifact, artifact_sha256 from {SCHEMA}.model_artifacts "
        "where model_name = ? and version = ?",
        [model_name, row["version"]],
    ).fetchone()
    if artifact is None or hashlib.sha256(artifact[0]).hexdigest() != artifact[1]:
        raise DataQualityError(
            f"{SCHEMA}.model_artifacts: artifact of {model_name} version {row['version']} is "
            "missing or does not match its sha256; expected the pickle written at registration"
        )
    # NOTE: unpickling runs code from the warehouse file, so the registry is only as safe as
    # write access to that file. A shared warehouse would need signed or non-pickle artifacts.
    model = pickle.loads(artifact[0])
    return RegisteredModel(row=row, model=model)
