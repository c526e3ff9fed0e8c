-- Feedback submissions with their subject resolved: the person behind a score feedback's
-- email (through identity resolution) and the opportunity behind a deal feedback's deal id.
-- Like every mart it names people by pseudonymous id only: the subject's email is dropped once
-- resolved, and the submitter is kept as an MD5 of their normalized email.
with

feedback as (

    select * from {{ ref('stg_feedback__submissions') }}

),

records as (

    select
        record_id,
        lower(trim(email)) as email
    from {{ ref('int_identity__person_records_unioned') }}
    where email is not null

),

clusters as (

    select * from {{ ref('stg_identity__person_clusters') }}

),

opportunities as (

    select * from {{ ref('fct_community_revenue') }}

),

email_persons as (

    select
        records.email,
        min(clusters.person_id) as person_id,
        count(distinct clusters.person_id) as person_count
    from records
    inner join clusters
        on records.record_id = clusters.record_id
    group by records.email

),

resolved as (

    select
        feedback.*,
        email_persons.person_count,
        opportunities.opportunity_id,
        -- An email shared by several resolved persons (a team mailbox) resolves to no person.
        case when email_persons.person_count = 1 then email_persons.person_id end as person_id,
        feedback.feedback_type in ('score_wrong', 'score_right') as is_score_feedback
    from feedback
    left join email_persons
        on feedback.person_email = email_persons.email
    left join opportunities
        on feedback.deal_id = opportunities.opportunity_id

),

final as (

    select
        cast(feedback_id as varchar) as feedback_id,
        cast(feedback_type as varchar) as feedback_type,
        cast(submitted_at as timestamptz) as submitted_at,
        cast(md5(lower(trim(submitted_by))) as varchar) as submitter_id,
        cast(person_id as varchar) as person_id,
        cast(deal_id as varchar) as deal_id,
        cast(opportunity_id as varchar) as opportunity_id,
        cast(account_domain as varchar) as account_domain,
        cast(comment as varchar) as comment,
        cast(
            case
                when is_score_feedback and person_count = 1 then 'resolved'
                when is_score_feedback and person_count > 1 then 'ambiguous_email'
                when is_score_feedback then 'unknown_email'
                when opportunity_id is not null then 'resolved'
                else 'unknown_deal'
            end as varchar
        ) as resolution,
        cast(source_file as varchar) as source_file,
        cast(source_row_number as bigint) as source_row_number
    from resolved

)

select * from final
