-- Community-sourced, -influenced and -touched-before-close flags and amounts per opportunity.
-- Definitions: docs/revenue-definitions.md.
with

opportunities as (

    select * from {{ ref('int_kpis__opportunities_valued') }}

),

windowed as (

    select * from {{ ref('int_kpis__opportunity_touches_windowed') }}

),

first_qualifying as (

    select
        opportunity_id,
        touch_id,
        channel,
        touched_at,
        is_community
    from windowed
    where qualifying_touch_number = 1

),

community_summary as (

    select
        opportunity_id,
        count(*) filter (where is_in_influence_window and is_community)
            as qualified_community_touches,
        min(touched_at) filter (where is_in_influence_window and is_community)
            as first_community_touched_at,
        count(*) filter (where is_before_close) as community_touches_before_close
    from windowed
    group by opportunity_id

),

flagged as (

    select
        opportunities.*,
        first_qualifying.touch_id as first_qualifying_touch_id,
        first_qualifying.channel as first_qualifying_channel,
        first_qualifying.touched_at as first_qualifying_touched_at,
        community_summary.first_community_touched_at,
        coalesce(community_summary.qualified_community_touches, 0)
            as qualified_community_touches,
        coalesce(first_qualifying.is_community, false) as is_community_sourced,
        coalesce(community_summary.qualified_community_touches, 0) > 0
            as is_community_influenced,
        coalesce(community_summary.community_touches_before_close, 0) > 0
            as is_community_touched_before_close
    from opportunities
    left join first_qualifying
        on opportunities.opportunity_id = first_qualifying.opportunity_id
    left join community_summary
        on opportunities.opportunity_id = community_summary.opportunity_id

),

final as (

    select
        cast(opportunity_id as varchar) as opportunity_id,
        cast(account_id as varchar) as account_id,
        cast(deal_type as varchar) as deal_type,
        cast(deal_stage as varchar) as deal_stage,
        cast(is_won as boolean) as is_won,
        cast(is_closed as boolean) as is_closed,
        cast(currency as varchar) as currency,
        cast(amount as decimal(18, 2)) as amount,
        cast(amount_reporting as decimal(18, 2)) as amount_reporting,
        cast(refunded_amount_reporting as decimal(18, 2)) as refunded_amount_reporting,
        cast(net_won_amount_reporting as decimal(18, 2)) as net_won_amount_reporting,
        cast(size_band as varchar) as size_band,
        cast(created_at as timestamptz) as created_at,
        cast(closed_at as timestamptz) as closed_at,
        cast(days_to_close as integer) as days_to_close,
        cast({{ var('community_influence_window_days') }} as integer) as influence_window_days,
        cast(first_qualifying_touch_id as varchar) as first_qualifying_touch_id,
        cast(first_qualifying_channel as varchar) as first_qualifying_channel,
        cast(first_qualifying_touched_at as timestamptz) as first_qualifying_touched_at,
        cast(qualified_community_touches as bigint) as qualified_community_touches,
        cast(first_community_touched_at as timestamptz) as first_community_touched_at,
        cast(is_community_sourced as boolean) as is_community_sourced,
        cast(is_community_influenced as boolean) as is_community_influenced,
        cast(is_community_touched_before_close as boolean) as is_community_touched_before_close,
        cast(case when is_community_sourced then amount_reporting else 0 end as decimal(18, 2))
            as sourced_pipeline_reporting,
        cast(case when is_community_influenced then amount_reporting else 0 end as decimal(18, 2))
            as influenced_pipeline_reporting,
        cast(
            case when is_community_sourced then net_won_amount_reporting else 0 end
            as decimal(18, 2)
        ) as sourced_revenue_reporting,
        cast(
            case when is_community_influenced then net_won_amount_reporting else 0 end
            as decimal(18, 2)
        ) as influenced_revenue_reporting
    from flagged

)

select * from final
