-- Salesforce opportunities in the shape of `stg_hubspot__deals`. The stage, won, closed and
-- deal type mapping is listed in docs/sources.md ("Salesforce in place of HubSpot").
with

source as (

    select * from {{ source_or_empty('salesforce', 'opportunities') }}

),

renamed as (

    select
        ---------- ids
        id as deal_id,
        nullif(trim(account_id), '') as company_id,

        ---------- properties
        name as deal_name,
        nullif(trim(type), '') as opportunity_type,
        -- Map to HubSpot's two deal types. Salesforce's standard Types for existing customers,
        -- and the common custom ones, are expansion. Any other Type, blank included, is new
        -- business, as a HubSpot deal without a type is. `opportunity_type` keeps the value.
        case
            when lower(trim(type)) in (
                'existing business',
                'existing customer - upgrade',
                'existing customer - replacement',
                'existing customer - downgrade',
                'renewal',
                'upsell'
            ) then 'existingbusiness'
            else 'newbusiness'
        end as deal_type,
        nullif(trim(stage_name), '') as deal_stage,
        -- IsWon and IsClosed come from the stage's settings in Salesforce, so they hold for
        -- renamed and custom stages. A file without them falls back to the standard stage
        -- names. An opportunity with neither is open.
        coalesce(
            {{ parse_boolean('is_won') }},
            lower(trim(stage_name)) = 'closed won',
            false
        ) as is_won,
        coalesce(
            {{ parse_boolean('is_closed') }},
            lower(trim(stage_name)) in ('closed won', 'closed lost'),
            false
        ) as is_closed,

        ---------- amounts
        cast(nullif(trim(amount), '') as decimal(18, 2)) as amount,
        -- A single-currency org exports no CurrencyIsoCode, because every amount is in the
        -- org's corporate currency, which the `salesforce_corporate_currency` variable sets.
        upper(
            coalesce(
                nullif(trim(currency_iso_code), ''), '{{ var("salesforce_corporate_currency") }}'
            )
        ) as currency,

        ---------- timestamps
        {{ parse_timestamp_utc('created_date') }} as created_at,
        {{ parse_timestamp_utc('close_date') }} as closed_at

    from source
    where not coalesce({{ parse_boolean('is_deleted') }}, false)

)

select * from renamed
