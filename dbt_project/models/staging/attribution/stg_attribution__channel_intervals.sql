with

source as (

    select * from {{ source('attribution', 'channel_intervals') }}

),

renamed as (

    select
        level as attribution_level,
        model as attribution_model,
        conversion_type,
        channel,
        cast(revenue_credit as double) as revenue_credit,
        cast(lower as double) as revenue_credit_lower,
        cast(upper as double) as revenue_credit_upper

    from source

)

select * from renamed
