with

deals as (

    select * from {{ ref('int_revenue__deals_assigned') }}

),

final as (

    select
        cast(deal_id as varchar) as opportunity_id,
        cast(source as varchar) as source,
        cast(account_id as varchar) as account_id,
        cast(deal_type as varchar) as deal_type,
        cast(deal_stage as varchar) as deal_stage,
        cast(is_won as boolean) as is_won,
        cast(is_closed as boolean) as is_closed,
        cast(amount as decimal(18, 2)) as amount,
        cast(currency as varchar) as currency,
        cast(created_at as timestamptz) as created_at,
        cast(closed_at as timestamptz) as closed_at
    from deals

)

select * from final
