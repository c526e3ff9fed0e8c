-- Stripe subscriptions with their account, billing totals and the won deal they bill. The deal
-- is the one the subscription's `hubspot_deal_id` metadata names, when that deal is won. A
-- subscription without that metadata falls back to the won deal of its account that closed on
-- its start day.
with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

company_accounts as (

    select * from {{ ref('int_revenue__company_accounts_mapped') }}

),

invoices as (

    select * from {{ ref('int_revenue__invoices_netted') }}

),

deals as (

    select * from {{ ref('int_revenue__deals_assigned') }}

),

billing as (

    select
        subscription_id,
        min(currency) as currency,
        arg_min(gross_amount, invoiced_at) as monthly_amount,
        count(*) as invoice_count,
        sum(gross_amount) as gross_paid,
        sum(refunded_amount) as refunded_amount,
        sum(net_amount) as net_paid,
        min(invoiced_at) as first_invoiced_at,
        max(invoiced_at) as last_invoiced_at
    from invoices
    where subscription_id is not null
    group by subscription_id

),

with_accounts as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.hubspot_deal_id,
        company_accounts.account_id,
        subscriptions.subscription_status,
        subscriptions.started_at,
        subscriptions.canceled_at,
        subscriptions.ended_at
    from subscriptions
    left join customers
        on subscriptions.customer_id = customers.customer_id
    left join company_accounts
        on customers.hubspot_company_id = company_accounts.company_id

),

named_deals as (

    select
        with_accounts.subscription_id,
        deals.deal_id as opportunity_id
    from with_accounts
    inner join deals
        on with_accounts.hubspot_deal_id = deals.deal_id
    where deals.is_won

),

same_day_deals as (

    -- NOTE: this fallback misses a deal billed from another day, whose refunds then go
    -- unnetted.
    select
        with_accounts.subscription_id,
        min(deals.deal_id) as opportunity_id
    from with_accounts
    inner join deals
        on
            with_accounts.account_id = deals.account_id
            and cast(with_accounts.started_at at time zone 'UTC' as date)
            = cast(deals.closed_at at time zone 'UTC' as date)
    where deals.is_won and with_accounts.hubspot_deal_id is null
    group by with_accounts.subscription_id

),

deal_matches as (

    select * from named_deals
    union all
    select * from same_day_deals

),

final as (

    select
        with_accounts.subscription_id,
        with_accounts.customer_id,
        with_accounts.account_id,
        deal_matches.opportunity_id,
        with_accounts.subscription_status,
        billing.currency,
        with_accounts.started_at,
        with_accounts.canceled_at,
        with_accounts.ended_at,
        billing.first_invoiced_at,
        billing.last_invoiced_at,
        coalesce(billing.monthly_amount, 0) as monthly_amount,
        coalesce(billing.invoice_count, 0) as invoice_count,
        coalesce(billing.gross_paid, 0) as gross_paid,
        coalesce(billing.refunded_amount, 0) as refunded_amount,
        coalesce(billing.net_paid, 0) as net_paid
    from with_accounts
    left join billing
        on with_accounts.subscription_id = billing.subscription_id
    left join deal_matches
        on with_accounts.subscription_id = deal_matches.subscription_id

)

select * from final
