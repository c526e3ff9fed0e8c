with

source as (

    select * from {{ source_or_empty('web', 'sessions') }}

),

renamed as (

    select
        ---------- ids
        session_id,
        anonymous_id,
        lower(nullif(trim(user_email), '')) as email,

        ---------- attribution fields
        nullif(trim(landing_url), '') as landing_url,
        nullif(trim(referrer_url), '') as referrer_url,
        nullif(
            regexp_replace(
                regexp_extract(lower(referrer_url), '^[a-z]+://([^/:?#]+)', 1), '^www\.', ''
            ),
            ''
        ) as referrer_domain,
        lower(nullif(trim(utm_source), '')) as utm_source,
        lower(nullif(trim(utm_medium), '')) as utm_medium,
        lower(nullif(trim(utm_campaign), '')) as utm_campaign,

        ---------- behaviour
        coalesce(try_cast(pageviews as integer), 0) as pageviews,
        coalesce(pages, '') as pages,
        coalesce(pages, '') like '%/pricing%' as viewed_pricing,

        ---------- timestamps
        {{ parse_timestamp_utc('started_at') }} as started_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'web:' || anonymous_id", email="email") }}

)

select * from final
