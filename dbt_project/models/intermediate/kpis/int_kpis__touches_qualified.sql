-- Every touch of a resolved person, marked community or not and qualifying or not (seed
-- touch_channels). In a channel that does not always qualify, a touch qualifies when the event
-- taxonomy marks it `is_qualified_influence` (a reply, an attended event, a pull request).
with

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

touch_channels as (

    select * from {{ ref('touch_channels') }}

),

final as (

    select
        activities.activity_id as touch_id,
        activities.person_id,
        activities.account_id,
        activities.source, -- noqa: RF04
        activities.activity_type,
        activities.channel,
        activities.program,
        activities.occurred_at as touched_at,
        coalesce(touch_channels.is_community, false) as is_community,
        coalesce(touch_channels.always_qualifies, true)
        or coalesce(activities.is_qualified_influence, false) as is_qualifying
    from activities
    left join touch_channels
        on activities.channel = touch_channels.channel
    where
        activities.is_touch
        and activities.person_id is not null
        and activities.occurred_at is not null

)

select * from final
