with

source as (

    select * from {{ source_or_empty('hubspot', 'deals') }}

),

renamed as (

    select
        ---------- ids
        deal_id,

        ---------- properties
        property_dealname as deal_name,
        coalesce(lower(nullif(property_dealtype, '')), 'newbusiness') as deal_type,
        lower(deal_pipeline_stage_id) as deal_stage,
        -- A deal without a stage (common in real exports) is open, not unknown.
        coalesce(lower(deal_pipeline_stage_id) = 'closedwon', false) as is_won,
        coalesce(lower(deal_pipeline_stage_id) in ('closedwon', 'closedlost'), false) as is_closed,

        ---------- amounts
        cast(nullif(property_amount, '') as decimal(18, 2)) as amount,
        upper(coalesce(nullif(property_deal_currency_code, ''), 'USD')) as currency,

        ---------- timestamps
        {{ parse_timestamp_utc('property_createdate') }} as created_at,
        {{ parse_timestamp_utc('property_closedate') }} as closed_at

    from source
    where not coalesce({{ parse_boolean('is_deleted') }}, false)

)

select * from renamed
