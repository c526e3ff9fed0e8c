"""Model metadata as JSON: what was trained, on which data, with which code and libraries.

One JSON object per model, written beside the model's outputs, so a score or forecast in
the warehouse can be traced to the training window, row counts, seed, metrics, library
versions and git commit that produced it.
"""

import json
import logging
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from ml.errors import InputFileError

logger = logging.getLogger(__name__)

DEFAULT_LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "duckdb")
_REQUIRED_FIELDS = ("model_type", "features", "training_start", "training_end", "seed")


@dataclass(frozen=True)
class ModelMetadata:
    """Record of one trained model.

    Attributes:
        model_type: Model name, for example "seasonal_damped" or "conversion_propensity".
        features: Feature columns in the order the model uses them.
        training_start: First day of the training window (inclusive).
        training_end: Last day of the training window (inclusive).
        seed: Seed of every random step in training.
        row_counts: Named row counts, for example {"train": 900, "test": 100}.
        metrics: Named evaluation figures, for example {"auc": 0.93}.
        parameters: Fitted or configured parameters worth keeping (JSON-serialisable).
        library_versions: Installed version of each library that the model depends on.
        git_commit: Commit of the code that trained the model, None outside a git checkout.
        created_at: UTC time the record was made, ISO 8601.
    """

    model_type: str
    features: list[str]
    training_start: date
    training_end: date
    seed: int
    row_counts: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    library_versions: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None
    created_at: str = ""


def library_versions(names: tuple[str, ...] = DEFAULT_LIBRARIES) -> dict[str, str]:
    """Return the installed version of each named distribution ("not installed" if absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def current_git_commit(repository: Path | None = None) -> str | None:
    """Return the HEAD commit of the repository containing this file, or None without git."""
    folder = repository or Path(__file__).resolve().parents[1]
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.info("git commit unavailable in %s: %s", folder, error)
        return None
    return completed.stdout.strip() or None


def build_metadata(
    model_type: str,
    features: list[str],
    training_start: date,
    training_end: date,
    seed: int,
    *,
    row_counts: dict[str, int] | None = None,
    metrics: dict[str, float] | None = None,
    parameters: dict[str, Any] | None = None,
) -> ModelMetadata:
    """Make a record with the current library versions, git commit and UTC time."""
    return ModelMetadata(
        model_type=model_type,
        features=list(features),
        training_start=training_start,
        training_end=training_end,
        seed=seed,
        row_counts=dict(row_counts or {}),
        metrics={name: float(value) for name, value in (metrics or {}).items()},
        parameters=dict(parameters or {}),
        library_versions=library_versions(),
        git_commit=current_git_commit(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def write_metadata(record: ModelMetadata, path: Path) -> Path:
    """Write the record as indented JSON (dates as YYYY-MM-DD), creating the folder."""
    payload = asdict(record)
    payload["training_start"] = record.training_start.isoformat()
    payload["training_end"] = record.training_end.isoformat()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    logger.info("wrote model metadata for %s to %s", record.model_type, path)
    return path


def read_metadata(path: Path) -> ModelMetadata:
    """Read a record written by `write_metadata`.

    Raises:
        InputFileError: when the file is not JSON, lacks a required field or has a date
            that is not YYYY-MM-DD.
    """
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputFileError(str(path), f"invalid JSON: {error.msg}", row=error.lineno) from error
    for name in _REQUIRED_FIELDS:
        if name not in payload:
            raise InputFileError(
                str(path), f"missing required field; expected {list(_REQUIRED_FIELDS)}", field=name
            )
    for name in ("training_start", "training_end"):
        try:
            payload[name] = date.fromisoformat(payload[name])
        except (TypeError, ValueError) as error:
            raise InputFileError(
                str(path), f"invalid date {payload[name]!r}; expected YYYY-MM-DD", field=name
            ) from error
    known = set(ModelMetadata.__dataclass_fields__)
    return ModelMetadata(**{name: value for name, value in payload.items() if name in known})
