with

source as (

    select * from {{ source_or_empty('programs', 'program_costs') }}

),

renamed as (

    select -- noqa: ST06
        ---------- ids
        nullif(trim(program), '') as program_name,
        lower(nullif(trim(channel), '')) as channel,
        lower(nullif(trim(cost_type), '')) as cost_type,

        ---------- dates
        -- `month` is `YYYY-MM`; the period is that calendar month.
        cast(strptime(trim(month), '%Y-%m') as date) as period_start,

        ---------- amounts
        cast(nullif(trim(amount), '') as decimal(18, 2)) as cost_amount,
        upper(coalesce(nullif(trim(currency), ''), 'USD')) as currency -- noqa: RF04

    from source

)

select * from renamed
