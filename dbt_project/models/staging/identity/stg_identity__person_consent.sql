with

source as (

    select * from {{ source('identity', 'person_consent') }}

),

renamed as (

    select
        ---------- ids
        cast(person_id as varchar) as person_id,

        ---------- consent
        cast(consent_status as varchar) as consent_status,
        cast(consented as boolean) as consented,
        cast(region as varchar) as region,
        cast(country as varchar) as country,
        cast(emails_with_receipt as integer) as emails_with_receipt,

        ---------- timestamps
        cast(consent_updated_at as timestamptz) as consent_updated_at

    from source

)

select * from renamed
