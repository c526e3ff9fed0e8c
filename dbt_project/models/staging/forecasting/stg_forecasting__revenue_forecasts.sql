with

source as (

    select * from {{ source('forecasting', 'revenue_forecast') }}

),

renamed as (

    select
        cast(period_start as date) as period_start,
        currency,
        stage as revenue_stage,
        method as forecast_method,
        cast(forecast as double) as forecast_amount,
        cast(lower as double) as forecast_lower,
        cast(upper as double) as forecast_upper

    from source

)

select * from renamed
