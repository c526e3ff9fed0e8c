with

source as (

    select * from {{ source_or_empty('attribution', 'timing_touch_credit') }}

),

renamed as (

    select
        cast(level as varchar) as attribution_level,
        cast(model as varchar) as attribution_model,
        cast(conversion_id as varchar) as conversion_id,
        cast(conversion_type as varchar) as conversion_type,
        cast(journey_id as varchar) as journey_id,
        cast(touch_id as varchar) as touch_id,
        cast(channel as varchar) as channel,
        cast(program as varchar) as program,
        cast(person_id as varchar) as person_id,
        cast(share as double) as credit_share,
        cast(revenue_credit as double) as revenue_credit

    from source

)

select * from renamed
