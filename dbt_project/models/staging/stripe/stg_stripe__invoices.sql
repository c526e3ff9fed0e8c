with

source as (

    select * from {{ source_or_empty('stripe', 'invoices') }}

),

renamed as (

    select
        ---------- ids
        id as invoice_id,
        customer_id,
        nullif(subscription_id, '') as subscription_id,
        nullif(charge_id, '') as charge_id,

        ---------- properties
        lower(status) as invoice_status,
        lower(billing_reason) as billing_reason,
        upper(currency) as currency,

        ---------- amounts
        -- Stripe stores minor units (cents); every mart uses major units.
        cast(amount_paid as decimal(18, 2)) / 100 as amount_paid,

        ---------- timestamps
        {{ parse_timestamp_utc('created') }} as invoiced_at

    from source

)

select * from renamed
