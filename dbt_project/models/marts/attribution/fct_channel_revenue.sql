-- Revenue credited to each channel by each level and model, with the bootstrap interval where
-- the attribution assets computed one (account level only). The timing model's channel rows
-- come from fct_channel_timing_credit, with its bootstrap interval over accounts, when its
-- revenue has one currency. Its `(baseline)` row sums its touch table's baseline rows, so a
-- share of the model's total means the same as for the counterfactual model.
with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

intervals as (

    select * from {{ ref('stg_attribution__channel_intervals') }}

),

by_channel as (

    select
        attribution_level,
        attribution_model,
        conversion_type,
        currency,
        channel,
        count(distinct conversion_id) as conversions_credited,
        sum(credit_share) as credited_conversions,
        sum(revenue_credit) as revenue_credit
    from credits
    -- The timing model's channel rows come from fct_channel_timing_credit below, with their
    -- intervals; its touch rows in fct_attribution_credit sum to the same credit.
    where attribution_model != 'timing'
    group by attribution_level, attribution_model, conversion_type, currency, channel

),

timing as (

    select * from {{ ref('fct_channel_timing_credit') }}
    where revenue_credit is not null

),

journey_models as (

    select
        cast(by_channel.attribution_level as varchar) as attribution_level,
        cast(by_channel.attribution_model as varchar) as attribution_model,
        cast(by_channel.conversion_type as varchar) as conversion_type,
        cast(by_channel.currency as varchar) as currency,
        cast(by_channel.channel as varchar) as channel,
        cast(by_channel.conversions_credited as bigint) as conversions_credited,
        cast(by_channel.credited_conversions as double) as credited_conversions,
        cast(by_channel.revenue_credit as double) as revenue_credit,
        cast(intervals.revenue_credit_lower as double) as revenue_credit_lower,
        cast(intervals.revenue_credit_upper as double) as revenue_credit_upper
    from by_channel
    left join intervals
        on
            by_channel.attribution_level = intervals.attribution_level
            and by_channel.attribution_model = intervals.attribution_model
            and by_channel.conversion_type = intervals.conversion_type
            and by_channel.channel = intervals.channel

),

timing_baseline as (

    select
        credits.attribution_level,
        credits.attribution_model,
        credits.conversion_type,
        credits.currency,
        credits.channel,
        count(distinct credits.conversion_id) as conversions_credited,
        sum(credits.credit_share) as credited_conversions,
        sum(credits.revenue_credit) as revenue_credit
    from credits
    where
        credits.attribution_model = 'timing'
        and credits.channel = '(baseline)'
        and credits.currency in (select timing.currency from timing)
    group by
        credits.attribution_level,
        credits.attribution_model,
        credits.conversion_type,
        credits.currency,
        credits.channel

),

timing_model as (

    select
        'account' as attribution_level,
        'timing' as attribution_model,
        cast(conversion_type as varchar) as conversion_type,
        cast(currency as varchar) as currency,
        cast(channel as varchar) as channel,
        cast(deals_with_credit as bigint) as conversions_credited,
        cast(credited_conversions as double) as credited_conversions,
        cast(revenue_credit as double) as revenue_credit,
        cast(revenue_credit_bootstrap_lower as double) as revenue_credit_lower,
        cast(revenue_credit_bootstrap_upper as double) as revenue_credit_upper
    from timing
    union all
    select
        cast(attribution_level as varchar) as attribution_level,
        cast(attribution_model as varchar) as attribution_model,
        cast(conversion_type as varchar) as conversion_type,
        cast(currency as varchar) as currency,
        cast(channel as varchar) as channel,
        cast(conversions_credited as bigint) as conversions_credited,
        cast(credited_conversions as double) as credited_conversions,
        cast(revenue_credit as double) as revenue_credit,
        cast(null as double) as revenue_credit_lower,
        cast(null as double) as revenue_credit_upper
    from timing_baseline

),

final as (

    select * from journey_models
    union all
    select * from timing_model

)

select * from final
