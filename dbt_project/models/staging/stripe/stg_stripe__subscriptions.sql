with

source as (

    select * from {{ source_or_empty('stripe', 'subscriptions') }}

),

renamed as (

    select
        ---------- ids
        id as subscription_id,
        customer_id,
        -- The HubSpot deal the subscription bills, from its metadata JSON. It is null when the
        -- metadata is missing, is not JSON or names no deal.
        nullif(trim(
            case
                when json_valid(metadata) then json_extract_string(metadata, '$.hubspot_deal_id')
            end
        ), '') as hubspot_deal_id,

        ---------- properties
        lower(status) as subscription_status,

        ---------- timestamps
        {{ parse_timestamp_utc('start_date') }} as started_at,
        {{ parse_timestamp_utc('canceled_at') }} as canceled_at,
        {{ parse_timestamp_utc('ended_at') }} as ended_at

    from source

)

select * from renamed
