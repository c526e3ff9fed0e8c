with

source as (

    select * from {{ source_or_empty('attribution', 'threshold_sensitivity') }}

),

renamed as (

    select
        cast(threshold as double) as identity_threshold,
        cast(model as varchar) as attribution_model,
        cast(conversion_type as varchar) as conversion_type,
        cast(channel as varchar) as channel,
        cast(revenue_credit as double) as revenue_credit,
        cast(share as double) as credit_share

    from source

)

select * from renamed
