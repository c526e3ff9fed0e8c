-- Every opportunity with an account and a creation time has one community revenue row:
-- returns the opportunities that are missing.
select opportunities.opportunity_id
from {{ ref('fct_opportunities') }} as opportunities
left join {{ ref('fct_community_revenue') }} as community_revenue
    on opportunities.opportunity_id = community_revenue.opportunity_id
where
    opportunities.account_id is not null
    and opportunities.created_at is not null
    and community_revenue.opportunity_id is null
