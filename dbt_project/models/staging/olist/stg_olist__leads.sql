with

source as (

    select * from {{ source_or_empty('olist', 'leads') }}

),

renamed as (

    select
        ---------- ids
        mql_id as lead_id,
        landing_page_id,

        ---------- properties
        -- 60 leads have no origin; they keep a visible label rather than a null channel.
        coalesce(nullif(trim(origin), ''), 'unknown') as origin,

        ---------- timestamps
        -- This copy of the data set writes dates as DD-MM-YYYY.
        cast(strptime(first_contact_date, '%d-%m-%Y') as timestamptz) as first_contact_at

    from source

)

select * from renamed
