-- Revenue-linked KPIs per month, overall and by account cohort (the month the account's first
-- activity was seen): pipeline and revenue with their community-sourced and -influenced parts,
-- average order value, logo retention and expansion. Amounts are in the reporting currency.
with

revenue as (

    select * from {{ ref('fct_community_revenue') }}

),

subscriptions as (

    select * from {{ ref('fct_subscriptions') }}

),

subscription_events as (

    select * from {{ ref('fct_subscription_events') }}

),

activities as (

    select * from {{ ref('int_kpis__member_activities_enriched') }}

),

account_cohorts as (

    select distinct
        account_id,
        account_cohort_month
    from activities
    where account_id is not null

),

months as (

    select
        cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date)
            as period_start
    from (
        select
            min(month_start) as first_month,
            max(month_start) as last_month
        from (
            select date_trunc('month', created_at at time zone 'UTC') as month_start
            from revenue
            union all
            select date_trunc('month', event_at at time zone 'UTC') as month_start
            from subscription_events
        ) as event_months
    ) as bounds

),

breakdowns as (

    select unnest(['all', 'cohort']) as dimension

),

-- Every fact appears once per breakdown: overall and under its account's cohort.
opportunity_facts as (

    select
        revenue.*,
        breakdowns.dimension,
        cast(date_trunc('month', revenue.created_at at time zone 'UTC') as date) as created_month,
        case breakdowns.dimension
            when 'all' then 'all'
            else coalesce(strftime(account_cohorts.account_cohort_month, '%Y-%m'), '(unseen)')
        end as dimension_value,
        case
            when revenue.is_won
                then cast(date_trunc('month', revenue.closed_at at time zone 'UTC') as date)
        end as won_month
    from revenue
    cross join breakdowns
    left join account_cohorts
        on revenue.account_id = account_cohorts.account_id

),

-- Accounts paying at the start of each month, and whether they still pay at its end.
customer_months as (

    select
        months.period_start,
        subscriptions.account_id,
        bool_or(
            subscriptions.ended_at is null
            or subscriptions.ended_at >= months.period_start + interval 1 month
        ) as is_retained
    from months
    inner join subscriptions
        on
            months.period_start > subscriptions.started_at
            and (subscriptions.ended_at is null or months.period_start <= subscriptions.ended_at)
    where subscriptions.account_id is not null
    group by months.period_start, subscriptions.account_id

),

customer_facts as (

    select
        customer_months.*,
        breakdowns.dimension,
        case breakdowns.dimension
            when 'all' then 'all'
            else coalesce(strftime(account_cohorts.account_cohort_month, '%Y-%m'), '(unseen)')
        end as dimension_value
    from customer_months
    cross join breakdowns
    left join account_cohorts
        on customer_months.account_id = account_cohorts.account_id

),

event_facts as (

    select
        subscription_events.*,
        breakdowns.dimension,
        cast(date_trunc('month', subscription_events.event_at at time zone 'UTC') as date)
            as event_month,
        case breakdowns.dimension
            when 'all' then 'all'
            else coalesce(strftime(account_cohorts.account_cohort_month, '%Y-%m'), '(unseen)')
        end as dimension_value
    from subscription_events
    cross join breakdowns
    left join account_cohorts
        on subscription_events.account_id = account_cohorts.account_id

),

pipeline as (

    select
        created_month as period_start,
        dimension,
        dimension_value,
        count(*) as opportunities_created,
        sum(amount_reporting) as pipeline_reporting,
        sum(influenced_pipeline_reporting) as influenced_pipeline_reporting,
        sum(sourced_pipeline_reporting) as sourced_pipeline_reporting
    from opportunity_facts
    group by created_month, dimension, dimension_value

),

