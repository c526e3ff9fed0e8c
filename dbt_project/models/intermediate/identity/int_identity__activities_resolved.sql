-- Attaches the resolved person and account to every activity. Activities of records that
-- identity resolution has not seen (anonymous web visitors) keep null ids.
with

activities as (

    select * from {{ ref('int_activities__classified') }}

),

clusters as (

    select * from {{ ref('stg_identity__person_clusters') }}

),

person_accounts as (

    select * from {{ ref('stg_identity__person_accounts') }}

),

final as (

    select
        activities.activity_id,
        activities.source,
        activities.record_id,
        clusters.person_id,
        person_accounts.account_id,
        clusters.match_probability,
        activities.raw_event,
        activities.activity_type,
        activities.category,
        activities.channel,
        activities.program,
        activities.is_touch,
        activities.is_qualified_influence,
        activities.occurred_at
    from activities
    left join clusters
        on activities.record_id = clusters.record_id
    left join person_accounts
        on clusters.person_id = person_accounts.person_id

)

select * from final
