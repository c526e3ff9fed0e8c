with

source as (

    select * from {{ source_or_empty('salesforce', 'leads') }}

),

renamed as (

    select
        ---------- ids
        id as lead_id,
        nullif(trim(converted_contact_id), '') as converted_contact_id,

        ---------- identity
        lower(nullif(trim(email), '')) as email,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        nullif(trim(company), '') as company_name,
        nullif(trim(title), '') as job_title,

        ---------- flags
        coalesce({{ parse_boolean('is_converted') }}, false) as is_converted,

        ---------- timestamps
        {{ parse_timestamp_utc('created_date') }} as created_at

    from source
    where not coalesce({{ parse_boolean('is_deleted') }}, false)

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'salesforce:' || lead_id", email="email") }}

)

select * from final
