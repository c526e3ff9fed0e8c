-- The request's email is replaced by its hash here, so no layer after raw contains it. The
-- identity asset reads the email from raw to find the person.
with

source as (

    select * from {{ source_or_empty('privacy', 'erasure_requests') }}

),

renamed as (

    select
        ---------- ids
        request_id,
        sha256({{ normalized_email('email') }}) as email_sha256,

        ---------- properties
        lower(nullif(trim(request_type), '')) as request_type,
        lower(nullif(trim(status), '')) as request_status,

        ---------- timestamps
        {{ parse_timestamp_utc('requested_at') }} as requested_at

    from source

)

select * from renamed
