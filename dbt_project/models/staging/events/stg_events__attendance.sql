with

source as (

    select * from {{ source_or_empty('events', 'attendance') }}

),

renamed as (

    select
        ---------- ids
        registration_id,
        event_id,

        ---------- properties
        event_name,
        lower(event_type) as event_type,
        nullif(trim(program), '') as program,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(full_name), '') as full_name,
        nullif(trim(company), '') as company_name,
        {{ parse_boolean('attended') }} as has_attended,

        ---------- timestamps
        {{ parse_timestamp_utc('registered_at') }} as registered_at,
        {{ parse_timestamp_utc('attended_at') }} as attended_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'events:' || registration_id", email="email") }}

)

select * from final
