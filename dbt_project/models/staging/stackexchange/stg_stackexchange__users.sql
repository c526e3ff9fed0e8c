with

source as (

    select * from {{ source_or_empty('stackexchange', 'users') }}

),

renamed as (

    select
        ---------- ids
        Id as user_id,
        nullif(AccountId, '') as network_account_id,

        ---------- identity
        nullif(trim(DisplayName), '') as display_name,
        nullif(trim(Location), '') as location,
        nullif(trim(WebsiteUrl), '') as website_url,

        ---------- properties
        try_cast(Reputation as integer) as reputation,
        -- Id -1 is the site's `Community` user, a background process that owns wiki posts
        -- and bumps old questions.
        Id = '-1' as is_system_user,

        ---------- timestamps
        {{ parse_timestamp_utc('CreationDate') }} as created_at,
        {{ parse_timestamp_utc('LastAccessDate') }} as last_access_at

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
