"""The analyst page: journeys, conversion journeys, subscriptions and per-deal community flags."""

from serving.figures import Chart, Figure, Page

JOURNEY_CHANNELS = Figure(
    key="journey_channels",
    title="Touches by channel",
    mart="fct_journeys",
    sql="""
        select
            channel,
            is_community,
            count(*) as touches,
            count(*) filter (where is_qualifying) as qualifying_touches,
            count(distinct person_id) as people,
            count(distinct account_id) as accounts,
            count(next_opportunity_id) as touches_before_an_opportunity,
            median(days_before_opportunity) as median_days_before_opportunity
        from marts.fct_journeys
        group by channel, is_community
        order by touches desc, channel
    """,
    note=(
        "Every touch of every resolved person. A touch is before an opportunity when its "
        "account created one on the touch's day or later; the median is over those touches."
    ),
    chart=Chart(kind="bar", x="channel", values=("touches",)),
)

CONVERSION_JOURNEYS = Figure(
    key="conversion_journeys",
    title="Conversion journeys by engagement depth, with censoring",
    mart="fct_conversion_journeys",
    sql="""
        select
            engagement_depth,
            count(*) as accounts,
            count(*) filter (where has_opportunity) as with_opportunity,
            count(*) filter (where not has_opportunity) as censored_before_opportunity,
            count(*) filter (where has_won) as won,
            count(*) filter (where not has_won) as censored_before_win,
            median(days_to_opportunity) filter (where has_opportunity)
                as median_observed_days_to_opportunity
        from marts.fct_conversion_journeys
        group by engagement_depth
        order by case engagement_depth
            when 'none' then 0 when 'light' then 1 when 'medium' then 2 when 'deep' then 3
            else 4 end
    """,
    note=(
        "One journey per account from its first community touch. Accounts without an "
        "opportunity or a win yet are censored at the last observed day, not failures. The "
        "median here is over observed opportunities only, so it understates the wait. The "
        "Kaplan-Meier estimates that account for censoring are in windows.conversion_windows."
    ),
)

SUBSCRIPTIONS = Figure(
    key="subscriptions",
    title="Subscriptions by lifecycle type and status",
    mart="fct_subscriptions",
    sql="""
        select
            lifecycle_type,
            subscription_status,
            count(*) as subscriptions,
            count(*) filter (where is_churned) as churned,
            sum(monthly_amount_reporting) as monthly_amount_reporting,
            sum(net_paid_reporting) as net_paid_reporting,
            -- A sum of integers is HUGEINT, which pandas reads as float: cast it back.
            sum(renewals)::bigint as renewals
        from marts.fct_subscriptions
        group by lifecycle_type, subscription_status
        order by lifecycle_type, subscription_status
    """,
    note="Stripe subscriptions with their account; amounts in the reporting currency.",
)

SUBSCRIPTION_EVENTS = Figure(
    key="subscription_events",
    title="Monthly recurring revenue change per month by event type",
    mart="fct_subscription_events",
    sql="""
        pivot (
            select
                date_trunc('month', event_at)::date as period_start,
                event_type,
                mrr_change_reporting
            from marts.fct_subscription_events
        )
        on event_type
        using sum(mrr_change_reporting)
        order by period_start
    """,
    note=(
        "Sum of MRR changes (reporting currency) of the lifecycle events in each month; "
        "churn and contraction are negative."
    ),
)

DEAL_FLAGS = Figure(
    key="deal_flags",
    title="Per-deal community flags",
    mart="fct_community_revenue",
    sql="""
        select
            opportunity_id,
            account_id,
            deal_type,
            is_won,
            created_at,
            closed_at,
            amount_reporting,
            net_won_amount_reporting,
            first_qualifying_channel,
            qualified_community_touches,
            is_community_sourced,
            is_community_influenced,
            is_community_touched_before_close
        from marts.fct_community_revenue
        order by created_at, opportunity_id
    """,
    note=(
        "Every opportunity with the flags behind the executive page's totals: sum "
        "amount_reporting over influenced rows to check the influenced pipeline, and "
        "net_won_amount_reporting for the influenced revenue."
    ),
)

EXPERIMENT_COMPARISON = Figure(
    key="experiment_comparison",
    title="Attribution models against experiments",
    mart="fct_experiment_comparison",
    sql="""
        select
            program,
            attribution_model,
            treatment_units,
            control_units,
            measured_incremental,
            measured_incremental_lower,
            measured_incremental_upper,
            credited_difference,
            credited_difference_lower,
            credited_difference_upper,
            is_credit_within_interval
        from marts.fct_experiment_comparison
        order by program, attribution_model
    """,
    note=(
        "For each holdout experiment, the outcomes the program caused (lift times treated "
        "accounts, 95% interval) next to the credit each attribution model gives the "
        "program's channels. A model whose credit falls outside the interval over- or "
        "under-credits the program. Only the timing model's credit has an interval, from "
        "its coefficient draws."
    ),
)

MODEL_INTERVALS = Figure(
    key="model_intervals",
    title="Closed-won revenue by channel and model, with bootstrap intervals",
    mart="fct_channel_revenue",
    sql="""
        select
            attribution_model,
            currency,
            channel,
            conversions_credited,
            credited_conversions,
            revenue_credit,
            revenue_credit_lower,
            revenue_credit_upper
        from marts.fct_channel_revenue
        where attribution_level = 'account' and conversion_type = 'closed_won'
        order by attribution_model, currency, revenue_credit desc, channel
    """,
    note=(
        "The rows behind the executive page's model comparison, at account level. Intervals "
        "come from the bootstrap over conversions (timing: over accounts, refitting the model)."
    ),
)

ANALYST_PAGE = Page(
    file_name="analyst.html",
    title="Analyst view",
    intro=(
        "Touch-level journeys, conversion journeys with censoring, the subscription lifecycle "
        "and the per-deal community flags, for ad hoc analysis and for checking the other "
        "pages' figures; plus each attribution model's credit against experiments."
    ),
    exposure="revenue_analyst_workbench",
    figures=(
        JOURNEY_CHANNELS,
        CONVERSION_JOURNEYS,
        SUBSCRIPTIONS,
        SUBSCRIPTION_EVENTS,
        DEAL_FLAGS,
        EXPERIMENT_COMPARISON,
        MODEL_INTERVALS,
    ),
)
