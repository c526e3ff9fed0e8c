with

person_accounts as (

    select * from {{ ref('stg_identity__person_accounts') }}

),

company_accounts as (

    select * from {{ ref('int_revenue__company_accounts_mapped') }}

),

deals as (

    select * from {{ ref('int_revenue__deals_assigned') }}

),

accounts_from_people as (

    select
        account_id,
        min(account_domain) as account_domain,
        count(*) as member_count
    from person_accounts
    where account_id is not null
    group by account_id

),

accounts_from_crm as (

    select
        account_id,
        min(company_domain) as account_domain,
        min(company_name) as company_name
    from company_accounts
    group by account_id

),

won_deals as (

    select
        account_id,
        min(closed_at) as first_won_at,
        sum(amount) as won_amount
    from deals
    where is_won and account_id is not null
    group by account_id

),

all_accounts as (

    select account_id from accounts_from_people
    union
    select account_id from accounts_from_crm

),

final as (

    select
        cast(all_accounts.account_id as varchar) as account_id,
        cast(
            coalesce(accounts_from_crm.account_domain, accounts_from_people.account_domain)
            as varchar
        ) as account_domain,
        cast(accounts_from_crm.company_name as varchar) as company_name,
        cast(coalesce(accounts_from_people.member_count, 0) as bigint) as member_count,
        cast(won_deals.account_id is not null as boolean) as is_customer,
        cast(won_deals.first_won_at as timestamptz) as first_won_at,
        cast(coalesce(won_deals.won_amount, 0) as decimal(18, 2)) as won_amount
    from all_accounts
    left join accounts_from_people
        on all_accounts.account_id = accounts_from_people.account_id
    left join accounts_from_crm
        on all_accounts.account_id = accounts_from_crm.account_id
    left join won_deals
        on all_accounts.account_id = won_deals.account_id

)

select * from final
