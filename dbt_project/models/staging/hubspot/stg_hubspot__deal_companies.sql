with

source as (

    select * from {{ source_or_empty('hubspot', 'deal_companies') }}

),

renamed as (

    select
        deal_id,
        company_id

    from source

)

select * from renamed
