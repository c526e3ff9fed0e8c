with

source as (

    select * from {{ source_or_empty('olist', 'closed_deals') }}

),

renamed as (

    select
        ---------- ids
        mql_id as lead_id,
        seller_id,

        ---------- properties
        nullif(business_segment, '') as business_segment,
        nullif(lead_type, '') as lead_type,

        ---------- amounts
        -- Sellers declared monthly revenue in Brazilian reais; most declared nothing (0).
        coalesce(try_cast(declared_monthly_revenue as decimal(18, 2)), 0)
            as declared_monthly_revenue,

        ---------- timestamps
        cast(strptime(won_date, '%d-%m-%Y %H:%M') as timestamptz) as won_at

    from source

)

select * from renamed
