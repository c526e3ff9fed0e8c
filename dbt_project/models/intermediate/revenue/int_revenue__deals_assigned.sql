-- Gives every CRM deal one account: a HubSpot deal through its first associated company, a
-- Salesforce opportunity through its account.
with

hubspot_deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_companies as (

    select * from {{ ref('stg_hubspot__deal_companies') }}

),

salesforce_opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

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

deals as (

    select
        'hubspot' as source,
        hubspot_deals.deal_id,
        first_company.company_id,
        hubspot_deals.deal_name,
        hubspot_deals.deal_type,
        hubspot_deals.deal_stage,
        hubspot_deals.is_won,
        hubspot_deals.is_closed,
        hubspot_deals.amount,
        hubspot_deals.currency,
        hubspot_deals.created_at,
        hubspot_deals.closed_at
    from hubspot_deals
    left join first_company
        on hubspot_deals.deal_id = first_company.deal_id

    union all

    select
        'salesforce' as source,
        deal_id,
        company_id,
        deal_name,
        deal_type,
        deal_stage,
        is_won,
        is_closed,
        amount,
        currency,
        created_at,
        closed_at
    from salesforce_opportunities

),

final as (

    select
        deals.deal_id,
        company_accounts.account_id,
        deals.company_id,
        deals.source,
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
    left join company_accounts
        on
            deals.company_id = company_accounts.company_id
            and deals.source = company_accounts.source

)

select * from final
