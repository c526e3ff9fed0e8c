-- Buying-intent signals per month, overall and broken down by member cohort and by program.
-- Which activity is which signal comes from the event taxonomy's `intent_signal` column.
with

activities as (

    select * from {{ ref('int_kpis__member_activities_enriched') }}

),

signals as (

    select * from activities
    where intent_signal is not null

),

sliced as (

    select
        signals.*,
        breakdowns.dimension,
        case breakdowns.dimension
            when 'all' then 'all'
            when 'cohort' then strftime(signals.cohort_month, '%Y-%m')
            else signals.program
        end as dimension_value
    from signals
    cross join (values ('all'), ('cohort'), ('program')) as breakdowns (dimension)

),

slices as (

    select
        period_start,
        dimension,
        dimension_value,
        count(*) filter (where intent_signal = 'pricing_page_visit') as pricing_page_visits,
        count(*) filter (where intent_signal = 'product_discussion') as product_discussions,
        count(*) filter (where intent_signal = 'demo_request') as demo_requests,
        count(*) filter (where intent_signal = 'trial_start') as trial_starts,
        count(distinct person_id) as intent_members,
        count(distinct account_id) as intent_accounts
    from sliced
    group by period_start, dimension, dimension_value

),

final as (

    select
        cast(period_start as date) as period_start,
        cast(dimension as varchar) as dimension,
        cast(dimension_value as varchar) as dimension_value,
        cast(pricing_page_visits as bigint) as pricing_page_visits,
        cast(product_discussions as bigint) as product_discussions,
        cast(demo_requests as bigint) as demo_requests,
        cast(trial_starts as bigint) as trial_starts,
        cast(intent_members as bigint) as intent_members,
        cast(intent_accounts as bigint) as intent_accounts
    from slices

)

select * from final
