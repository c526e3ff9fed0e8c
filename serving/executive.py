"""The executive revenue page: community-sourced and -influenced revenue against the total."""

import pandas as pd

from serving.figures import SHARE_SUFFIX, Chart, Figure, Page

# Model whose channel shares the comparison sorts by; docs/attribution.md explains why it leads.
HEADLINE_MODEL = "counterfactual"

HEADLINE = Figure(
    key="headline",
    title="Community pipeline and revenue, all time",
    mart="fct_community_revenue",
    sql="""
        with totals as (
            select
                count(*) as opportunities,
                sum(amount_reporting) as pipeline,
                sum(influenced_pipeline_reporting) as influenced_pipeline,
                sum(sourced_pipeline_reporting) as sourced_pipeline,
                sum(net_won_amount_reporting) as won_revenue,
                sum(influenced_revenue_reporting) as influenced_revenue,
                sum(sourced_revenue_reporting) as sourced_revenue
            from marts.fct_community_revenue
        )
        select 'pipeline, all opportunities' as measure, pipeline as amount_reporting,
            1.0 as share_of_total from totals
        union all
        select 'pipeline, community-influenced', influenced_pipeline,
            influenced_pipeline / nullif(pipeline, 0) from totals
        union all
        select 'pipeline, community-sourced', sourced_pipeline,
            sourced_pipeline / nullif(pipeline, 0) from totals
        union all
        select 'won revenue net of refunds, all deals', won_revenue, 1.0 from totals
        union all
        select 'won revenue, community-influenced', influenced_revenue,
            influenced_revenue / nullif(won_revenue, 0) from totals
        union all
        select 'won revenue, community-sourced', sourced_revenue,
            sourced_revenue / nullif(won_revenue, 0) from totals
    """,
    note=(
        "Sums over every opportunity with an account, in the reporting currency (dbt var "
        "reporting_currency). An opportunity is community-influenced when a qualified "
        "community touch of its account falls in the influence window before its creation. "
        "It is community-sourced when the first qualifying touch in that window was a "
        "community one. docs/revenue-definitions.md gives the rules."
    ),
    chart=Chart(kind="bar", x="measure", values=("amount_reporting",)),
    percent_columns=("share_of_total",),
)

MONTHLY_REVENUE = Figure(
    key="monthly_revenue",
    title="Won revenue per month: all, community-influenced, community-sourced",
    mart="fct_kpi_revenue",
    sql="""
        select
            period_start,
            won_revenue_reporting,
            influenced_revenue_reporting,
            sourced_revenue_reporting,
            pipeline_reporting,
            influenced_pipeline_reporting,
            sourced_pipeline_reporting,
            deals_won
        from marts.fct_kpi_revenue
        where dimension = 'all'
        order by period_start
    """,
    note=(
        "Revenue counts won deals by close month, net of refunds; pipeline counts "
        "opportunities by creation month. Reporting currency."
    ),
    chart=Chart(
        kind="line",
        x="period_start",
        values=(
            "won_revenue_reporting",
            "influenced_revenue_reporting",
            "sourced_revenue_reporting",
        ),
    ),
)

RETENTION = Figure(
    key="retention",
    title="Logo retention, expansion and churn per month",
    mart="fct_kpi_revenue",
    sql="""
        select
            period_start,
            customers_at_start,
            customers_retained,
            logo_retention_rate,
            expansion_mrr_reporting,
            churned_mrr_reporting
        from marts.fct_kpi_revenue
        where dimension = 'all'
        order by period_start
    """,
    note=(
        "Logo retention: accounts paying on the first day of the month that still pay after "
        "its last day. Expansion and churned MRR are monthly recurring revenue added by "
        "expansions and removed by churn and contraction."
    ),
    chart=Chart(
        kind="line",
        x="period_start",
        values=("expansion_mrr_reporting", "churned_mrr_reporting"),
    ),
    percent_columns=("logo_retention_rate",),
)

ACCELERATION = Figure(
    key="acceleration",
    title="How much faster community-touched deals close",
    mart="fct_community_acceleration",
    sql="""
        select
            deal_type || ' / ' || size_band as stratum,
            touched_deals,
            untouched_deals,
            touched_median_days,
            untouched_median_days,
            median_difference_days,
            difference_low_days,
            difference_high_days,
            accelerated_revenue_reporting
        from marts.fct_community_acceleration
        order by deal_type = 'all' desc, deal_type, size_band
    """,
    note=(
        "Untouched minus touched median days to close of closed-won deals, per deal type and "
        "size band. The all / all row averages the strata's differences, weighted by their "
        "deals, so it has no medians of its own. Whiskers are the 95% "
        "bootstrap interval. The comparison is observational: it does not remove confounding "
        "by account intent."
    ),
    chart=Chart(
        kind="bar",
        x="stratum",
        values=("median_difference_days",),
        lower="difference_low_days",
        upper="difference_high_days",
    ),
)

