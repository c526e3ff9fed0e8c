"""Attribution: touches and conversions from the marts -> credit per model and channel."""

from collections.abc import Iterator
from typing import Any

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    multi_asset,
)
from pydantic import Field

from ml.attribution import AttributionConfig, bootstrap_channel_intervals
from ml.attribution.comparison import assign_company_journeys, compare_experiments
from ml.attribution.levels import ACCOUNT_LEVEL, attribute_levels, consent_shift_levels
from ml.attribution.sensitivity import (
    threshold_sensitivity,
    touch_records_from_activities,
    with_main_clustering,
)
from ml.attribution.timing import TimingConfig
from ml.attribution.timing_bootstrap import TimingBootstrapConfig, bootstrap_timing_intervals
from ml.attribution.timing_reports import REPORT_TIMING_CONFIG, TIMING_MODEL
from ml.attribution.timing_touches import timing_credit_tables
from ml.identity.config import IdentityConfig
from ml.io import read_table, replace_table, table_exists
from orchestration.resources import WarehouseResource

TOUCHES = AssetKey(["marts", "fct_touches"])
CONVERSIONS = AssetKey(["marts", "fct_conversions"])
CONVERSION_PEOPLE = AssetKey(["marts", "fct_conversion_people"])
CREDITS = AssetKey(["attribution", "credits"])
ACTIVITIES = AssetKey(["intermediate", "int_identity__activities_resolved"])
RECORDS = AssetKey(["intermediate", "int_identity__person_records_unioned"])
PERSON_CLUSTERS = AssetKey(["identity", "person_clusters"])
THRESHOLD_CLUSTERS = AssetKey(["identity", "threshold_clusters"])
ASSIGNMENTS = AssetKey(["raw", "experiment_assignments"])
COMPANIES = AssetKey(["staging", "stg_hubspot__companies"])
# The simulator's experiment facilitates threads in the community chat and forum.
EXPERIMENT_CHANNELS = {"EXP001": ("community_chat", "community_forum")}


class AttributionRunConfig(Config):
    """Settings an analyst may change per run in the launchpad."""

    lookback_days: int = 365
    """Touches older than this many days before a conversion earn no credit. A year covers
    typical B2B cycles and the Olist funnel, where 18% of declared revenue closed more than 180
    days after first contact."""


@multi_asset(
    specs=[
        AssetSpec(
            ["attribution", "credits"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS, CONVERSION_PEOPLE],
            description=(
                "One row per level (account or person), attribution model, conversion and "
                "credited touch."
            ),
        ),
        AssetSpec(
            ["attribution", "channel_intervals"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS],
            description="Bootstrap interval of each channel's account-level credit, per model.",
        ),
        AssetSpec(
            ["attribution", "consent_shift"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS, CONVERSION_PEOPLE],
            description=(
                "Credit per level, model and channel with every touch beside the credit with "
                "consented touches only, including the timing model at account level."
            ),
        ),
    ]
)
def attribution_credits(
    context: AssetExecutionContext, config: AttributionRunConfig, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[Any]]:
    """Credit every conversion to its touches under each attribution model, at two levels.

    The counterfactual model is the headline: it credits what removing a channel's touches
    would lose, where path-based models credit traffic volume. Account level treats the
    account's people as one journey; person level splits each conversion over the people
    behind it (`marts.fct_conversion_people`). The consent report reruns the models on the
    touches whose `consented` flag is true, and the timing model at account level (without
    its credit intervals, which the report has no columns for). When the timing model cannot
    run, its rows are absent and the log has a warning saying why. See docs/attribution.md.
    """
    settings = AttributionConfig(lookback_days=config.lookback_days)
    with warehouse.get_connection() as con:
        touches = read_table(con, "marts", "fct_touches")
        conversions = read_table(con, "marts", "fct_conversions")
        people = read_table(con, "marts", "fct_conversion_people")
    conversions["revenue"] = conversions["revenue"].astype(float)
    context.log.info(f"attributing {len(conversions)} conversions over {len(touches)} touches")

    credits = attribute_levels(touches, conversions, people, settings)
    account = credits[credits["level"] == ACCOUNT_LEVEL].drop(columns="level")
    intervals = bootstrap_channel_intervals(touches, conversions, settings, account)
    intervals.insert(0, "level", ACCOUNT_LEVEL)
    shift = consent_shift_levels(
        touches,
        conversions,
        people,
        settings,
        timing=REPORT_TIMING_CONFIG,
        as_of=pd.Timestamp.now(tz="UTC"),
    )

    with warehouse.get_connection() as con:
        replace_table(con, "attribution", "credits", credits)
        replace_table(con, "attribution", "channel_intervals", intervals)
        replace_table(con, "attribution", "consent_shift", shift)

    credited = credits.groupby(["level", "model"])["revenue_credit"].sum()
    yield MaterializeResult(
        asset_key=["attribution", "credits"],
        metadata={
            "rows": len(credits),
            "conversions": len(conversions),
            "touches": len(touches),
            "revenue_converted": float(conversions["revenue"].sum()),
            **{
                f"revenue_credited_{level}_{model}": float(value)
                for (level, model), value in credited.items()
            },
        },
    )
    yield MaterializeResult(
        asset_key=["attribution", "channel_intervals"], metadata={"rows": len(intervals)}
    )
    moved = shift[shift["revenue_shift"] > 0].groupby(["level", "model"])["revenue_shift"].sum()
    yield MaterializeResult(
        asset_key=["attribution", "consent_shift"],
        metadata={
            "rows": len(shift),
            "touches_without_consent": int((~touches["consented"].astype(bool)).sum()),
            "timing_model_included": bool((shift["model"] == TIMING_MODEL).any()),
            **{
                f"revenue_moved_{level}_{model}": float(value)
                for (level, model), value in moved.items()
            },
        },
    )


