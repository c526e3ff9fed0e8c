-- How much credit moves between channels when touches without tracking consent are dropped:
-- per level, model, conversion type and channel, the credit with every touch, the credit with
-- consented touches only, the difference, and that difference as a fraction of the revenue
-- the model credits for the conversion type.
with

shift as (

    select * from {{ ref('stg_attribution__consent_shift') }}

),

totals as (

    select
        attribution_level,
        attribution_model,
        conversion_type,
        channel,
        revenue_credit_all,
        revenue_credit_consented,
        revenue_shift,
        credit_share_all,
        credit_share_consented,
        touches_dropped,
        sum(revenue_credit_all) over (
            partition by attribution_level, attribution_model, conversion_type
        ) as revenue_credit_type
    from shift

),

final as (

    select
        cast(attribution_level as varchar) as attribution_level,
        cast(attribution_model as varchar) as attribution_model,
        cast(conversion_type as varchar) as conversion_type,
        cast(channel as varchar) as channel,
        cast(revenue_credit_all as double) as revenue_credit_all,
        cast(revenue_credit_consented as double) as revenue_credit_consented,
        cast(revenue_shift as double) as revenue_shift,
        cast(revenue_shift / nullif(revenue_credit_type, 0) as double) as revenue_shift_share,
        cast(credit_share_all as double) as credit_share_all,
        cast(credit_share_consented as double) as credit_share_consented,
        cast(touches_dropped as bigint) as touches_dropped
    from totals

)

select * from final
