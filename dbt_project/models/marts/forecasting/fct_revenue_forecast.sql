with

forecasts as (

    select * from {{ ref('stg_forecasting__revenue_forecasts') }}

),

final as (

    select
        cast(period_start as date) as period_start,
        cast(currency as varchar) as currency,
        cast(revenue_stage as varchar) as revenue_stage,
        cast(forecast_method as varchar) as forecast_method,
        cast(forecast_amount as double) as forecast_amount,
        cast(forecast_lower as double) as forecast_lower,
        cast(forecast_upper as double) as forecast_upper
    from forecasts

)

select * from final
