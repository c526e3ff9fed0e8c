with

source as (

    select * from {{ source('identity', 'person_accounts') }}

),

renamed as (

    select
        person_id,
        account_id,
        account_domain,
        matched_by

    from source

)

select * from renamed
