-- Attaches the resolved person and account to every activity. Badge scans and call notes
-- get the person identity.offline_links linked them to. Activities of records that
-- identity resolution has not seen (anonymous web visitors, unlinked offline records) keep
-- null ids.
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

offline_links as (

    select * from {{ ref('stg_identity__offline_links') }}

),

final as (

    select
        activities.activity_id,
        activities.source,
        activities.record_id,
        coalesce(clusters.person_id, offline_links.person_id) as person_id,
        person_accounts.account_id,
        coalesce(clusters.match_probability, offline_links.match_probability)
            as match_probability,
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
    left join offline_links
        on activities.record_id = offline_links.record_id
    left join person_accounts
        on coalesce(clusters.person_id, offline_links.person_id) = person_accounts.person_id

)

select * from final
