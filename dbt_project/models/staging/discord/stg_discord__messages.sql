with

source as (

    select * from {{ source_or_empty('discord', 'messages') }}

),

renamed as (

    select
        ---------- ids
        channel_id || ':' || id as message_id,
        id as source_message_id,
        guild_id,
        channel_id,
        author_id,
        nullif(reply_to_message_id, '') as reply_to_message_id,

        ---------- properties
        nullif(trim(guild_name), '') as guild_name,
        nullif(trim(channel_name), '') as channel_name,
        type as message_type,
        coalesce(try_cast(reaction_count as integer), 0) as reaction_count,
        length(coalesce(content, '')) as text_length,

        ---------- author
        nullif(trim(author_name), '') as author_handle,
        nullif(trim(author_nickname), '') as author_nickname,
        -- NOTE: rows loaded before the loader read `author.isBot` have it null, so a bot
        -- counts as a person until its file changes and loads again.
        coalesce({{ parse_boolean('author_is_bot') }}, false) as is_bot,

        ---------- timestamps
        {{ parse_timestamp_utc('timestamp') }} as sent_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(
        record_id="'discord:' || author_id",
        handle="'discord:' || author_handle"
    ) }}

)

select * from final
