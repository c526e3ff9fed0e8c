-- Activities of resolved people with what the KPI tiers count: the intent signal from the event
-- taxonomy, web page views, and the month and first-seen cohort month of the person.
with

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

taxonomy as (

    select * from {{ ref('event_taxonomy') }}

),

web_sessions as (

    select * from {{ ref('stg_web__sessions') }}

),

touch_channels as (

    select * from {{ ref('touch_channels') }}

),

member_activities as (

    select
        activities.activity_id,
        activities.person_id,
        activities.account_id,
        activities.source, -- noqa: RF04
        activities.activity_type,
        activities.category,
        activities.channel,
        web_sessions.pageviews,
        activities.occurred_at,
        cast(activities.occurred_at at time zone 'UTC' as date) as activity_date,
        coalesce(activities.program, '(none)') as program, -- noqa: RF04
        coalesce(activities.is_touch, false) as is_touch,
        coalesce(touch_channels.is_community, false) as is_community,
        coalesce(activities.is_qualified_influence, false) as is_qualified_influence,
        nullif(taxonomy.intent_signal, '') as intent_signal
    from activities
    left join taxonomy
        on
            activities.source = taxonomy.source
            and activities.raw_event = taxonomy.raw_event
    left join web_sessions
        on activities.activity_id = 'web:' || web_sessions.session_id
    left join touch_channels
        on activities.channel = touch_channels.channel
    where
        activities.person_id is not null
        and activities.occurred_at is not null

),

final as (

    select
        *,
        cast(date_trunc('month', activity_date) as date) as period_start,
        cast(date_trunc('month', min(activity_date) over (partition by person_id)) as date)
            as cohort_month,
        case
            when account_id is not null
                then cast(
                    date_trunc('month', min(activity_date) over (partition by account_id)) as date
                )
        end as account_cohort_month
    from member_activities

)

select * from final
