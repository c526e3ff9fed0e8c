with

source as (

    select * from {{ source_or_empty('events', 'badge_scans') }}

),

renamed as (

    select
        ---------- ids
        scan_id,
        'badge_scans:' || scan_id as record_id,
        event_id,

        ---------- identity
        nullif(trim(badge_name), '') as full_name,
        nullif(trim(badge_company), '') as company_name,
        lower(nullif(trim(badge_email), '')) as email,
        nullif(trim(badge_title), '') as job_title,

        ---------- properties
        lower(nullif(trim(booth), '')) as booth,

        ---------- timestamps
        {{ parse_timestamp_utc('scanned_at') }} as scanned_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="record_id", email="email") }}

)

select * from final
