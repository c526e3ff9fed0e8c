"""How much channel credit depends on identity resolution and on consent.

Identity threshold sensitivity: identity resolution repeats its clustering at several match
thresholds. Under each clustering the touches of a record belong to a different person, and
that person to a possibly different account (journey), so the headline model is rerun on the
touches re-mapped under each threshold. Conversions stay with their accounts: account ids are
hashes of company domains and do not depend on how people are clustered.

Consent: when touches of people who did not consent to tracking are dropped, their credit
moves to the other touches of the same conversions, or to `(none)`. The report sets the credit
with every touch beside the credit with consented touches only.

Both reports can add the timing model (`ml.attribution.timing_reports`) as model `timing`,
at account level.
"""

import dataclasses
import logging
from collections.abc import Sequence

import pandas as pd

from ml.attribution.attribute import attribute, summarize_channels
from ml.attribution.config import HEADLINE_MODEL, AttributionConfig
from ml.attribution.journeys import TOUCH_COLUMNS, AttributionInputError
from ml.attribution.timing import TimingConfig
from ml.attribution.timing_reports import TIMING_MODEL, run_timing_credit, warn_timing_absent
from ml.identity.accounts import assign_accounts

logger = logging.getLogger(__name__)

SENSITIVITY_COLUMNS = [
    "threshold",
    "model",
    "conversion_type",
    "channel",
    "revenue_credit",
    "share",
]
CONSENT_COLUMNS = [
    "model",
    "conversion_type",
    "channel",
    "revenue_credit_all",
    "revenue_credit_consented",
    "revenue_shift",
    "share_all",
    "share_consented",
    "touches_dropped",
]
TOUCH_RECORD_COLUMNS = ("touch_id", "record_id", "touched_at", "channel", "program")


