with

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

final as (

    select
        cast(activity_id as varchar) as activity_id,
        cast(person_id as varchar) as person_id,
        cast(account_id as varchar) as account_id,
        cast(source as varchar) as source,
        cast(activity_type as varchar) as activity_type,
        cast(category as varchar) as category,
        cast(channel as varchar) as channel,
        cast(program as varchar) as program,
        cast(is_touch as boolean) as is_touch,
        cast(is_qualified_influence as boolean) as is_qualified_influence,
        cast(occurred_at as timestamptz) as occurred_at
    from activities

)

select * from final
