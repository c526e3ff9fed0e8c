-- Opportunities with an account, valued in the reporting currency and netted of the refunds
-- on the subscriptions that bill them, with days to close and a deal size band.
{%- set edges = var('deal_size_band_edges') %}
with

deals as (

    select * from {{ ref('int_revenue__deals_assigned') }}

),

rates as (

    select * from {{ ref('currency_rates') }}

),

subscriptions as (

    select * from {{ ref('int_kpis__subscriptions_matched') }}

),

refunds_by_deal as (

    select
        subscriptions.opportunity_id,
        sum(subscriptions.refunded_amount * rates.rate_to_reporting) as refunded_amount_reporting
    from subscriptions
    left join rates
        on subscriptions.currency = rates.currency
    where subscriptions.opportunity_id is not null
    group by subscriptions.opportunity_id

),

valued as (

    select
        deals.deal_id as opportunity_id,
        deals.account_id,
        deals.deal_type,
        deals.deal_stage,
        deals.is_won,
        deals.is_closed,
        deals.currency,
        deals.amount,
        deals.created_at,
        deals.closed_at,
        deals.amount * rates.rate_to_reporting as amount_reporting,
        coalesce(refunds_by_deal.refunded_amount_reporting, 0) as refunded_amount_reporting,
        case
            when deals.is_closed
                then date_diff(
                    'day',
                    cast(deals.created_at at time zone 'UTC' as date),
                    cast(deals.closed_at at time zone 'UTC' as date)
                )
        end as days_to_close
    from deals
    left join rates
        on deals.currency = rates.currency
    left join refunds_by_deal
        on deals.deal_id = refunds_by_deal.opportunity_id
    where
        deals.account_id is not null
        and deals.created_at is not null

),

final as (

    select
        *,
        case
            when is_won then amount_reporting - refunded_amount_reporting
            else 0
        end as net_won_amount_reporting,
        case
            when amount_reporting is null then 'unknown'
            {%- for edge in edges %}
                {%- set lower = "under" if loop.first else edges[loop.index0 - 1] ~ "_to" %}
                when amount_reporting < {{ edge }} then '{{ lower }}_{{ edge }}'
            {%- endfor %}
            else '{{ edges[-1] }}_and_over'
        end as size_band
    from valued

)

select * from final
