with

source as (

    select * from {{ source_or_empty('attribution', 'timing_intervals') }}

),

renamed as (

    select
        cast(conversion_type as varchar) as conversion_type,
        cast(channel as varchar) as channel,
        cast(revenue_credit_lower as double) as revenue_credit_lower,
        cast(revenue_credit_upper as double) as revenue_credit_upper,
        cast(share_lower as double) as credit_share_lower,
        cast(share_upper as double) as credit_share_upper,
        cast(resamples as integer) as resamples

    from source

)

select * from renamed