@multi_asset(
    specs=[
        AssetSpec(
            ["attribution", "threshold_sensitivity"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS, ACTIVITIES, RECORDS, PERSON_CLUSTERS, THRESHOLD_CLUSTERS],
            description=(
                "Headline and timing model channel credit under each identity-resolution threshold."
            ),
        ),
        AssetSpec(
            ["attribution", "experiment_comparison"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS, CREDITS, ASSIGNMENTS, COMPANIES],
            description=(
                "Each experiment's measured lift beside every model's program credit, the "
                "timing model's with an interval."
            ),
        ),
    ]
)
def attribution_sensitivity(
    context: AssetExecutionContext, config: AttributionRunConfig, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[Any]]:
    """Check how channel credit depends on identity resolution, and set it beside experiments.

    Threshold sensitivity reruns the headline model and the timing model with touches
    re-mapped under each identity threshold's clustering. The timing model runs without its
    credit intervals: the table has no columns for them, and each of the 200 default draws
    would rerun its credit step at every threshold. A threshold where the timing model cannot
    run has no timing rows, and the log has a warning saying why. The experiment comparison
    puts each experiment's measured lift next to the opportunities each model credits the
    program's channels, the timing model included (with an interval from its coefficient
    draws, which are cheap on the few outcome opportunities). Without a timing row, the log
    has a warning saying why. See docs/attribution.md.
    """
    settings = AttributionConfig(lookback_days=config.lookback_days)
    with warehouse.get_connection() as con:
        touches = read_table(con, "marts", "fct_touches")
        conversions = read_table(con, "marts", "fct_conversions")
        activities = read_table(con, "intermediate", "int_identity__activities_resolved")
        records = read_table(con, "intermediate", "int_identity__person_records_unioned")
        person_clusters = read_table(con, "identity", "person_clusters")
        threshold_clusters = read_table(con, "identity", "threshold_clusters")
        credits = read_table(con, "attribution", "credits")
        credits = credits[credits["level"] == ACCOUNT_LEVEL].drop(columns="level")
        assignments = (
            read_table(con, "raw", "experiment_assignments")
            if table_exists(con, "raw", "experiment_assignments")
            else pd.DataFrame()
        )
        companies = read_table(con, "staging", "stg_hubspot__companies")
    conversions["revenue"] = conversions["revenue"].astype(float)

    clusters = with_main_clustering(
        threshold_clusters, person_clusters, IdentityConfig().match_threshold
    )
    sensitivity = threshold_sensitivity(
        touch_records_from_activities(activities),
        clusters,
        records,
        conversions,
        settings,
        touches,
        timing=REPORT_TIMING_CONFIG,
        as_of=pd.Timestamp.now(tz="UTC"),
    )
    units = assign_company_journeys(assignments, companies)
    comparison = compare_experiments(
        units,
        conversions,
        credits,
        EXPERIMENT_CHANNELS,
        touches=touches,
        timing=TimingConfig(),
        as_of=pd.Timestamp.now(tz="UTC"),
    )

    with warehouse.get_connection() as con:
        replace_table(con, "attribution", "threshold_sensitivity", sensitivity)
        replace_table(con, "attribution", "experiment_comparison", comparison)

    keys = ["model", "conversion_type", "channel"]
    spread = sensitivity.groupby(keys)["share"].agg(["min", "max"])
    timed = sensitivity.loc[sensitivity["model"] == TIMING_MODEL, "threshold"]
    yield MaterializeResult(
        asset_key=["attribution", "threshold_sensitivity"],
        metadata={
            "rows": len(sensitivity),
            "thresholds": sorted(float(t) for t in sensitivity["threshold"].unique()),
            "max_share_range": float((spread["max"] - spread["min"]).max()),
            "thresholds_with_timing": sorted(float(t) for t in timed.unique()),
        },
    )
    yield MaterializeResult(
        asset_key=["attribution", "experiment_comparison"],
        metadata={
            "rows": len(comparison),
            "experiments": int(units["experiment_id"].nunique()),
            "timing_model_included": bool((comparison["model"] == TIMING_MODEL).any()),
        },
    )


