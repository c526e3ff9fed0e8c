-- Net revenue per calendar month and lifecycle stage: the history the forecast is fitted on.
with

revenue as (

    select * from {{ ref('fct_revenue') }}

),

final as (

    select
        cast(date_trunc('month', invoiced_at at time zone 'UTC') as date) as period_start,
        cast(revenue_stage as varchar) as revenue_stage,
        cast(currency as varchar) as currency,
        cast(count(*) as bigint) as invoice_count,
        cast(sum(net_amount) as decimal(18, 2)) as net_amount
    from revenue
    group by
        date_trunc('month', invoiced_at at time zone 'UTC'),
        revenue_stage,
        currency

)

select * from final
