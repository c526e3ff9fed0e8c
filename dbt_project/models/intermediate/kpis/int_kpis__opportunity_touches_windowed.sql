-- Pairs every opportunity with the touches of its account from the start of its influence
-- window (`community_influence_window_days` before its creation day) up to its close day, and
-- flags the pairs each community revenue definition counts. Days are UTC calendar days.
with

opportunities as (

    select * from {{ ref('int_kpis__opportunities_valued') }}

),

touches as (

    select * from {{ ref('int_kpis__touches_qualified') }}

),

dated as (

    select
        opportunities.opportunity_id,
        touches.touch_id,
        touches.person_id,
        touches.channel,
        touches.program,
        touches.is_community,
        touches.is_qualifying,
        touches.touched_at,
        cast(touches.touched_at at time zone 'UTC' as date) as touch_date,
        cast(opportunities.created_at at time zone 'UTC' as date) as created_date,
        case
            when opportunities.is_closed
                then cast(opportunities.closed_at at time zone 'UTC' as date)
        end as closed_date
    from opportunities
    inner join touches
        on opportunities.account_id = touches.account_id
    where
        cast(touches.touched_at at time zone 'UTC' as date)
        >= cast(opportunities.created_at at time zone 'UTC' as date)
        - {{ var('community_influence_window_days') }}
        and (
            not opportunities.is_closed
            or cast(touches.touched_at at time zone 'UTC' as date)
            <= cast(opportunities.closed_at at time zone 'UTC' as date)
        )

),

flagged as (

    select
        *,
        date_diff('day', touch_date, created_date) as days_before_creation,
        -- A touch on the creation day counts as before the opportunity: CRM creation dates
        -- carry no reliable time of day.
        touch_date <= created_date and is_qualifying as is_in_influence_window,
        -- A touch on the close day or later cannot have sped the close: it is onboarding.
        is_qualifying
        and is_community
        and (closed_date is null or touch_date < closed_date) as is_before_close
    from dated

),

final as (

    select
        *,
        case
            when is_in_influence_window
                then row_number() over (
                    partition by opportunity_id, is_in_influence_window
                    order by touched_at asc, touch_id asc
                )
        end as qualifying_touch_number
    from flagged

)

select * from final
