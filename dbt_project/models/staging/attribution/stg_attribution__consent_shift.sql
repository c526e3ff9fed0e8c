with

source as (

    select * from {{ source('attribution', 'consent_shift') }}

),

renamed as (

    select
        ---------- ids
        cast(level as varchar) as attribution_level,
        cast(model as varchar) as attribution_model,
        cast(conversion_type as varchar) as conversion_type,
        cast(channel as varchar) as channel,

        ---------- credit
        cast(revenue_credit_all as double) as revenue_credit_all,
        cast(revenue_credit_consented as double) as revenue_credit_consented,
        cast(revenue_shift as double) as revenue_shift,
        cast(share_all as double) as credit_share_all,
        cast(share_consented as double) as credit_share_consented,
        cast(touches_dropped as bigint) as touches_dropped

    from source

)

select * from renamed
