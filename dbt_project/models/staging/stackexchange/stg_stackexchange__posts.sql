with

source as (

    select * from {{ source_or_empty('stackexchange', 'posts') }}

),

renamed as (

    -- DuckDB matches column names without regard to case, so the dump's `CreationDate` is
    -- read as `creationdate`.
    select
        ---------- ids
        id as post_id,
        nullif(parentid, '') as parent_post_id,
        nullif(owneruserid, '') as owner_user_id,
        nullif(trim(ownerdisplayname), '') as owner_display_name,

        ---------- properties
        cast(posttypeid as integer) as post_type_id,
        -- Post types from the dump's schema; the loader checks that PostTypeId is a number.
        case cast(posttypeid as integer)
            when 1 then 'question'
            when 2 then 'answer'
            when 3 then 'orphaned_tag_wiki'
            when 4 then 'tag_wiki_excerpt'
            when 5 then 'tag_wiki'
            when 6 then 'moderator_nomination'
            when 7 then 'wiki_placeholder'
            when 8 then 'privilege_wiki'
            else 'post_type_' || posttypeid
        end as post_type,
        nullif(trim(title), '') as title,
        nullif(tags, '') as tags,
        try_cast(score as integer) as score,
        length(coalesce(body, '')) as body_length,

        ---------- timestamps
        {{ parse_timestamp_utc('creationdate') }} as created_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql). A post of
    -- a deleted user has no owner id, only the display name it was posted under.
    select * from renamed
    where not {{ is_erased(
        record_id="'stackexchange:' || owner_user_id",
        handle="'stackexchange:' || owner_display_name"
    ) }}

)

select * from final
