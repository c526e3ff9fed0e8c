with

source as (

    select * from {{ source_or_empty('hubspot', 'companies') }}

),

renamed as (

    select
        ---------- ids
        id as company_id,

        ---------- properties
        nullif(trim(property_name), '') as company_name,
        regexp_replace(lower(nullif(trim(property_domain), '')), '^www\.', '') as company_domain,
        nullif(trim(property_industry), '') as industry,
        nullif(trim(property_country), '') as country,
        try_cast(property_numberofemployees as integer) as employee_count,

        ---------- timestamps
        {{ parse_timestamp_utc('property_createdate') }} as created_at

    from source
    where not coalesce({{ parse_boolean('is_deleted') }}, false)

)

select * from renamed
