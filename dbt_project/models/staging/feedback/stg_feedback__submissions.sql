with

source as (

    select * from {{ source_or_empty('feedback', 'submissions') }}

),

renamed as (

    select
        ---------- ids
        feedback_id,
        nullif(trim(deal_id), '') as deal_id,

        ---------- properties
        lower(trim(feedback_type)) as feedback_type,
        lower(nullif(trim(person_email), '')) as person_email,
        lower(nullif(trim(account_domain), '')) as account_domain,
        nullif(trim(submitted_by), '') as submitted_by,
        nullif(trim(comment), '') as comment,
        _file as source_file,
        cast(_row_number as bigint) as source_row_number,

        ---------- timestamps
        {{ parse_timestamp_utc('submitted_at') }} as submitted_at

    from source

),

final as (

    -- Score feedback about a person behind an erasure request is dropped
    -- (macros/erasure.sql); deal feedback names no person and stays.
    select * from renamed
    where not {{ is_erased(email="person_email") }}

)

select * from final
