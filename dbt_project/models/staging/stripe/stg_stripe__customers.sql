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

)

select * from renamed
