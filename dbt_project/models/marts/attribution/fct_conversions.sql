-- Conversions attribution credits: opportunity creation (pipeline, at the opportunity's
-- amount) and closed-won deals (bookings, net of the refunds on the subscriptions that bill
-- them) per account, and Olist's closed deals at their declared monthly revenue.
with

deals as (

    select * from {{ ref('int_revenue__deals_assigned') }}

),

valued as (

    select * from {{ ref('int_kpis__opportunities_valued') }}

),

rates as (

    select * from {{ ref('currency_rates') }}

),

olist_deals as (

    select * from {{ ref('stg_olist__closed_deals') }}

),

pipeline as (

    select
        'opportunity:' || deal_id as conversion_id,
        account_id as journey_id,
        deal_id as opportunity_id,
        'opportunity_created' as conversion_type,
        created_at as converted_at,
        amount as revenue,
        currency
    from deals
    where account_id is not null and created_at is not null

),

bookings as (

    select
        'won:' || deals.deal_id as conversion_id,
        deals.account_id as journey_id,
        deals.deal_id as opportunity_id,
        case when deals.deal_type = 'existingbusiness' then 'expansion' else 'closed_won' end
            as conversion_type,
        deals.closed_at as converted_at,
        -- Refunds are valued in the reporting currency; convert them back to the deal's.
        deals.amount
        - coalesce(valued.refunded_amount_reporting / rates.rate_to_reporting, 0) as revenue,
        deals.currency
    from deals
    left join valued
        on deals.deal_id = valued.opportunity_id
    left join rates
        on deals.currency = rates.currency
    where deals.is_won and deals.account_id is not null and deals.closed_at is not null

),

olist_bookings as (

    select
        'olist:' || lead_id as conversion_id,
        'olist:' || lead_id as journey_id,
        seller_id as opportunity_id,
        'closed_won' as conversion_type,
        won_at as converted_at,
        declared_monthly_revenue as revenue,
        'BRL' as currency
    from olist_deals

),

unioned as (

    select * from pipeline
    union all
    select * from bookings
    union all
    select * from olist_bookings

),

final as (

    select
        cast(conversion_id as varchar) as conversion_id,
        cast(journey_id as varchar) as journey_id,
        cast(opportunity_id as varchar) as opportunity_id,
        cast(conversion_type as varchar) as conversion_type,
        cast(converted_at as timestamptz) as converted_at,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(currency as varchar) as currency
    from unioned

)

select * from final
