-- The journey models' credit, and the timing model's credit split over touches (account
-- level, won new-business deals only).
with

journey_credits as (

    select * from {{ ref('stg_attribution__credits') }}

),

timing_credits as (

    select * from {{ ref('stg_attribution__timing_touch_credit') }}

),

credits as (

    select * from journey_credits
    union all
    select * from timing_credits

),

conversions as (

    select * from {{ ref('fct_conversions') }}

),

final as (

    select
        cast(credits.attribution_level as varchar) as attribution_level,
        cast(credits.attribution_model as varchar) as attribution_model,
        cast(credits.conversion_id as varchar) as conversion_id,
        cast(credits.conversion_type as varchar) as conversion_type,
        cast(credits.journey_id as varchar) as journey_id,
        cast(credits.touch_id as varchar) as touch_id,
        cast(credits.channel as varchar) as channel,
        cast(credits.program as varchar) as program,
        cast(credits.person_id as varchar) as person_id,
        cast(credits.credit_share as double) as credit_share,
        cast(credits.revenue_credit as double) as revenue_credit,
        cast(conversions.currency as varchar) as currency,
        cast(conversions.converted_at as timestamptz) as converted_at
    from credits
    inner join conversions
        on credits.conversion_id = conversions.conversion_id

)

select * from final
