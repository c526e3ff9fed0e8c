with

source as (

    select * from {{ source('identity', 'person_clusters') }}

),

renamed as (

    select
        record_id,
        person_id,
        cast(match_probability as double) as match_probability,
        matched_by

    from source

)

select * from renamed
