with

source as (

    select * from {{ source_or_empty('discourse', 'users') }}

),

renamed as (

    select
        ---------- ids
        id as user_id,

        ---------- identity
        nullif(trim(username), '') as handle,
        nullif(trim(name), '') as full_name,
        lower(nullif(trim(email), '')) as email,

        ---------- timestamps
        {{ parse_timestamp_utc('created_at') }} as created_at

    from source

)

select * from renamed
