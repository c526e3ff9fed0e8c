-- Efficiency per month and touch channel: program cost per qualified member, revenue the
-- channel assisted, and days from a won deal's first qualified community touch to its close.
-- Costs join touches on the channel because every cost program names the canonical channel it
-- feeds, while activities name programs in each source's own terms (Slack channels, forum
-- categories, repositories).
with

touches as (

    select * from {{ ref('int_kpis__touches_qualified') }}

),

windowed as (

    select * from {{ ref('int_kpis__opportunity_touches_windowed') }}

),

revenue as (

    select * from {{ ref('fct_community_revenue') }}

),

costs as (

    select * from {{ ref('stg_programs__costs') }}

),

rates as (

    select * from {{ ref('currency_rates') }}

),

channel_costs as (

    select
        costs.period_start,
        costs.channel,
        string_agg(distinct costs.program_name, ',' order by costs.program_name) as programs,
        sum(costs.cost_amount * rates.rate_to_reporting) as cost_reporting
    from costs
    left join rates
        on costs.currency = rates.currency
    group by costs.period_start, costs.channel

),

qualified_members as (

    select
        cast(date_trunc('month', touched_at at time zone 'UTC') as date) as period_start,
        channel,
        count(distinct person_id) as qualified_members
    from touches
    where is_qualifying
    group by date_trunc('month', touched_at at time zone 'UTC'), channel

),

-- A won deal counts in full for every channel with a qualifying touch in its influence
-- window, so assisted revenue over channels adds up to more than the won revenue.
assisted_deals as (

    select distinct
        opportunity_id,
        channel
    from windowed
    where is_in_influence_window

),

assisted as (

    select
        cast(date_trunc('month', revenue.closed_at at time zone 'UTC') as date) as period_start,
        assisted_deals.channel,
        count(*) as assisted_deals_won,
        sum(revenue.net_won_amount_reporting) as assisted_revenue_reporting,
        median(
            date_diff(
                'day',
                cast(revenue.first_community_touched_at at time zone 'UTC' as date),
                cast(revenue.closed_at at time zone 'UTC' as date)
            )
        ) as median_days_to_conversion
    from assisted_deals
    inner join revenue
        on assisted_deals.opportunity_id = revenue.opportunity_id
    where revenue.is_won
    group by date_trunc('month', revenue.closed_at at time zone 'UTC'), assisted_deals.channel

),

keys as (

    select
        period_start,
        channel
    from channel_costs
    union
    select
        period_start,
        channel
    from qualified_members
    union
    select
        period_start,
        channel
    from assisted

),

final as (

    select
        cast(keys.period_start as date) as period_start,
        cast(keys.channel as varchar) as channel,
        cast(channel_costs.programs as varchar) as programs,
        cast(channel_costs.cost_reporting as decimal(18, 2)) as cost_reporting,
        cast(coalesce(qualified_members.qualified_members, 0) as bigint) as qualified_members,
        cast(
            channel_costs.cost_reporting / nullif(qualified_members.qualified_members, 0)
            as decimal(18, 2)
        ) as cost_per_qualified_member_reporting,
        cast(coalesce(assisted.assisted_deals_won, 0) as bigint) as assisted_deals_won,
        cast(coalesce(assisted.assisted_revenue_reporting, 0) as decimal(18, 2))
            as assisted_revenue_reporting,
        cast(
            assisted.assisted_revenue_reporting / nullif(channel_costs.cost_reporting, 0)
            as double
        ) as assisted_revenue_per_cost,
        cast(assisted.median_days_to_conversion as double) as median_days_to_conversion
    from keys
    left join channel_costs
        on
            keys.period_start = channel_costs.period_start
            and keys.channel = channel_costs.channel
    left join qualified_members
        on
            keys.period_start = qualified_members.period_start
            and keys.channel = qualified_members.channel
    left join assisted
        on
            keys.period_start = assisted.period_start
            and keys.channel = assisted.channel

)

select * from final