COHORT_CONVERSION = Figure(
    key="cohort_conversion",
    title="Conversion by account cohort",
    mart="fct_kpi_cohort_conversion",
    sql="""
        select cohort_month, cohort_accounts, accounts_with_opportunity, accounts_won,
            opportunity_rate, conversion_rate
        from marts.fct_kpi_cohort_conversion
        order by cohort_month
    """,
    note=(
        "Accounts by the month their first activity was seen, and the share that opened and "
        "won a new-business opportunity since. Recent cohorts have had less time to convert."
    ),
    chart=Chart(kind="line", x="cohort_month", values=("opportunity_rate", "conversion_rate")),
    percent_columns=("opportunity_rate", "conversion_rate"),
)

FORECAST = Figure(
    key="forecast",
    title="Next-quarter revenue forecast with its prediction interval",
    mart="fct_revenue_forecast",
    sql="""
        select
            concat_ws(' ', strftime(period_start, '%Y-%m'), currency, revenue_stage)
                as month_stage,
            forecast_method,
            forecast_amount,
            forecast_lower,
            forecast_upper
        from marts.fct_revenue_forecast
        order by currency, revenue_stage, period_start
    """,
    note=(
        "Net revenue per future month, currency and lifecycle stage, from the method with the "
        "lowest backtest error on that stage; whiskers are the prediction interval. Intervals "
        "of different stages do not add up, so no total is shown. See "
        "docs/forecasting-and-scoring.md."
    ),
    chart=Chart(
        kind="bar",
        x="month_stage",
        values=("forecast_amount",),
        lower="forecast_lower",
        upper="forecast_upper",
    ),
)


def pivot_model_shares(rows: pd.DataFrame) -> pd.DataFrame:
    """Turn one row per model and channel into one row per channel, a share column per model."""
    table = rows.pivot_table(
        index=["currency", "channel"],
        columns="attribution_model",
        values="revenue_share",
        aggfunc="sum",
    ).reset_index()
    table.columns.name = None
    table = table.rename(
        columns=lambda column: (
            f"{column}{SHARE_SUFFIX}" if column not in ("currency", "channel") else column
        )
    )
    headline = f"{HEADLINE_MODEL}{SHARE_SUFFIX}"
    if headline in table.columns:
        table = table.sort_values(["currency", headline], ascending=[True, False])
    return table.reset_index(drop=True)


MODEL_SHARES_SQL = """
    select
        currency,
        channel,
        attribution_model,
        revenue_credit / nullif(sum(revenue_credit) over (
            partition by attribution_model, currency
        ), 0) as revenue_share
    from marts.fct_channel_revenue
    where attribution_level = 'account' and conversion_type = 'closed_won'
"""

MODEL_COMPARISON = Figure(
    key="model_comparison",
    title="Share of closed-won revenue by channel under each attribution model",
    mart="fct_channel_revenue",
    sql=MODEL_SHARES_SQL,
    note=(
        "Each column is one attribution model's split of closed-won revenue (account level) "
        "over channels; a column sums to 100% per currency. (baseline) is the revenue the "
        "counterfactual and timing models find no channel caused, (none) the revenue of deals "
        "without an eligible touch; the timing model has no (none) row, because such deals go "
        "to its baseline. Timing shares are of its total credit, which can exceed revenue, as "
        "each channel's share of a deal is what removing that channel alone would lose. Models "
        "that disagree show where the credit depends on the model's assumptions; "
        "docs/attribution.md says why counterfactual leads."
    ),
    reshape=pivot_model_shares,
)

EXECUTIVE_PAGE = Page(
    file_name="executive.html",
    title="Executive revenue view",
    intro=(
        "Community-sourced and -influenced pipeline and revenue against the total, logo "
        "retention and expansion, how much faster community-touched deals close, the "
        "next-quarter forecast and how the attribution models split revenue over channels."
    ),
    exposure="executive_revenue_dashboard",
    figures=(
        HEADLINE,
        MONTHLY_REVENUE,
        RETENTION,
        ACCELERATION,
        COHORT_CONVERSION,
        FORECAST,
        MODEL_COMPARISON,
    ),
)