bookings as (

    select
        won_month as period_start,
        dimension,
        dimension_value,
        count(*) as deals_won,
        sum(net_won_amount_reporting) as won_revenue_reporting,
        sum(influenced_revenue_reporting) as influenced_revenue_reporting,
        sum(sourced_revenue_reporting) as sourced_revenue_reporting,
        avg(net_won_amount_reporting) filter (where deal_type = 'newbusiness')
            as average_order_value_reporting
    from opportunity_facts
    where won_month is not null
    group by won_month, dimension, dimension_value

),

retention as (

    select
        period_start,
        dimension,
        dimension_value,
        count(*) as customers_at_start,
        count(*) filter (where is_retained) as customers_retained
    from customer_facts
    group by period_start, dimension, dimension_value

),

mrr_movements as (

    select
        event_month as period_start,
        dimension,
        dimension_value,
        coalesce(sum(mrr_change_reporting) filter (where event_type = 'expansion'), 0)
            as expansion_mrr_reporting,
        coalesce(
            -sum(mrr_change_reporting) filter (where event_type in ('churn', 'contraction')), 0
        ) as churned_mrr_reporting
    from event_facts
    group by event_month, dimension, dimension_value

),

keys as (

    select
        period_start,
        dimension,
        dimension_value
    from pipeline
    union
    select
        period_start,
        dimension,
        dimension_value
    from bookings
    union
    select
        period_start,
        dimension,
        dimension_value
    from retention
    union
    select
        period_start,
        dimension,
        dimension_value
    from mrr_movements

),

final as (

    select
        cast(keys.period_start as date) as period_start,
        cast(keys.dimension as varchar) as dimension,
        cast(keys.dimension_value as varchar) as dimension_value,
        cast(coalesce(pipeline.opportunities_created, 0) as bigint) as opportunities_created,
        cast(coalesce(pipeline.pipeline_reporting, 0) as decimal(18, 2)) as pipeline_reporting,
        cast(coalesce(pipeline.influenced_pipeline_reporting, 0) as decimal(18, 2))
            as influenced_pipeline_reporting,
        cast(coalesce(pipeline.sourced_pipeline_reporting, 0) as decimal(18, 2))
            as sourced_pipeline_reporting,
        cast(coalesce(bookings.deals_won, 0) as bigint) as deals_won,
        cast(coalesce(bookings.won_revenue_reporting, 0) as decimal(18, 2))
            as won_revenue_reporting,
        cast(coalesce(bookings.influenced_revenue_reporting, 0) as decimal(18, 2))
            as influenced_revenue_reporting,
        cast(coalesce(bookings.sourced_revenue_reporting, 0) as decimal(18, 2))
            as sourced_revenue_reporting,
        cast(bookings.average_order_value_reporting as decimal(18, 2))
            as average_order_value_reporting,
        cast(coalesce(retention.customers_at_start, 0) as bigint) as customers_at_start,
        cast(coalesce(retention.customers_retained, 0) as bigint) as customers_retained,
        cast(retention.customers_retained / retention.customers_at_start as double)
            as logo_retention_rate,
        cast(coalesce(mrr_movements.expansion_mrr_reporting, 0) as decimal(18, 2))
            as expansion_mrr_reporting,
        cast(coalesce(mrr_movements.churned_mrr_reporting, 0) as decimal(18, 2))
            as churned_mrr_reporting
    from keys
    left join pipeline
        on
            keys.period_start = pipeline.period_start
            and keys.dimension = pipeline.dimension
            and keys.dimension_value = pipeline.dimension_value
    left join bookings
        on
            keys.period_start = bookings.period_start
            and keys.dimension = bookings.dimension
            and keys.dimension_value = bookings.dimension_value
    left join retention
        on
            keys.period_start = retention.period_start
            and keys.dimension = retention.dimension
            and keys.dimension_value = retention.dimension_value
    left join mrr_movements
        on
            keys.period_start = mrr_movements.period_start
            and keys.dimension = mrr_movements.dimension
            and keys.dimension_value = mrr_movements.dimension_value

)

select * from final
