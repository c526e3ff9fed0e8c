with

source as (

    select * from {{ source_or_empty('discourse', 'users') }}

),

renamed as (

    select
        ---------- ids
        id as user_id,

        ---------- identity
        nullif(trim(username), '') as handle,
        nullif(trim(name), '') as full_name,
        lower(nullif(trim(email), '')) as email,

        ---------- timestamps
        {{ parse_timestamp_utc('created_at') }} as created_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(
        record_id="'discourse:' || user_id",
        email="email",
        handle="'discourse:' || handle"
    ) }}

)

select * from final
