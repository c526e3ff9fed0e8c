with

source as (

    select * from {{ source('identity', 'offline_links') }}

),

renamed as (

    select
        ---------- ids
        cast(record_id as varchar) as record_id,
        cast(source as varchar) as source,
        cast(source_record_id as varchar) as source_record_id,
        cast(person_id as varchar) as person_id,

        ---------- link
        cast(match_probability as double) as match_probability,
        cast(matched_by as varchar) as matched_by,
        cast(candidates as integer) as candidates

    from source

)

select * from renamed
