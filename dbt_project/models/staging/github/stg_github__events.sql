with

source as (

    select * from {{ source_or_empty('github', 'events') }}

),

renamed as (

    select
        ---------- ids
        coalesce(nullif(delivery_id, ''), _file || ':' || _row_number) as event_id,
        sender_id,
        nullif(trim(sender_login), '') as sender_login,

        ---------- properties
        event as event_name,
        nullif(action, '') as event_action,
        repository_full_name,
        nullif(number, '') as item_number,

        ---------- timestamps
        coalesce(
            {{ parse_timestamp_utc('delivered_at') }},
            {{ parse_timestamp_utc('created_at') }}
        ) as occurred_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(
        record_id="'github:' || sender_id",
        handle="'github:' || sender_login"
    ) }}

)

select * from final
