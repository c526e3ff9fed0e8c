-- Stripe subscriptions across the customer lifecycle: how each began (activation, expansion or
-- reactivation), what it bills, how often it renewed and whether it churned.
with

subscriptions as (

    select * from {{ ref('int_kpis__subscriptions_matched') }}

),

rates as (

    select * from {{ ref('currency_rates') }}

),

earlier_overlaps as (

    select
        later.subscription_id,
        count(earlier.subscription_id) as earlier_subscriptions,
        count(earlier.subscription_id) filter (
            where earlier.ended_at is null or earlier.ended_at > later.started_at
        ) as earlier_active_subscriptions
    from subscriptions as later
    left join subscriptions as earlier
        on
            later.customer_id = earlier.customer_id
            and (
                later.started_at > earlier.started_at
                or (
                    later.started_at = earlier.started_at
                    and later.subscription_id > earlier.subscription_id
                )
            )
    group by later.subscription_id

),

final as (

    select
        cast(subscriptions.subscription_id as varchar) as subscription_id,
        cast(subscriptions.customer_id as varchar) as customer_id,
        cast(subscriptions.account_id as varchar) as account_id,
        cast(subscriptions.opportunity_id as varchar) as opportunity_id,
        cast(
            case
                when earlier_overlaps.earlier_subscriptions = 0 then 'activation'
                when earlier_overlaps.earlier_active_subscriptions > 0 then 'expansion'
                else 'reactivation'
            end as varchar
        ) as lifecycle_type,
        cast(subscriptions.subscription_status as varchar) as subscription_status,
        cast(subscriptions.currency as varchar) as currency,
        cast(subscriptions.monthly_amount as decimal(18, 2)) as monthly_amount,
        cast(subscriptions.monthly_amount * rates.rate_to_reporting as decimal(18, 2))
            as monthly_amount_reporting,
        cast(subscriptions.invoice_count as bigint) as invoice_count,
        cast(subscriptions.net_paid * rates.rate_to_reporting as decimal(18, 2))
            as net_paid_reporting,
        cast(
            greatest(
                date_diff('month', subscriptions.started_at, subscriptions.last_invoiced_at) // 12,
                0
            ) as integer
        ) as renewals,
        cast(subscriptions.ended_at is not null as boolean) as is_churned,
        cast(subscriptions.started_at as timestamptz) as started_at,
        cast(subscriptions.ended_at as timestamptz) as ended_at
    from subscriptions
    inner join earlier_overlaps
        on subscriptions.subscription_id = earlier_overlaps.subscription_id
    left join rates
        on subscriptions.currency = rates.currency

)

select * from final
