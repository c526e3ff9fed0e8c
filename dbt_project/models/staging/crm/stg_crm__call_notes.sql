with

source as (

    select * from {{ source_or_empty('crm', 'call_notes') }}

),

renamed as (

    select
        ---------- ids
        note_id,
        'call_notes:' || note_id as record_id,
        nullif(trim(owner), '') as owner,

        ---------- identity
        nullif(trim(contact_name), '') as full_name,
        nullif(trim(company), '') as company_name,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(phone), '') as phone,

        ---------- properties
        length(coalesce(notes, '')) as notes_length,

        ---------- timestamps
        {{ parse_timestamp_utc('logged_at') }} as logged_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="record_id", email="email") }}

)

select * from final
