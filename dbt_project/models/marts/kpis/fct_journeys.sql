-- Ordered touches per person and per account, each with the account's next opportunity and
-- next won deal and the days until them.
with

touches as (

    select * from {{ ref('int_kpis__touches_qualified') }}

),

opportunities as (

    select * from {{ ref('int_kpis__opportunities_valued') }}

),

next_opportunity as (

    select
        touches.touch_id,
        arg_min(opportunities.opportunity_id, opportunities.created_at) as opportunity_id,
        min(opportunities.created_at) as opportunity_created_at
    from touches
    inner join opportunities
        on
            touches.account_id = opportunities.account_id
            and cast(opportunities.created_at at time zone 'UTC' as date)
            >= cast(touches.touched_at at time zone 'UTC' as date)
    group by touches.touch_id

),

next_won as (

    select
        touches.touch_id,
        arg_min(opportunities.opportunity_id, opportunities.closed_at) as opportunity_id,
        min(opportunities.closed_at) as closed_at
    from touches
    inner join opportunities
        on
            touches.account_id = opportunities.account_id
            and cast(opportunities.closed_at at time zone 'UTC' as date)
            >= cast(touches.touched_at at time zone 'UTC' as date)
    where opportunities.is_won
    group by touches.touch_id

),

sequenced as (

    select
        touches.*,
        row_number() over (
            partition by touches.person_id order by touches.touched_at, touches.touch_id
        ) as person_touch_number,
        case
            when touches.account_id is not null
                then row_number() over (
                    partition by touches.account_id order by touches.touched_at, touches.touch_id
                )
        end as account_touch_number
    from touches

),

final as (

    select
        cast(sequenced.touch_id as varchar) as touch_id,
        cast(sequenced.person_id as varchar) as person_id,
        cast(sequenced.account_id as varchar) as account_id,
        cast(sequenced.source as varchar) as source, -- noqa: RF04
        cast(sequenced.activity_type as varchar) as activity_type,
        cast(sequenced.channel as varchar) as channel,
        cast(sequenced.program as varchar) as program, -- noqa: RF04
        cast(sequenced.is_community as boolean) as is_community,
        cast(sequenced.is_qualifying as boolean) as is_qualifying,
        cast(sequenced.touched_at as timestamptz) as touched_at,
        cast(sequenced.person_touch_number as bigint) as person_touch_number,
        cast(sequenced.account_touch_number as bigint) as account_touch_number,
        cast(next_opportunity.opportunity_id as varchar) as next_opportunity_id,
        cast(
            date_diff(
                'day',
                cast(sequenced.touched_at at time zone 'UTC' as date),
                cast(next_opportunity.opportunity_created_at at time zone 'UTC' as date)
            ) as integer
        ) as days_before_opportunity,
        cast(next_won.opportunity_id as varchar) as next_won_opportunity_id,
        cast(
            date_diff(
                'day',
                cast(sequenced.touched_at at time zone 'UTC' as date),
                cast(next_won.closed_at at time zone 'UTC' as date)
            ) as integer
        ) as days_before_won
    from sequenced
    left join next_opportunity
        on sequenced.touch_id = next_opportunity.touch_id
    left join next_won
        on sequenced.touch_id = next_won.touch_id

)

select * from final
