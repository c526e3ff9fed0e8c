-- Paid invoices net of their refunds, with the account of the paying customer and the
-- lifecycle stage the billing reason marks.
with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

refunds as (

    select * from {{ ref('stg_stripe__refunds') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

company_accounts as (

    select * from {{ ref('int_revenue__company_accounts_mapped') }}

),

refunds_by_charge as (

    select
        charge_id,
        sum(amount) as refunded_amount
    from refunds
    where refund_status = 'succeeded'
    group by charge_id

),

final as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        company_accounts.account_id,
        case invoices.billing_reason
            when 'subscription_create' then 'new_business'
            when 'subscription_update' then 'expansion'
            when 'subscription_cycle' then 'renewal'
            else 'other'
        end as revenue_stage,
        invoices.currency,
        invoices.amount_paid as gross_amount,
        coalesce(refunds_by_charge.refunded_amount, 0) as refunded_amount,
        invoices.amount_paid - coalesce(refunds_by_charge.refunded_amount, 0) as net_amount,
        invoices.invoiced_at
    from invoices
    left join refunds_by_charge
        on invoices.charge_id = refunds_by_charge.charge_id
    left join customers
        on invoices.customer_id = customers.customer_id
    left join company_accounts
        on customers.hubspot_company_id = company_accounts.company_id
    where invoices.invoice_status = 'paid'

)

select * from final
