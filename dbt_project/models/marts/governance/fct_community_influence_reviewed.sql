-- The rule-based community-influenced flag of every opportunity, overridden by the latest
-- deal feedback from sales or success where there is one.
with

opportunities as (

    select * from {{ ref('fct_community_revenue') }}

),

deal_feedback as (

    select
        opportunity_id,
        feedback_id,
        submitted_at,
        feedback_type = 'deal_community_influenced' as is_influenced,
        row_number() over (
            partition by opportunity_id
            order by submitted_at desc, feedback_id desc
        ) as recency
    from {{ ref('fct_model_feedback') }}
    where
        feedback_type in ('deal_community_influenced', 'deal_not_influenced')
        and opportunity_id is not null

),

latest_feedback as (

    select * from deal_feedback
    where recency = 1

),

final as (

    select
        cast(opportunities.opportunity_id as varchar) as opportunity_id,
        cast(opportunities.account_id as varchar) as account_id,
        cast(opportunities.is_won as boolean) as is_won,
        cast(opportunities.net_won_amount_reporting as decimal(18, 2))
            as net_won_amount_reporting,
        cast(opportunities.is_community_influenced as boolean) as rule_is_community_influenced,
        cast(latest_feedback.is_influenced as boolean) as feedback_is_community_influenced,
        cast(
            coalesce(latest_feedback.is_influenced, opportunities.is_community_influenced)
            as boolean
        ) as is_community_influenced,
        cast(
            case when latest_feedback.feedback_id is null then 'rule' else 'feedback' end
            as varchar
        ) as influence_label_source,
        cast(latest_feedback.feedback_id as varchar) as feedback_id,
        cast(latest_feedback.submitted_at as timestamptz) as feedback_submitted_at,
        cast(
            coalesce(
                latest_feedback.is_influenced <> opportunities.is_community_influenced, false
            ) as boolean
        ) as feedback_disagrees_with_rule
    from opportunities
    left join latest_feedback
        on opportunities.opportunity_id = latest_feedback.opportunity_id

)

select * from final
