with

source as (

    select * from {{ source_or_empty('hubspot', 'deal_contacts') }}

),

renamed as (

    select
        deal_id,
        contact_id

    from source

)

select * from renamed
