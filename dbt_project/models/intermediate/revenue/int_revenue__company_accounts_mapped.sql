-- Maps every CRM company (HubSpot company or Salesforce account) to an account. Identity
-- resolution names the accounts of domains it has seen people from. A company whose domain no
-- person has yet gets an id derived from its domain, so deals are never left without an account.
with

hubspot_companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

salesforce_accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

person_accounts as (

    select * from {{ ref('stg_identity__person_accounts') }}

),

companies as (

    select
        'hubspot' as source,
        company_id,
        company_name,
        company_domain
    from hubspot_companies

    union all

    select
        'salesforce' as source,
        company_id,
        company_name,
        company_domain
    from salesforce_accounts

),

domain_accounts as (

    select
        account_domain,
        min(account_id) as account_id
    from person_accounts
    where account_domain is not null
    group by account_domain

),

final as (

    select
        companies.company_id,
        companies.source,
        companies.company_name,
        companies.company_domain,
        coalesce(
            domain_accounts.account_id,
            'acc_'
            || left(
                md5(
                    coalesce(
                        companies.company_domain,
                        companies.source || ':' || companies.company_id
                    )
                ),
                12
            )
        ) as account_id
    from companies
    left join domain_accounts
        on companies.company_domain = domain_accounts.account_domain

)

select * from final
