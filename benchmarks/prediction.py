"""Benchmark the conversion model on UCI Online Shoppers Purchasing Intention.

Run as `python -m benchmarks.prediction`. It runs 5-fold stratified cross-validation with a
fixed seed. For each fold the baseline (scikit-learn's GradientBoostingClassifier with default
settings on one-hot features) and the project's calibrated boosted classifier are fitted
on the training folds and scored on the held-out fold. The classifier's configuration is
chosen per fold from `CANDIDATES` by `select_config` on 3 inner folds of the training
rows only (nested cross-validation), so no held-out row influences its settings.

Reported per model: AUC (mean over folds), ECE with 10 equal-width bins (mean over folds,
and pooled over all out-of-fold predictions), and Brier score (pooled). The ECE noise
floor is the ECE a perfectly calibrated model with the same probabilities would show,
by simulation, so an ECE near it is indistinguishable from perfect calibration.

The simulator checks (also run alone with `--skip-uci`) simulate 3,000 members over four
years and report account-level conversion, churn and expansion propensity on time-split snapshots
(AUC, Brier, ECE) and the planted experiment's estimated difference next to its true lift.

The last printed line is one JSON object of figures.
"""

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ml.scoring.calibration import brier_score, ece_noise_floor, expected_calibration_error
from ml.scoring.classifier import CalibratedBoostedClassifier, ClassifierConfig, select_config
from ml.scoring.experiments import ExperimentConfig, analyse_experiment
from ml.scoring.propensity import PropensityConfig, build_snapshots, train_propensity

DATA_PATH = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "online_shoppers_intention"
    / "online_shoppers_intention.csv"
)
MONTH_NUMBERS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "May": 5,
    "June": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}
SEED = 42
FOLDS = 5
# Candidate settings for the nested selection. All use 5 seed-averaged models and Platt
# calibration fitted on 3 inner folds. "narrow" is the setting an earlier version of this
# benchmark had picked on the outer folds; nested selection keeps that choice honest. The
# two "trees" settings blend "narrow" with 500 extremely randomised trees, at the forest
# settings that did best on the exploration rows described in docs/benchmarks.md.
_DEFAULTS = ClassifierConfig(calibration="platt", inner_folds=3, ensemble_size=5, seed=SEED)
_NARROW = replace(_DEFAULTS, max_features=0.3, min_samples_leaf=150)
CANDIDATES = {
    "defaults": _DEFAULTS,
    "narrow": _NARROW,
    "shallow": replace(_DEFAULTS, max_leaf_nodes=7, max_iter=900),
    "narrow_trees": replace(_NARROW, extra_trees=500),
    "narrow_trees_heavy": replace(
        _NARROW, extra_trees=500, extra_trees_weight=0.7, extra_trees_max_features=1.0
    ),
}


