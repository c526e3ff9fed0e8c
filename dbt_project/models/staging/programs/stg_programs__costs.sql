with

source as (

    select * from {{ source_or_empty('programs', 'program_costs') }}

),

renamed as (

    select -- noqa: ST06
        ---------- ids
        nullif(trim(program), '') as program, -- noqa: RF04

        ---------- dates
        cast(nullif(trim(period_start), '') as date) as period_start,

        ---------- amounts
        cast(nullif(trim(cost), '') as decimal(18, 2)) as cost, -- noqa: RF04
        upper(coalesce(nullif(trim(currency), ''), 'USD')) as currency -- noqa: RF04

    from source

)

select * from renamed
