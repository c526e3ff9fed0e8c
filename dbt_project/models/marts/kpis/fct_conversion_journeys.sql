-- One journey per account from its first community touch: when (if ever) it opened its next
-- new-business opportunity and won a new-business deal, or how long it was observed without.
-- Accounts that were already customers before their first community touch start no journey.
with

touches as (

    select * from {{ ref('int_kpis__touches_qualified') }}

),

opportunities as (

    select * from {{ ref('int_kpis__opportunities_valued') }}

),

observation as (

    select
        cast(
            greatest(
                (select max(touched_at) from touches),
                (select max(created_at) from opportunities),
                (select max(closed_at) filter (where is_closed) from opportunities)
            ) at time zone 'UTC' as date
        ) as observed_until

),

first_touches as (

    select
        account_id,
        min(touched_at) as first_community_touched_at,
        arg_min(channel, touched_at) as first_community_channel
    from touches
    where is_community and account_id is not null
    group by account_id

),

depth as (

    select
        first_touches.account_id,
        count(touches.touch_id) as qualified_touches_30d
    from first_touches
    left join touches
        on
            first_touches.account_id = touches.account_id
            and touches.is_community
            and touches.is_qualifying
            and touches.touched_at < first_touches.first_community_touched_at + interval 30 day
    group by first_touches.account_id

),

milestones as (

    select
        first_touches.account_id,
        min(opportunities.created_at) as opportunity_created_at,
        arg_min(opportunities.opportunity_id, opportunities.created_at) as opportunity_id,
        min(opportunities.closed_at) filter (where opportunities.is_won) as won_at,
        arg_min(opportunities.opportunity_id, opportunities.closed_at)
        filter (where opportunities.is_won) as won_opportunity_id
    from first_touches
    inner join opportunities
        on
            first_touches.account_id = opportunities.account_id
            and opportunities.deal_type = 'newbusiness'
            and cast(opportunities.created_at at time zone 'UTC' as date)
            >= cast(first_touches.first_community_touched_at at time zone 'UTC' as date)
    group by first_touches.account_id

),

prior_customers as (

    select distinct first_touches.account_id
    from first_touches
    inner join opportunities
        on
            first_touches.account_id = opportunities.account_id
            and opportunities.is_won
            and first_touches.first_community_touched_at > opportunities.closed_at

),

journeys as (

    select
        first_touches.account_id,
        first_touches.first_community_touched_at,
        first_touches.first_community_channel,
        cast(first_touches.first_community_touched_at at time zone 'UTC' as date) as start_date,
        depth.qualified_touches_30d,
        milestones.opportunity_id,
        milestones.opportunity_created_at,
        milestones.won_opportunity_id,
        milestones.won_at,
        observation.observed_until
    from first_touches
    cross join observation
    inner join depth
        on first_touches.account_id = depth.account_id
    left join milestones
        on first_touches.account_id = milestones.account_id
    where first_touches.account_id not in (select prior_customers.account_id from prior_customers)

),

final as (

    select
        cast(account_id as varchar) as account_id,
        cast(first_community_touched_at as timestamptz) as first_community_touched_at,
        cast(first_community_channel as varchar) as first_community_channel,
        cast(date_trunc('month', start_date) as date) as cohort_month,
        cast(qualified_touches_30d as bigint) as qualified_touches_30d,
        cast(
            case
                when qualified_touches_30d = 0 then 'none'
                when qualified_touches_30d = 1 then 'light'
                when qualified_touches_30d <= 4 then 'medium'
                else 'deep'
            end as varchar
        ) as engagement_depth,
        cast(opportunity_id as varchar) as opportunity_id,
        cast(opportunity_created_at as timestamptz) as opportunity_created_at,
        cast(won_opportunity_id as varchar) as won_opportunity_id,
        cast(won_at as timestamptz) as won_at,
        cast(observed_until as date) as observed_until,
        cast(opportunity_created_at is not null as boolean) as has_opportunity,
        cast(
            date_diff(
                'day',
                start_date,
                coalesce(
                    cast(opportunity_created_at at time zone 'UTC' as date), observed_until
                )
            ) as integer
        ) as days_to_opportunity,
        cast(won_at is not null and won_at <= observed_until as boolean) as has_won,
        cast(
            date_diff(
                'day',
                start_date,
                least(
                    coalesce(cast(won_at at time zone 'UTC' as date), observed_until),
                    observed_until
                )
            ) as integer
        ) as days_to_won
    from journeys

)

select * from final
