with

source as (

    select * from {{ source_or_empty('hubspot', 'deal_contacts') }}

),

renamed as (

    select
        deal_id,
        contact_id

    from source

),

final as (

    -- Rows of people behind an erasure request are dropped (macros/erasure.sql).
    select * from renamed
    where not {{ is_erased(record_id="'hubspot:' || contact_id") }}

)

select * from final
