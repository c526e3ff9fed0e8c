with

invoices as (

    select * from {{ ref('int_revenue__invoices_netted') }}

),

final as (

    select
        cast(invoice_id as varchar) as revenue_id,
        cast(account_id as varchar) as account_id,
        cast(customer_id as varchar) as customer_id,
        cast(subscription_id as varchar) as subscription_id,
        cast(revenue_stage as varchar) as revenue_stage,
        cast(currency as varchar) as currency,
        cast(gross_amount as decimal(18, 2)) as gross_amount,
        cast(refunded_amount as decimal(18, 2)) as refunded_amount,
        cast(net_amount as decimal(18, 2)) as net_amount,
        cast(invoiced_at as timestamptz) as invoiced_at
    from invoices

)

select * from final
