with

source as (

    select * from {{ source('attribution', 'credits') }}

),

renamed as (

    select
        level as attribution_level,
        model as attribution_model,
        conversion_id,
        conversion_type,
        journey_id,
        touch_id,
        channel,
        program,
        person_id,
        cast(share as double) as credit_share,
        cast(revenue_credit as double) as revenue_credit

    from source

)

select * from renamed
