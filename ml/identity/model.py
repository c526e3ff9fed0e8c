"""Train, save, reload and run the Splink model that scores candidate record pairs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, block_on

from ml.errors import ConfigurationError, DataQualityError
from ml.identity.config import IdentityConfig
from ml.identity.prepare import NAME_FORM_COLUMNS
from ml.identity.settings import (
    build_settings,
    deterministic_keys,
    is_register,
    prediction_blocking_keys,
    present_columns,
    training_blocking_keys,
)

logger = logging.getLogger(__name__)

MODEL_FORMAT = "community-revenue-map/identity-model/1"
# Columns handed to Splink: the id plus every normalized key a comparison may read.
MODEL_COLUMNS = [
    "unique_id",
    "email_key",
    "email_local_key",
    "email_local_block_key",
    "handle_key",
    "handle_stem_key",
    "email_local_from_name",
    "handle_from_name",
    *NAME_FORM_COLUMNS,
    "first_name_key",
    "first_name_root_key",
    "last_name_key",
    "company_domain_key",
    "company_name_key",
    "company_label_key",
    "crm_contact_id_key",
    "date_of_birth",
    "postcode",
    "locality",
    "street_address",
    "street_number",
    "region",
    "national_id",
    "gender",
    "occupation",
    "rare_name_words",
]


@dataclass(frozen=True)
class ScoredPairs:
    """Model output: scored pairs and a description of the model that scored them."""

    pairs: pd.DataFrame
    model: dict[str, Any]


def score_pairs(
    prepared: pd.DataFrame, config: IdentityConfig, model_path: str | Path | None = None
) -> ScoredPairs:
    """Score candidate pairs with a saved model, or train one first.

    When `model_path` names an existing file the model is loaded from it; otherwise a
    model is trained on `prepared` and, if `model_path` is given, saved there.

    Returns:
        Pairs with record_id_l, record_id_r and match_probability, at or above the
        config's prediction floor, each pair once with record_id_l < record_id_r.

    Raises:
        ConfigurationError: The model file is not a model written by this module.
        DataQualityError: Blocking produced more candidate pairs than the config allows.
    """
    frame = prepared[MODEL_COLUMNS].astype(object).where(prepared[MODEL_COLUMNS].notna(), None)
    if len(frame) < 2:
        return ScoredPairs(_empty_pairs(), {"trained": False, "reason": "fewer than 2 records"})

    _check_pair_count(prepared, config)
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    try:
        db_api = DuckDBAPI(connection=con)
        table = db_api.register(frame, table_name="identity_records")
        path = Path(model_path) if model_path is not None else None
        if path is not None and path.is_file():
            document = load_model(path)
            linker = Linker(table, document["splink_model"], log_level=logging.WARNING)
            description = document["metadata"]
        else:
            linker = Linker(table, build_settings(prepared), log_level=logging.WARNING)
            description = _train(linker, frame, prepared, config)
            if path is not None:
                save_model(linker, description, path)
        predictions = linker.inference.predict(
            threshold_match_probability=prediction_floor(prepared, config), warning_mode="never"
        ).as_pandas_dataframe()
    finally:
        con.close()
    return ScoredPairs(_orient_pairs(predictions), description)


def prediction_floor(prepared: pd.DataFrame, config: IdentityConfig) -> float:
    """Lowest match probability kept: the config's floor, or the small-cluster one.

    Weak pairs are kept for small clusters only in person lists with a date of birth,
    where `small_cluster_links` reads them.
    """
    floor = config.prediction_floor
    if config.small_cluster_threshold is not None and is_register(prepared):
        floor = min(floor, config.small_cluster_threshold)
    return floor


def _train(
    linker: Linker, frame: pd.DataFrame, prepared: pd.DataFrame, config: IdentityConfig
) -> dict[str, Any]:
    """Estimate lambda, u by seeded random sampling and m by EM; keep priors when small."""
    present = present_columns(prepared)
    description: dict[str, Any] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_records": len(frame),
        "training_window": _training_window(prepared),
        "seed": config.seed,
        "versions": {name: version(name) for name in ("splink", "duckdb", "pandas")},
        "u_max_pairs": config.u_max_pairs,
        "deterministic_recall": config.deterministic_recall,
    }
    exact_keys = deterministic_keys(present)
    rule_pairs = sum(count_key_pairs(prepared, k) for k in exact_keys)
    all_pairs = len(frame) * (len(frame) - 1) // 2
    if rule_pairs == 0:
        # Splink would estimate a probability of 0, which has no match weight.
        logger.info("identity model: no pair passes a deterministic rule, prior rate kept")
    elif rule_pairs >= all_pairs * config.deterministic_recall:
        # Splink divides the rule pairs by the recall and refuses an estimate of 1 or more,
        # which a tiny input reaches (2 records sharing an email: 1 pair of 1). The sum
        # counts a pair once per rule it passes, so it errs toward keeping the prior.
        logger.info(
            "identity model: %s of %s pairs pass a deterministic rule, too many to estimate "
            "the match rate at recall %s; prior rate kept",
            rule_pairs,
            all_pairs,
            config.deterministic_recall,
        )
    else:
        linker.training.estimate_probability_two_random_records_match(
            [block_on(*k) for k in exact_keys], recall=config.deterministic_recall
        )
    if len(frame) < config.min_training_records:
        logger.info(
            "identity model: %s records is below min_training_records=%s, using prior m and u",
            len(frame),
            config.min_training_records,
        )
        description["trained"] = False
        description["reason"] = "fewer records than min_training_records; priors kept"
        return description

    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    em_keys = training_blocking_keys(present)
    for keys in em_keys:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*keys))
    description["trained"] = True
    description["em_blocking_keys"] = [list(keys) for keys in em_keys]
    return description


def _training_window(prepared: pd.DataFrame) -> dict[str, str | None]:
    seen = pd.to_datetime(prepared["first_seen_at"], errors="coerce", utc=True).dropna()
    if seen.empty:
        return {"first_seen_from": None, "first_seen_to": None}
    return {"first_seen_from": seen.min().isoformat(), "first_seen_to": seen.max().isoformat()}


def _check_pair_count(prepared: pd.DataFrame, config: IdentityConfig) -> None:
    """Fail before scoring when the equi-join blocking keys alone exceed the pair budget."""
    # NOTE: the cross rules (handle against email local part or name forms) are not
    # counted, so a placeholder handle shared by many records passes this check.
    count = sum(
        count_key_pairs(prepared, keys)
        for keys in prediction_blocking_keys(present_columns(prepared))
    )
    limit = config.max_pairs_per_record * len(prepared)
    if count > limit:
        raise DataQualityError(
            f"identity blocking: {count} candidate pairs for {len(prepared)} records exceeds "
            f"max_pairs_per_record={config.max_pairs_per_record}; a key shared by many "
            "records (a placeholder email or name) is the usual cause"
        )


def count_key_pairs(prepared: pd.DataFrame, keys: tuple[str, ...]) -> int:
    """Count record pairs equal and non-null on every column of `keys`."""
    sizes = prepared.dropna(subset=list(keys)).groupby(list(keys)).size()
    return int((sizes * (sizes - 1) // 2).sum())


def save_model(linker: Linker, metadata: dict[str, Any], path: str | Path) -> Path:
    """Write the Splink model and its training metadata to one JSON file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": MODEL_FORMAT,
        "metadata": metadata,
        "splink_model": linker.misc.save_model_to_json(),
    }
    target.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    logger.info("saved identity model to %s", target)
    return target


def load_model(path: str | Path) -> dict[str, Any]:
    """Read a model file written by `save_model`.

    Raises:
        ConfigurationError: The file is not JSON or lacks the model format marker.
    """
    source = Path(path)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"{source}: identity model is not valid JSON ({error})") from error
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise ConfigurationError(
            f"{source}, field 'format': expected {MODEL_FORMAT!r}, the file was not written "
            "by ml.identity.model.save_model"
        )
    return document


def _orient_pairs(predictions: pd.DataFrame) -> pd.DataFrame:
    if predictions.empty:
        return _empty_pairs()
    left = predictions["unique_id_l"].astype(str)
    right = predictions["unique_id_r"].astype(str)
    pairs = pd.DataFrame(
        {
            "record_id_l": left.where(left < right, right),
            "record_id_r": right.where(left < right, left),
            "match_probability": predictions["match_probability"].astype(float),
        }
    )
    return pairs.drop_duplicates(["record_id_l", "record_id_r"]).reset_index(drop=True)


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id_l": pd.Series(dtype=object),
            "record_id_r": pd.Series(dtype=object),
            "match_probability": pd.Series(dtype=float),
        }
    )
