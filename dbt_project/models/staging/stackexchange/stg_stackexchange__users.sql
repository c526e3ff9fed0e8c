with

source as (

    select * from {{ source_or_empty('stackexchange', 'users') }}

),

renamed as (

    -- DuckDB matches column names without regard to case, so the dump's `CreationDate` is
    -- read as `creationdate`.
    select
        ---------- ids
        id as user_id,
        nullif(accountid, '') as network_account_id,

        ---------- identity
        nullif(trim(displayname), '') as display_name,
        nullif(trim(location), '') as location,
        nullif(trim(websiteurl), '') as website_url,

        ---------- properties
        try_cast(reputation as integer) as reputation,
        -- Id -1 is the site's `Community` user, a background process that owns wiki posts
        -- and bumps old questions.
        id = '-1' as is_system_user,

        ---------- timestamps
        {{ parse_timestamp_utc('creationdate') }} as created_at,
        {{ parse_timestamp_utc('lastaccessdate') }} as last_access_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(
        record_id="'stackexchange:' || user_id",
        handle="'stackexchange:' || display_name"
    ) }}

)

select * from final
