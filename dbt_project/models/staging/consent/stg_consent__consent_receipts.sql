-- Consent tools name statuses differently (active, opt_in, opt_out, revoked, ...). They are
-- mapped to granted, denied, withdrawn or expired here. The loader quarantines any status not
-- listed in `CONSENT_STATUSES` (ingest/registry.py), so only an explicit `unknown` falls through.
with

source as (

    select * from {{ source_or_empty('consent', 'consent_receipts') }}

),

renamed as (

    select
        ---------- ids
        receipt_id,

        ---------- identity
        lower(nullif(trim(subject_email), '')) as email,

        ---------- consent
        lower(coalesce(nullif(trim(purpose), ''), 'marketing')) as purpose,
        case
            when lower(trim(status)) in ('granted', 'active', 'opt_in', 'opted_in', 'accepted')
                then 'granted'
            when lower(trim(status)) in ('denied', 'opt_out', 'opted_out', 'rejected', 'declined')
                then 'denied'
            when lower(trim(status)) in ('withdrawn', 'revoked') then 'withdrawn'
            when lower(trim(status)) = 'expired' then 'expired'
            else 'unknown'
        end as consent_status,
        upper(nullif(trim(region), '')) as region,
        nullif(trim(country), '') as country,
        lower(nullif(trim(collection_point), '')) as collection_point,

        ---------- timestamps
        {{ parse_timestamp_utc('updated_at') }} as updated_at

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(email="email") }}

)

select * from final
