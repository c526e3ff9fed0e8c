with

source as (

    select * from {{ source_or_empty('slack', 'messages') }}

),

renamed as (

    select
        ---------- ids
        channel_name || ':' || ts as message_id,
        channel_name,
        user as user_id,
        nullif(thread_ts, '') as thread_ts,

        ---------- properties
        coalesce(nullif(subtype, ''), 'message') as message_subtype,
        nullif(thread_ts, '') is not null and thread_ts != ts as is_thread_reply,
        coalesce(try_cast(reaction_count as integer), 0) as reaction_count,
        length(coalesce(text, '')) as text_length,

        ---------- timestamps
        -- Slack's ts is epoch seconds with a per-channel sequence after the point.
        to_timestamp(cast(ts as double)) as sent_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'slack:' || user_id") }}

)

select * from final
