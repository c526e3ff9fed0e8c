with

actions as (

    select * from {{ ref('stg_scoring__next_best_actions') }}

),

members as (

    select * from {{ ref('dim_members') }}

),

final as (

    select
        cast(actions.person_id as varchar) as person_id,
        cast(members.account_id as varchar) as account_id,
        cast(actions.segment as varchar) as segment,
        cast(actions.next_best_action as varchar) as next_best_action,
        cast(actions.action_reason as varchar) as action_reason,
        cast(actions.scored_at as timestamptz) as scored_at
    from actions
    left join members
        on actions.person_id = members.person_id

)

select * from final
