with

source as (

    select * from {{ source_or_empty('stripe', 'customers') }}

),

renamed as (

    select
        ---------- ids
        id as customer_id,
        json_extract_string(nullif(metadata, ''), '$.hubspot_company_id') as hubspot_company_id,

        ---------- identity
        lower(nullif(trim(email), '')) as email,
        nullif(trim(name), '') as customer_name,
        upper(nullif(currency, '')) as currency,

        ---------- timestamps
        {{ parse_timestamp_utc('created') }} as created_at

    from source

),

final as (

    -- A customer is a company's billing account, so it stays when its contact is erased
    -- (revenue must not vanish); only the email goes (macros/erasure.sql).
    select
        customer_id,
        hubspot_company_id,
        case
            when {{ is_erased(record_id="'stripe:' || customer_id", email="email") }} then null
            else email
        end as email,
        customer_name,
        currency,
        created_at
    from renamed

)

select * from final
