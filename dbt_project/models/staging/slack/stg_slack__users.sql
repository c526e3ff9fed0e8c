with

source as (

    select * from {{ source_or_empty('slack', 'users') }}

),

renamed as (

    select
        ---------- ids
        id as user_id,

        ---------- identity
        nullif(trim(name), '') as handle,
        nullif(trim(real_name), '') as full_name,
        nullif(trim(display_name), '') as display_name,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(title), '') as job_title,

        ---------- flags
        coalesce({{ parse_boolean('is_bot') }}, false) as is_bot,
        coalesce({{ parse_boolean('deleted') }}, false) as is_deleted

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(
        record_id="'slack:' || user_id",
        email="email",
        handle="'slack:' || handle"
    ) }}

)

select * from final
