with

source as (

    select * from {{ source_or_empty('scoring', 'next_best_actions') }}

),

renamed as (

    select
        cast(person_id as varchar) as person_id,
        cast(segment as varchar) as segment,
        cast(action as varchar) as next_best_action,
        cast(reason as varchar) as action_reason,
        cast(scored_at as timestamptz) as scored_at

    from source

)

select * from renamed
