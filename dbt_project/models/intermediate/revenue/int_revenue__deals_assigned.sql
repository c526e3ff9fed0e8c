-- Gives every deal one account, through its first associated company.
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_companies as (

    select * from {{ ref('stg_hubspot__deal_companies') }}

),

company_accounts as (

    select * from {{ ref('int_revenue__company_accounts_mapped') }}

),

first_company as (

    select
        deal_id,
        min(company_id) as company_id
    from deal_companies
    group by deal_id

),

final as (

    select
        deals.deal_id,
        company_accounts.account_id,
        first_company.company_id,
        deals.deal_name,
        deals.deal_type,
        deals.deal_stage,
        deals.is_won,
        deals.is_closed,
        deals.amount,
        deals.currency,
        deals.created_at,
        deals.closed_at
    from deals
    left join first_company
        on deals.deal_id = first_company.deal_id
    left join company_accounts
        on first_company.company_id = company_accounts.company_id

)

select * from final
