with

source as (

    select * from {{ source_or_empty('stripe', 'refunds') }}

),

renamed as (

    select
        ---------- ids
        id as refund_id,
        charge_id,

        ---------- properties
        lower(status) as refund_status,
        upper(currency) as currency,

        ---------- amounts
        cast(amount as decimal(18, 2)) / 100 as amount,

        ---------- timestamps
        {{ parse_timestamp_utc('created') }} as refunded_at

    from source

)

select * from renamed
