-- Engagement quality per month, overall and broken down by member cohort and by program.
-- Member counts are distinct within each row, so rows of one breakdown do not add up to `all`.
with

activities as (

    select * from {{ ref('int_kpis__member_activities_enriched') }}

),

-- Each activity appears once per breakdown: overall, under its member's cohort and under its
-- program.
sliced as (

    select
        activities.*,
        breakdowns.dimension,
        case breakdowns.dimension
            when 'all' then 'all'
            when 'cohort' then strftime(activities.cohort_month, '%Y-%m')
            else activities.program
        end as dimension_value
    from activities
    cross join (values ('all'), ('cohort'), ('program')) as breakdowns (dimension)

),

member_slices as (

    select
        period_start,
        dimension,
        dimension_value,
        person_id,
        count(distinct activity_date) as active_days,
        count(*) filter (where is_community and is_qualified_influence)
            as meaningful_interactions,
        count(*) filter (where source = 'web') as web_sessions,
        coalesce(sum(pageviews) filter (where source = 'web'), 0) as pageviews,
        count(*) filter (where category = 'event' and is_touch) as events_attended
    from sliced
    group by period_start, dimension, dimension_value, person_id

),

final as (

    select
        cast(period_start as date) as period_start,
        cast(dimension as varchar) as dimension,
        cast(dimension_value as varchar) as dimension_value,
        cast(count(*) as bigint) as active_members,
        cast(count(*) filter (where active_days >= 2) as bigint) as repeat_members,
        cast(count(*) filter (where active_days >= 2) / count(*) as double) as repeat_member_rate,
        cast(sum(meaningful_interactions) as bigint) as meaningful_interactions,
        cast(count(*) filter (where meaningful_interactions > 0) as bigint)
            as members_with_meaningful_interaction,
        cast(sum(web_sessions) as bigint) as web_sessions,
        cast(sum(pageviews) / nullif(sum(web_sessions), 0) as double) as content_depth,
        cast(count(*) filter (where events_attended > 0) as bigint) as event_participants
    from member_slices
    group by period_start, dimension, dimension_value

)

select * from final
