with

source as (

    select * from {{ source_or_empty('hubspot', 'contacts') }}

),

renamed as (

    select
        ---------- ids
        id as contact_id,

        ---------- identity
        lower(nullif(trim(property_email), '')) as email,
        nullif(trim(property_firstname), '') as first_name,
        nullif(trim(property_lastname), '') as last_name,
        nullif(trim(property_company), '') as company_name,
        nullif(trim(property_jobtitle), '') as job_title,

        ---------- timestamps
        {{ parse_timestamp_utc('property_createdate') }} as created_at

    from source
    where not coalesce({{ parse_boolean('_fivetran_deleted') }}, false)

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'hubspot:' || contact_id", email="email") }}

)

select * from final