def load_sessions(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Read the sessions file (CRLF line endings) and split off the Revenue label."""
    sessions = pd.read_csv(path)
    labels = sessions.pop("Revenue").astype(int).to_numpy()
    sessions["Weekend"] = sessions["Weekend"].astype(int)
    return sessions, labels


def baseline_features(sessions: pd.DataFrame) -> pd.DataFrame:
    """One-hot encode Month and VisitorType and keep every other column as it is."""
    return pd.get_dummies(sessions, columns=["Month", "VisitorType"], dtype=float)


def engineered_features(sessions: pd.DataFrame) -> pd.DataFrame:
    """Add page-value, duration and visitor features and drop the opaque id columns.

    OperatingSystems, Browser and Region are integer codes without an order; dropping
    them raised the cross-validated AUC of a single boosted model from 0.9332 to 0.9335.
    """
    features = sessions.drop(columns=["OperatingSystems", "Browser", "Region"])
    total_pages = (
        features["Administrative"] + features["Informational"] + features["ProductRelated"]
    )
    total_duration = (
        features["Administrative_Duration"]
        + features["Informational_Duration"]
        + features["ProductRelated_Duration"]
    )
    features["has_page_value"] = (features["PageValues"] > 0).astype(float)
    features["log_page_value"] = np.log1p(features["PageValues"])
    features["total_pages"] = total_pages
    features["total_duration"] = total_duration
    features["page_value_per_product_page"] = features["PageValues"] / (
        features["ProductRelated"] + 1
    )
    features["duration_per_page"] = total_duration / (total_pages + 1)
    features["exit_minus_bounce"] = features["ExitRates"] - features["BounceRates"]
    features["log_product_duration"] = np.log1p(features["ProductRelated_Duration"])
    features["month_number"] = features.pop("Month").map(MONTH_NUMBERS).astype(float)
    visitor = features.pop("VisitorType")
    features["returning_visitor"] = (visitor == "Returning_Visitor").astype(float)
    features["new_visitor"] = (visitor == "New_Visitor").astype(float)
    return features


def summarise(
    name: str,
    labels: np.ndarray,
    predictions: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """AUC, ECE (fold mean and pooled), Brier and ECE noise floors of out-of-fold predictions.

    Returns:
        The summary figures, and the AUC and ECE of each fold.
    """
    fold_auc = [roc_auc_score(labels[rows], predictions[rows]) for _, rows in folds]
    fold_ece = [expected_calibration_error(labels[rows], predictions[rows]) for _, rows in folds]
    fold_floor = [ece_noise_floor(predictions[rows], seed=SEED) for _, rows in folds]
    print(
        name, "fold AUC", np.round(fold_auc, 4).tolist(), "fold ECE", np.round(fold_ece, 4).tolist()
    )
    figures = {
        "auc": float(np.mean(fold_auc)),
        "ece": float(np.mean(fold_ece)),
        "ece_pooled": expected_calibration_error(labels, predictions),
        "brier": brier_score(labels, predictions),
        "ece_floor": float(np.mean(fold_floor)),
        "ece_pooled_floor": ece_noise_floor(predictions, seed=SEED),
    }
    print(name, {key: round(value, 4) for key, value in figures.items()}, flush=True)
    per_fold = {
        "auc": [round(float(value), 4) for value in fold_auc],
        "ece": [round(float(value), 4) for value in fold_ece],
    }
    return figures, per_fold


def uci_figures(path: Path) -> dict[str, object]:
    """Cross-validate the baseline and our model on the UCI sessions."""
    sessions, labels = load_sessions(path)
    baseline_x = baseline_features(sessions)
    model_x = engineered_features(sessions)
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(model_x, labels))

    chosen_configs: list[str] = []
    baseline_predictions = np.empty(labels.size)
    model_predictions = np.empty(labels.size)
    started = time.perf_counter()
    for train_rows, test_rows in folds:
        baseline = GradientBoostingClassifier(random_state=SEED)
        baseline.fit(baseline_x.iloc[train_rows], labels[train_rows])
        baseline_predictions[test_rows] = baseline.predict_proba(baseline_x.iloc[test_rows])[:, 1]

        chosen, inner_auc = select_config(
            model_x.iloc[train_rows], labels[train_rows], CANDIDATES, folds=3, seed=SEED
        )
        print("inner AUC", {name: round(value, 4) for name, value in inner_auc.items()})
        chosen_configs.append(chosen)
        model = CalibratedBoostedClassifier(CANDIDATES[chosen])
        model.fit(model_x.iloc[train_rows], labels[train_rows])
        model_predictions[test_rows] = model.predict_proba(model_x.iloc[test_rows])
    seconds = time.perf_counter() - started

    baseline_figures, _ = summarise("baseline", labels, baseline_predictions, folds)
    model_figures, model_folds = summarise("model", labels, model_predictions, folds)
    result: dict[str, object] = {
        "uci_auc": round(model_figures["auc"], 4),
        "uci_ece": round(model_figures["ece"], 4),
        "uci_brier": round(model_figures["brier"], 4),
        "uci_ece_pooled": round(model_figures["ece_pooled"], 4),
        "uci_ece_floor": round(model_figures["ece_floor"], 4),
        "uci_ece_pooled_floor": round(model_figures["ece_pooled_floor"], 4),
        "uci_baseline_auc": round(baseline_figures["auc"], 4),
        "uci_baseline_ece": round(baseline_figures["ece"], 4),
        "uci_baseline_brier": round(baseline_figures["brier"], 4),
        "uci_baseline_ece_pooled": round(baseline_figures["ece_pooled"], 4),
        "uci_seconds": round(seconds, 1),
        "uci_fold_auc": model_folds["auc"],
        "uci_fold_ece": model_folds["ece"],
        "uci_configs": chosen_configs,
    }
    return result


def account_propensity_inputs(
    truth: Path, target: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Activities, events and eligibility per account for conversion or churn from truth.

    Activities are touches (action = channel) and opportunity creations from the CRM
    (action = opportunity_created_<deal type>), both by account. Conversion: the first won
    new-business close day, eligible from the account's first touch until then. Churn:
    the churn day, eligible from the first win until churn. Expansion: the close day of
    each won expansion deal, eligible as for churn.
    """
    touches = pd.read_csv(truth / "touches.csv", usecols=["account_id", "channel", "occurred_at"])
    touches = touches.dropna(subset=["account_id"])
    activities = pd.DataFrame(
        {
            "entity_id": touches["account_id"],
            "action": touches["channel"],
            "occurred_at": pd.to_datetime(touches["occurred_at"]).dt.tz_localize(None),
        }
    )
    deals = pd.read_csv(truth / "deals.csv", parse_dates=["created_at", "closed_at"])
    opened = pd.DataFrame(
        {
            "entity_id": deals["account_id"],
            "action": "opportunity_created_" + deals["deal_type"],
            "occurred_at": deals["created_at"],
        }
    )
    activities = pd.concat([activities, opened], ignore_index=True)
    accounts = pd.read_csv(truth / "accounts.csv", parse_dates=["first_won_at", "churned_at"])
    if target == "conversion":
        first_touch = activities.groupby("entity_id")["occurred_at"].min()
        eligibility = pd.DataFrame(
            {
                "entity_id": first_touch.index,
                "eligible_from": first_touch.dt.normalize().to_numpy(),
                "eligible_until": first_touch.index.map(
                    accounts.set_index("account_id")["first_won_at"]
                ),
            }
        )
        won = accounts.dropna(subset=["first_won_at"])
        events = pd.DataFrame({"entity_id": won["account_id"], "occurred_at": won["first_won_at"]})
    else:
        customers = accounts.dropna(subset=["first_won_at"])
        eligibility = pd.DataFrame(
            {
                "entity_id": customers["account_id"],
                "eligible_from": customers["first_won_at"],
                "eligible_until": customers["churned_at"],
            }
        )
        churned = customers.dropna(subset=["churned_at"])
        events = pd.DataFrame(
            {"entity_id": churned["account_id"], "occurred_at": churned["churned_at"]}
        )
        if target == "expansion":
            won = deals["is_won"].astype(str).str.lower() == "true"
            expansions = deals[won & (deals["deal_type"] == "existingbusiness")]
            events = pd.DataFrame(
                {"entity_id": expansions["account_id"], "occurred_at": expansions["closed_at"]}
            )
    return activities, events, eligibility


def simulator_figures(members: int, seed: int) -> dict[str, float | bool]:
    """Propensity (time split) and experiment estimates on a simulated community.

    `experiment_effect_covered` is true when the 95% interval of the estimated difference
    in opportunity rate (treatment minus control) contains the planted experiment's true
    lift among treated accounts, both from the simulator's truth folder.
    """
    from simulator.config import SimulationConfig
    from simulator.run import simulate

    start, end = pd.Timestamp("2022-07-01"), pd.Timestamp("2026-06-30")
    cutoffs = list(pd.date_range("2025-05-01", "2026-05-01", freq="MS"))
    config = PropensityConfig(horizon_days=30, test_cutoffs=3)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        simulate(
            SimulationConfig(members=members, seed=seed, start=start.date(), end=end.date()),
            Path(folder),
        )
        truth = Path(folder) / "truth"
        for target in ("conversion", "churn", "expansion"):
            snapshots = build_snapshots(*account_propensity_inputs(truth, target), cutoffs, config)
            result = train_propensity(snapshots, config)
            print(target, result.metrics)
            print(result.calibration.round(3).to_string(index=False))
            for name in ("auc", "brier", "ece", "base_rate", "test_rows"):
                figures[f"simulator_{target}_{name}"] = result.metrics[name]

        units = pd.read_csv(truth / "experiment_units.csv")
        units["converted"] = units["opened_opportunity"].astype(str).str.lower() == "true"
        estimates = analyse_experiment(units, ExperimentConfig(seed=SEED))
        estimate = estimates.set_index("metric").loc["conversion"]
        planted = pd.read_csv(truth / "experiments.csv").iloc[0]
    figures.update(
        {
            "simulator_experiment_difference": float(estimate["difference"]),
            "simulator_experiment_lower": float(estimate["lower"]),
            "simulator_experiment_upper": float(estimate["upper"]),
            "simulator_experiment_true_lift": float(planted["true_lift"]),
        }
    )
    output: dict[str, float | bool] = {key: round(value, 4) for key, value in figures.items()}
    output["experiment_effect_covered"] = bool(
        estimate["lower"] <= planted["true_lift"] <= estimate["upper"]
    )
    return output


def main() -> None:
    """Run the UCI cross-validation and the simulator checks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_PATH, help="path of the sessions CSV")
    parser.add_argument("--members", type=int, default=3000, help="simulated members")
    parser.add_argument("--seed", type=int, default=11, help="simulator seed")
    parser.add_argument(
        "--skip-uci", action="store_true", help="run only the simulator checks (about a minute)"
    )
    arguments = parser.parse_args()

    result: dict[str, object] = {}
    if not arguments.skip_uci:
        result.update(uci_figures(arguments.data))
    result.update(simulator_figures(arguments.members, arguments.seed))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
