with

action_values as (

    select * from {{ ref('stg_scoring__behaviour_action_values') }}

),

final as (

    select
        cast(activity_type as varchar) as activity_type,
        cast(persons_with_activity as bigint) as persons_with_activity,
        cast(conversion_rate_with as double) as conversion_rate_with,
        cast(conversion_rate_without as double) as conversion_rate_without,
        cast(conversion_lift as double) as conversion_lift,
        cast(coefficient as double) as coefficient,
        cast(points as double) as points
    from action_values

)

select * from final
