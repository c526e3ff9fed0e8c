with

source as (

    select * from {{ source_or_empty('scoring', 'behaviour_action_values') }}

),

renamed as (

    select
        cast(action as varchar) as activity_type,
        cast(persons_with_action as bigint) as persons_with_activity,
        cast(conversion_rate_with as double) as conversion_rate_with,
        cast(conversion_rate_without as double) as conversion_rate_without,
        cast(lift as double) as conversion_lift,
        cast(coefficient as double) as coefficient,
        cast(points as double) as points

    from source

)

select * from renamed
