-- Every opportunity with an account and a creation time has one community revenue row:
-- returns the opportunities that are missing. The test reads two models, so dagster-dbt needs
-- the meta `ref` to attach it as an asset check of fct_community_revenue. Without it the test
-- runs but dagster-dbt logs its result as an asset observation, with a warning.
{{ config(meta={'dagster': {'ref': {'name': 'fct_community_revenue'}}}) }}

select opportunities.opportunity_id
from {{ ref('fct_opportunities') }} as opportunities
left join {{ ref('fct_community_revenue') }} as community_revenue
    on opportunities.opportunity_id = community_revenue.opportunity_id
where
    opportunities.account_id is not null
    and opportunities.created_at is not null
    and community_revenue.opportunity_id is null
