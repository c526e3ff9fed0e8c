with

segments as (

    select * from {{ ref('stg_scoring__member_segments') }}

),

actions as (

    select * from {{ ref('stg_scoring__next_best_actions') }}

),

members as (

    select * from {{ ref('dim_members') }}

),

final as (

    select
        cast(segments.person_id as varchar) as person_id,
        cast(members.account_id as varchar) as account_id,
        cast(segments.segment as varchar) as segment,
        cast(segments.segment_reason as varchar) as segment_reason,
        cast(actions.next_best_action as varchar) as next_best_action,
        cast(segments.has_outreach_consent as boolean) as has_outreach_consent,
        cast(segments.consent_basis as varchar) as consent_basis,
        cast(segments.is_customer as boolean) as is_customer,
        cast(segments.has_open_opportunity as boolean) as has_open_opportunity,
        cast(segments.activities_90d as bigint) as activities_90d,
        cast(segments.contributions_90d as bigint) as contributions_90d,
        cast(segments.evaluation_signals_30d as bigint) as evaluation_signals_30d,
        cast(segments.conversion_propensity as double) as conversion_propensity,
        cast(segments.behaviour_score as double) as behaviour_score,
        cast(segments.scored_at as timestamptz) as scored_at
    from segments
    left join members
        on segments.person_id = members.person_id
    left join actions
        on segments.person_id = actions.person_id

)

select * from final
