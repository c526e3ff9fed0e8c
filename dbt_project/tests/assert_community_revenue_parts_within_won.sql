-- Sourced deals are a subset of influenced deals, and both carry at most the deal's net won
-- revenue: returns every opportunity that breaks the order sourced <= influenced <= won.
select
    opportunity_id,
    sourced_revenue_reporting,
    influenced_revenue_reporting,
    net_won_amount_reporting
from {{ ref('fct_community_revenue') }}
where
    (is_community_sourced and not is_community_influenced)
    or sourced_revenue_reporting > influenced_revenue_reporting
    or influenced_revenue_reporting > net_won_amount_reporting
