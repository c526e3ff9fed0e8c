-- Lifecycle events of every subscription: its start (activation, expansion or reactivation),
-- each yearly renewal it was billed past, and its end (churn when the customer has no other
-- subscription running afterwards, contraction when one continues).
with

subscriptions as (

    select * from {{ ref('fct_subscriptions') }}

),

invoices as (

    select * from {{ ref('int_revenue__invoices_netted') }}

),

starts as (

    select
        subscription_id,
        lifecycle_type as event_type,
        started_at as event_at,
        monthly_amount_reporting as mrr_change_reporting
    from subscriptions

),

renewals as (

    select
        subscriptions.subscription_id,
        'renewal' as event_type,
        invoices.invoiced_at as event_at,
        0 as mrr_change_reporting
    from subscriptions
    inner join invoices
        on subscriptions.subscription_id = invoices.subscription_id
    where
        date_diff('month', subscriptions.started_at, invoices.invoiced_at) > 0
        and date_diff('month', subscriptions.started_at, invoices.invoiced_at) % 12 = 0

),

ends as (

    select
        ended.subscription_id,
        case
            when count(other.subscription_id) > 0 then 'contraction'
            else 'churn'
        end as event_type,
        ended.ended_at as event_at,
        -ended.monthly_amount_reporting as mrr_change_reporting
    from subscriptions as ended
    left join subscriptions as other
        on
            ended.customer_id = other.customer_id
            and ended.subscription_id != other.subscription_id
            and ended.ended_at >= other.started_at
            and (other.ended_at is null or ended.ended_at < other.ended_at)
    where ended.ended_at is not null
    group by ended.subscription_id, ended.ended_at, ended.monthly_amount_reporting

),

unioned as (

    select * from starts
    union all
    select * from renewals
    union all
    select * from ends

),

final as (

    select
        cast(
            unioned.subscription_id || ':' || unioned.event_type || ':'
            || strftime(unioned.event_at at time zone 'UTC', '%Y-%m-%d') as varchar
        ) as event_id,
        cast(unioned.subscription_id as varchar) as subscription_id,
        cast(subscriptions.customer_id as varchar) as customer_id,
        cast(subscriptions.account_id as varchar) as account_id,
        cast(unioned.event_type as varchar) as event_type,
        cast(unioned.event_at as timestamptz) as event_at,
        cast(unioned.mrr_change_reporting as decimal(18, 2)) as mrr_change_reporting
    from unioned
    inner join subscriptions
        on unioned.subscription_id = subscriptions.subscription_id

)

select * from final
