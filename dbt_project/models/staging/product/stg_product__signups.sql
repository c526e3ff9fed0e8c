with

source as (

    select * from {{ source_or_empty('product', 'signups') }}

),

renamed as (

    select
        ---------- ids
        signup_id,

        ---------- identity
        lower(nullif(trim(email), '')) as email,
        nullif(trim(full_name), '') as full_name,
        nullif(trim(company), '') as company_name,

        ---------- properties
        lower(plan) as plan,
        lower(nullif(trim(utm_source), '')) as utm_source,

        ---------- timestamps
        {{ parse_timestamp_utc('signed_up_at') }} as signed_up_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'product:' || signup_id", email="email") }}

)

select * from final
