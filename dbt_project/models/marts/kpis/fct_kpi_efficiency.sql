-- Efficiency per month and program: cost per qualified member, revenue the program assisted,
-- and days from a won deal's first qualified community touch to its close.
with

activities as (

    select * from {{ ref('int_kpis__member_activities_enriched') }}

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

program_costs as (

    select
        cast(date_trunc('month', costs.period_start) as date) as period_start,
        costs.program,
        sum(costs.cost * rates.rate_to_reporting) as cost_reporting
    from costs
    left join rates
        on costs.currency = rates.currency
    group by date_trunc('month', costs.period_start), costs.program

),

qualified_members as (

    select
        period_start,
        program,
        count(distinct person_id) as qualified_members
    from activities
    where is_community and is_qualified_influence
    group by period_start, program

),

-- A won, community-influenced deal counts once for every program with a qualified community
-- touch in its influence window, so programs' assisted revenue overlaps by design.
assisted_deals as (

    select distinct
        windowed.opportunity_id,
        coalesce(windowed.program, '(none)') as program -- noqa: RF04
    from windowed
    where windowed.is_in_influence_window and windowed.is_community

),

assisted as (

    select
        cast(date_trunc('month', revenue.closed_at at time zone 'UTC') as date) as period_start,
        assisted_deals.program,
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
    group by date_trunc('month', revenue.closed_at at time zone 'UTC'), assisted_deals.program

),

keys as (

    select
        period_start,
        program
    from program_costs
    union
    select
        period_start,
        program
    from qualified_members
    union
    select
        period_start,
        program
    from assisted

),

final as (

    select
        cast(keys.period_start as date) as period_start,
        cast(keys.program as varchar) as program, -- noqa: RF04
        cast(program_costs.cost_reporting as decimal(18, 2)) as cost_reporting,
        cast(coalesce(qualified_members.qualified_members, 0) as bigint) as qualified_members,
        cast(
            program_costs.cost_reporting / nullif(qualified_members.qualified_members, 0)
            as decimal(18, 2)
        ) as cost_per_qualified_member_reporting,
        cast(coalesce(assisted.assisted_deals_won, 0) as bigint) as assisted_deals_won,
        cast(coalesce(assisted.assisted_revenue_reporting, 0) as decimal(18, 2))
            as assisted_revenue_reporting,
        cast(
            assisted.assisted_revenue_reporting / nullif(program_costs.cost_reporting, 0)
            as double
        ) as assisted_revenue_per_cost,
        cast(assisted.median_days_to_conversion as double) as median_days_to_conversion
    from keys
    left join program_costs
        on
            keys.period_start = program_costs.period_start
            and keys.program = program_costs.program
    left join qualified_members
        on
            keys.period_start = qualified_members.period_start
            and keys.program = qualified_members.program
    left join assisted
        on
            keys.period_start = assisted.period_start
            and keys.program = assisted.program

)

select * from final
