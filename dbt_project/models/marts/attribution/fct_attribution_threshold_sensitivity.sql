-- Headline and timing model channel credit under each identity threshold, with the range of
-- the channel's share over all thresholds, so a reader sees which channels depend on
-- identity resolution.
with

sensitivity as (

    select * from {{ ref('stg_attribution__threshold_sensitivity') }}

),

ranged as (

    select
        identity_threshold,
        attribution_model,
        conversion_type,
        channel,
        revenue_credit,
        credit_share,
        min(credit_share) over (
            partition by attribution_model, conversion_type, channel
        ) as credit_share_min,
        max(credit_share) over (
            partition by attribution_model, conversion_type, channel
        ) as credit_share_max
    from sensitivity

),

final as (

    select
        cast(identity_threshold as double) as identity_threshold,
        cast(attribution_model as varchar) as attribution_model,
        cast(conversion_type as varchar) as conversion_type,
        cast(channel as varchar) as channel,
        cast(revenue_credit as double) as revenue_credit,
        cast(credit_share as double) as credit_share,
        cast(credit_share_min as double) as credit_share_min,
        cast(credit_share_max as double) as credit_share_max
    from ranged

)

select * from final
