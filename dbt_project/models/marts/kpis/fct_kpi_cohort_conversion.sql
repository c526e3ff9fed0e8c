-- Conversion of accounts by cohort: of the accounts first seen in a month, how many opened a
-- new-business opportunity and how many won one, on or after that month.
with

activities as (

    select * from {{ ref('int_kpis__member_activities_enriched') }}

),

revenue as (

    select * from {{ ref('fct_community_revenue') }}

),

account_cohorts as (

    select
        account_id,
        min(account_cohort_month) as cohort_month
    from activities
    where account_id is not null
    group by account_id

),

account_outcomes as (

    select
        account_cohorts.account_id,
        account_cohorts.cohort_month,
        count(revenue.opportunity_id) > 0 as has_opportunity,
        coalesce(bool_or(revenue.is_won), false) as has_won,
        min(revenue.created_at) as first_opportunity_at
    from account_cohorts
    left join revenue
        on
            account_cohorts.account_id = revenue.account_id
            and revenue.deal_type = 'newbusiness'
            and account_cohorts.cohort_month <= revenue.created_at
    group by account_cohorts.account_id, account_cohorts.cohort_month

),

final as (

    select
        cast(cohort_month as date) as cohort_month,
        cast(count(*) as bigint) as cohort_accounts,
        cast(count(*) filter (where has_opportunity) as bigint) as accounts_with_opportunity,
        cast(count(*) filter (where has_won) as bigint) as accounts_won,
        cast(count(*) filter (where has_opportunity) / count(*) as double) as opportunity_rate,
        cast(count(*) filter (where has_won) / count(*) as double) as conversion_rate
    from account_outcomes
    group by cohort_month

)

select * from final
