with

source as (

    select * from {{ source_or_empty('salesforce', 'accounts') }}

),

renamed as (

    select
        ---------- ids
        id as company_id,

        ---------- properties
        nullif(trim(name), '') as company_name,
        -- Salesforce stores a website, not a domain. Keep the host, without scheme, `www.`,
        -- port or path, so it matches the account domains identity resolution assigns.
        nullif(
            regexp_extract(
                lower(trim(website)), '^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?([^/:?#]+)', 1
            ),
            ''
        ) as company_domain,
        nullif(trim(industry), '') as industry,
        nullif(trim(billing_country), '') as country,
        try_cast(number_of_employees as integer) as employee_count,
        nullif(trim(type), '') as account_type,

        ---------- timestamps
        {{ parse_timestamp_utc('created_date') }} as created_at

    from source
    where not coalesce({{ parse_boolean('is_deleted') }}, false)

)

select * from renamed
