with

source as (

    select * from {{ source_or_empty('attribution', 'timing_credit') }}

),

renamed as (

    select
        cast(conversion_type as varchar) as conversion_type,
        cast(channel as varchar) as channel,
        cast(coefficient as double) as hazard_coefficient,
        cast(std_error as double) as hazard_coefficient_std_error,
        cast(decay as double) as weekly_decay,
        cast(saturation as double) as exposure_saturation,
        cast(gross_conversions as double) as gross_conversions,
        cast(credited_conversions as double) as credited_conversions,
        cast(revenue_credit as double) as revenue_credit,
        cast(revenue_lower as double) as revenue_credit_lower,
        cast(revenue_upper as double) as revenue_credit_upper,
        cast(currency as varchar) as currency,
        cast(share as double) as credit_share,
        cast(credited_lower as double) as credited_conversions_lower,
        cast(credited_upper as double) as credited_conversions_upper,
        cast(share_lower as double) as credit_share_lower,
        cast(share_upper as double) as credit_share_upper,
        cast(opportunities as integer) as opportunities_fitted,
        cast(credited_deals as integer) as deals_credited,
        cast(deals_with_credit as integer) as deals_with_credit

    from source

)

select * from renamed
