with

clusters as (

    select * from {{ ref('stg_identity__person_clusters') }}

),

person_accounts as (

    select * from {{ ref('stg_identity__person_accounts') }}

),

records as (

    select * from {{ ref('int_identity__person_records_unioned') }}

),

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

person_consent as (

    select * from {{ ref('stg_identity__person_consent') }}

),

record_summary as (

    select
        clusters.person_id,
        count(*) as record_count,
        count(distinct records.source) as source_count,
        string_agg(distinct records.source, ',' order by records.source) as sources,
        min(clusters.match_probability) as min_match_probability,
        min(records.first_seen_at) as first_seen_at
    from clusters
    inner join records
        on clusters.record_id = records.record_id
    group by clusters.person_id

),

activity_summary as (

    select
        person_id,
        count(*) as activity_count,
        min(occurred_at) as first_activity_at,
        max(occurred_at) as last_activity_at
    from activities
    where person_id is not null
    group by person_id

),

final as (

    select
        cast(record_summary.person_id as varchar) as person_id,
        cast(person_accounts.account_id as varchar) as account_id,
        cast(record_summary.record_count as bigint) as record_count,
        cast(record_summary.source_count as bigint) as source_count,
        cast(record_summary.sources as varchar) as sources,
        cast(record_summary.min_match_probability as double) as min_match_probability,
        cast(coalesce(activity_summary.activity_count, 0) as bigint) as activity_count,
        cast(
            least(record_summary.first_seen_at, activity_summary.first_activity_at) as timestamptz
        ) as first_seen_at,
        cast(activity_summary.last_activity_at as timestamptz) as last_activity_at,
        cast(coalesce(person_consent.consent_status, 'no_record') as varchar) as consent_status,
        cast(coalesce(person_consent.consented, false) as boolean) as consented,
        cast(person_consent.region as varchar) as region
    from record_summary
    left join person_accounts
        on record_summary.person_id = person_accounts.person_id
    left join activity_summary
        on record_summary.person_id = activity_summary.person_id
    left join person_consent
        on record_summary.person_id = person_consent.person_id

)

select * from final