def _require(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise AttributionInputError(
            f"{table}: column(s) {missing} missing; found {list(frame.columns)}, expected "
            f"{list(columns)}"
        )


def touches_under_clustering(
    touch_records: pd.DataFrame, clusters: pd.DataFrame, person_accounts: pd.DataFrame
) -> pd.DataFrame:
    """Assign every touch to the person and account its record belongs to in one clustering.

    Args:
        touch_records: touch_id, record_id, touched_at, channel, program.
        clusters: record_id and person_id.
        person_accounts: person_id and account_id.

    Returns:
        Touches in the `attribute` input format with journey_id = account. Touches whose
        record has no person or whose person has no account are left out, as
        `marts.fct_touches` leaves them out.
    """
    _require(touch_records, "touch_records", TOUCH_RECORD_COLUMNS)
    frame = touch_records.loc[:, list(TOUCH_RECORD_COLUMNS)].copy()
    frame["record_id"] = frame["record_id"].astype(str)
    people = clusters[["record_id", "person_id"]].astype({"record_id": str})
    frame = frame.merge(people, on="record_id").merge(
        person_accounts[["person_id", "account_id"]], on="person_id"
    )
    frame = frame.rename(columns={"account_id": "journey_id"})
    return frame.loc[:, list(TOUCH_COLUMNS)].reset_index(drop=True)


def touch_records_from_activities(activities: pd.DataFrame) -> pd.DataFrame:
    """Return the touch activities of `intermediate.int_identity__activities_resolved`.

    Returns:
        touch_id (the activity id), record_id, touched_at, channel, program for every
        activity marked as a touch that has an identity record and a time.
    """
    _require(activities, "activities", ("activity_id", "record_id", "occurred_at", "is_touch"))
    usable = (
        activities["is_touch"].fillna(False).astype(bool)
        & activities["record_id"].notna()
        & activities["occurred_at"].notna()
    )
    frame = activities.loc[usable].rename(
        columns={"activity_id": "touch_id", "occurred_at": "touched_at"}
    )
    return frame.loc[:, list(TOUCH_RECORD_COLUMNS)].reset_index(drop=True)


def with_main_clustering(
    threshold_clusters: pd.DataFrame, person_clusters: pd.DataFrame, main_threshold: float
) -> pd.DataFrame:
    """Add the main clustering (`identity.person_clusters`) as the rows of its threshold."""
    main = person_clusters[["record_id", "person_id"]].assign(threshold=float(main_threshold))
    others = threshold_clusters[threshold_clusters["threshold"] != main_threshold]
    return pd.concat([others, main[["threshold", "record_id", "person_id"]]], ignore_index=True)


def threshold_sensitivity(
    touch_records: pd.DataFrame,
    threshold_clusters: pd.DataFrame,
    records: pd.DataFrame,
    conversions: pd.DataFrame,
    config: AttributionConfig,
    touches: pd.DataFrame | None = None,
    model: str = HEADLINE_MODEL,
    timing: TimingConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rerun one attribution model, and optionally the timing model, under each clustering.

    Args:
        touch_records: Every touch with the identity record it came from: touch_id,
            record_id, touched_at, channel, program.
        threshold_clusters: threshold, record_id, person_id (`identity.threshold_clusters`,
            plus the main clustering under its own threshold if wanted).
        records: Identity records with record_id, email and company_domain, from which
            `ml.identity.assign_accounts` puts each threshold's people into accounts.
        conversions: Conversion table as for `attribute`.
        config: Attribution settings; `models` is replaced by `model`.
        touches: The main run's touches in the `attribute` format (`marts.fct_touches`).
            Those whose touch id is not in `touch_records` (such as Olist leads) are kept
            unchanged at every threshold.
        model: The model to rerun, the headline model by default.
        timing: Settings of the timing model, to add its rows as model `timing`. None leaves
            it out. Pass `REPORT_TIMING_CONFIG` (`interval_draws=0`): the table has no
            interval columns, and each draw would rerun the credit step at every threshold.
        as_of: When the data were extracted, passed to `timing_credit_table`.

    Returns:
        One row per threshold, model, conversion type and channel with `SENSITIVITY_COLUMNS`.
        For `model`, `share` is the channel's fraction of the conversions of that type. For
        `timing` (closed_won only), it is the channel's fraction of the timing model's net
        credit, and there is no `(none)` or `(baseline)` row. A threshold where the timing
        model cannot run has no timing rows, and one warning lists those thresholds.

    Raises:
        AttributionInputError: A required column is missing.
    """
    _require(threshold_clusters, "threshold_clusters", ("threshold", "record_id", "person_id"))
    single = dataclasses.replace(config, models=(model,))
    unresolved = pd.DataFrame(columns=list(TOUCH_COLUMNS))
    if touches is not None:
        from_records = touches["touch_id"].astype(str).isin(touch_records["touch_id"].astype(str))
        unresolved = touches.loc[~from_records, list(TOUCH_COLUMNS)]
    frames = []
    absent: dict[str, str] = {}
    for threshold, clusters in threshold_clusters.groupby("threshold", sort=True):
        accounts = assign_accounts(records, clusters)
        remapped = touches_under_clustering(touch_records, clusters, accounts)
        if not unresolved.empty:
            remapped = pd.concat([remapped, unresolved], ignore_index=True)
        summary = summarize_channels(attribute(remapped, conversions, single))
        summary.insert(0, "threshold", float(threshold))
        frames.append(summary)
        if timing is not None:
            credit, reason = run_timing_credit(remapped, conversions, timing, as_of)
            if reason is None:
                frames.append(_timing_sensitivity_rows(credit, float(threshold)))
            else:
                absent[f"threshold {float(threshold):g}"] = reason
        logger.info(
            "Threshold %.3f: %d people, %d touches on %d journeys",
            threshold,
            clusters["person_id"].nunique(),
            len(remapped),
            remapped["journey_id"].nunique(),
        )
    warn_timing_absent("threshold sensitivity", absent)
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in SENSITIVITY_COLUMNS})
    return pd.concat(frames, ignore_index=True)[SENSITIVITY_COLUMNS]


def _timing_sensitivity_rows(credit: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Return `timing_credit_table` rows in the sensitivity table's columns."""
    rows = credit.loc[:, ["conversion_type", "channel", "revenue_credit", "share"]]
    rows.insert(0, "model", TIMING_MODEL)
    rows.insert(0, "threshold", threshold)
    return rows


def _consented(touches: pd.DataFrame) -> pd.Series:
    """Return the boolean `consented` column, raising if it is missing or contains a null."""
    _require(touches, "touches", ("consented",))
    if touches["consented"].isna().any():
        row = int(touches["consented"].isna().to_numpy().nonzero()[0][0])
        raise AttributionInputError(
            f"touches, row {row}, field 'consented': value is null; expected True or False"
        )
    return touches["consented"].astype(bool)


def consent_shift(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: AttributionConfig,
    models: Sequence[str] = (HEADLINE_MODEL,),
) -> pd.DataFrame:
    """Report how much credit moves when touches without tracking consent are dropped.

    Args:
        touches: Touch table as for `attribute` plus a boolean `consented` column (False
            for touches of people who did not consent to tracking).
        conversions: Conversion table as for `attribute`.
        config: Attribution settings; `models` is replaced by `models`.
        models: Models to compare.

    Returns:
        One row per model, conversion type and channel with `CONSENT_COLUMNS`:
        `revenue_shift` is the consented-only credit minus the credit with every touch, and
        `touches_dropped` counts the channel's dropped touches (over all journeys).

    Raises:
        AttributionInputError: The `consented` column is missing or contains a null.
    """
    consented = _consented(touches)
    compared = dataclasses.replace(config, models=tuple(models))
    keys = ["model", "conversion_type", "channel"]
    every = summarize_channels(attribute(touches, conversions, compared)).set_index(keys)
    consented_only = summarize_channels(attribute(touches[consented], conversions, compared))
    consented_only = consented_only.set_index(keys)

    report = pd.DataFrame(index=every.index.union(consented_only.index))
    report["revenue_credit_all"] = every["revenue_credit"]
    report["revenue_credit_consented"] = consented_only["revenue_credit"]
    report["share_all"] = every["share"]
    report["share_consented"] = consented_only["share"]
    report = report.fillna(0.0)
    report["revenue_shift"] = report["revenue_credit_consented"] - report["revenue_credit_all"]
    dropped = touches.loc[~consented, "channel"].astype(str)
    dropped = dropped.map(lambda channel: config.channel_grouping.get(channel, channel))
    dropped = dropped.value_counts()
    channels = report.index.get_level_values("channel")
    report["touches_dropped"] = dropped.reindex(channels).fillna(0).astype(int).to_numpy()
    logger.info("Consent: dropped %d of %d touches", int((~consented).sum()), len(touches))
    return report.reset_index()[CONSENT_COLUMNS]


def timing_consent_shift(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: TimingConfig,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Report how the timing model's credit moves when touches without consent are dropped.

    Args:
        touches: Touch table as for `timing_credit_table` (journeys being accounts) plus a
            boolean `consented` column.
        conversions: Conversion table as for `timing_credit_table`.
        config: Timing model settings. `REPORT_TIMING_CONFIG` skips the credit intervals,
            which the report has no columns for.
        as_of: When the data were extracted, passed to `timing_credit_table`.

    Returns:
        `CONSENT_COLUMNS` rows of model `timing`, conversion type closed_won, one per channel
        of either run. A channel absent from one run has 0 credit there. Shares are
        fractions of the timing model's net credit. Unlike the journey models' shifts, these
        need not sum to 0, because the timing model credits only the part of each deal that
        the channels caused, and that part changes with the touches. `touches_dropped`
        counts the raw channel, as the timing model applies no channel grouping. No rows
        when the model cannot run with either set of touches, and one warning gives the
        reason.

    Raises:
        AttributionInputError: The `consented` column is missing or contains a null.
    """
    consented = _consented(touches)
    every, reason = run_timing_credit(touches, conversions, config, as_of)
    absent = {} if reason is None else {"every touch": reason}
    if not absent:
        only, reason = run_timing_credit(touches[consented], conversions, config, as_of)
        absent = {} if reason is None else {"consented touches only": reason}
    if absent:
        warn_timing_absent("consent report", absent)
        return pd.DataFrame({column: pd.Series(dtype=object) for column in CONSENT_COLUMNS})

    keys = ["conversion_type", "channel"]
    every, only = every.set_index(keys), only.set_index(keys)
    index = every.index.union(only.index)
    # fill_value fills only the channels missing from a run, so a NaN revenue (deals in
    # several currencies) stays NaN.
    report = pd.DataFrame(index=index)
    report["revenue_credit_all"] = every["revenue_credit"].reindex(index, fill_value=0.0)
    report["revenue_credit_consented"] = only["revenue_credit"].reindex(index, fill_value=0.0)
    report["share_all"] = every["share"].reindex(index, fill_value=0.0)
    report["share_consented"] = only["share"].reindex(index, fill_value=0.0)
    report["revenue_shift"] = report["revenue_credit_consented"] - report["revenue_credit_all"]
    dropped = touches.loc[~consented, "channel"].astype(str).value_counts()
    channels = report.index.get_level_values("channel")
    report["touches_dropped"] = dropped.reindex(channels, fill_value=0).astype(int).to_numpy()
    report.insert(0, "model", TIMING_MODEL)
    return report.reset_index()[CONSENT_COLUMNS]
