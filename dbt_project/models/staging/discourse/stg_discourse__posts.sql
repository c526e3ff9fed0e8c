with

source as (

    select * from {{ source_or_empty('discourse', 'posts') }}

),

renamed as (

    select
        ---------- ids
        id as post_id,
        topic_id,
        nullif(trim(username), '') as handle,

        ---------- properties
        topic_title,
        category_id,
        cast(post_number as integer) as post_number,
        cast(post_number as integer) = 1 as is_topic_start,
        nullif(reply_to_post_number, '') is not null as is_reply,
        length(coalesce(raw, '')) as text_length,

        ---------- timestamps
        {{ parse_timestamp_utc('created_at') }} as created_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(handle="'discourse:' || handle") }}

)

select * from final