class TimingRunConfig(Config):
    """Settings of the timing model's run that an analyst may change in the launchpad."""

    # Field(ge=0) rejects a negative count when the step starts, naming this setting.
    timing_bootstrap_samples: int = Field(default=100, ge=0)
    """Resamples of accounts behind the timing model's bootstrap intervals. Each refits the
    model, which took 0.4 s on the 1,000-member demo and 1 to 2 s at 5,000 members
    (docs/benchmarks.md). 0 skips them."""


@multi_asset(
    specs=[
        AssetSpec(
            ["attribution", "timing_credit"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS],
            description=(
                "One row per channel: the timing model's credit for won new-business deals, "
                "with coefficient-draw intervals."
            ),
        ),
        AssetSpec(
            ["attribution", "timing_intervals"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS],
            description=(
                "One row per channel: bootstrap intervals of the timing model's revenue credit "
                "and share, refitting the model on accounts drawn with replacement."
            ),
        ),
        AssetSpec(
            ["attribution", "timing_touch_credit"],
            group_name="attribution",
            deps=[TOUCHES, CONVERSIONS],
            description=(
                "One row per won new-business deal and touch: the timing model's channel "
                "credit split over the touches behind it, at account level."
            ),
        ),
    ]
)
def attribution_timing_credit(
    context: AssetExecutionContext, config: TimingRunConfig, warehouse: WarehouseResource
) -> Iterator[MaterializeResult[Any]]:
    """Credit won new-business deals to channels and touches by when accounts' opportunities open.

    The timing model compares each opportunity's week with the other weeks of the same
    account, so whatever is constant for an account (intent, budget) cancels. It needs
    thousands of opportunities for stable shares. On a small warehouse read the share
    intervals first (the metadata has those of the top three channels). Each deal's channel
    credit is then split over the channel's touches of earlier weeks, in proportion to each
    touch's weight in the channel's exposure, and the rest of the deal goes to `(baseline)`.
    Summed over deals, the touch rows equal the channel rows. The bootstrap intervals refit
    the whole model on accounts drawn with replacement, so unlike the coefficient-draw
    intervals they cover the choice of decays. See docs/attribution.md.
    """
    with warehouse.get_connection() as con:
        touches = read_table(con, "marts", "fct_touches")
        conversions = read_table(con, "marts", "fct_conversions")
    # A close date after the run (a typo on a won deal) would otherwise stretch the window.
    as_of = pd.Timestamp.now(tz="UTC")
    credit, touch_credit = timing_credit_tables(touches, conversions, as_of=as_of)
    touch_credit.insert(0, "level", ACCOUNT_LEVEL)
    opportunities = int(credit["opportunities"].max()) if len(credit) else 0
    credited_deals = int(credit["credited_deals"].max()) if len(credit) else 0
    if credit.empty:
        context.log.warning(
            "timing credit is empty: it needs touches, opportunity_created conversions and "
            "closed_won conversions that share an opportunity_id"
        )
    else:
        context.log.info(
            f"timing model: {opportunities} opportunities, {credited_deals} won deals credited"
        )
    bootstrap = TimingBootstrapConfig(samples=config.timing_bootstrap_samples)
    context.log.info(f"timing bootstrap: refitting the model {bootstrap.samples} times")
    intervals = bootstrap_timing_intervals(touches, conversions, bootstrap=bootstrap, as_of=as_of)
    with warehouse.get_connection() as con:
        replace_table(con, "attribution", "timing_credit", credit)
        replace_table(con, "attribution", "timing_intervals", intervals)
        replace_table(con, "attribution", "timing_touch_credit", touch_credit)
    top = credit.sort_values("share", ascending=False).head(3)
    yield MaterializeResult(
        asset_key=["attribution", "timing_credit"],
        metadata={
            "rows": len(credit),
            "opportunities": opportunities,
            "credited_deals": credited_deals,
            **{f"share_{row.channel}": float(row.share) for row in top.itertuples()},
            **{
                f"share_interval_{row.channel}": f"{row.share_lower:.3f} to {row.share_upper:.3f}"
                for row in top.itertuples()
            },
        },
    )
    yield MaterializeResult(
        asset_key=["attribution", "timing_intervals"],
        metadata={
            "rows": len(intervals),
            "resamples_requested": bootstrap.samples,
            "resamples_fitted": int(intervals["resamples"].max()) if len(intervals) else 0,
        },
    )
    credited_touches = touch_credit["touch_id"].notna()
    yield MaterializeResult(
        asset_key=["attribution", "timing_touch_credit"],
        metadata={
            "rows": len(touch_credit),
            "touches_credited": int(touch_credit.loc[credited_touches, "touch_id"].nunique()),
            "deals": int(touch_credit["conversion_id"].nunique()),
        },
    )
