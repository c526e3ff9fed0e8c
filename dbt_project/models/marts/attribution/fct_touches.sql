-- The touches attribution credits: every activity marked as a touch, on the journey of the
-- account that made it, plus each Olist lead's first contact as a one-touch journey.
with

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

olist_leads as (

    select * from {{ ref('stg_olist__leads') }}

),

clusters as (

    select * from {{ ref('stg_identity__person_clusters') }}

),

records as (

    select * from {{ ref('int_identity__person_records_unioned') }}

),

-- NOTE: stand-in for a consent field. No landing source carries tracking consent yet; a web
-- session carries the visitor's email only after they accepted tracking, so a person with a
-- `web` identity record counts as consented and everyone else as not. Erasure requests are
-- not applied here. Attribution reads only the boolean `consented` below, so a real consent
-- source can replace this CTE without touching the attribution code.
consented_people as (

    select distinct clusters.person_id
    from clusters
    inner join records
        on clusters.record_id = records.record_id
    where records.source = 'web'

),

account_touches as (

    select
        activities.activity_id as touch_id,
        activities.account_id as journey_id,
        activities.person_id,
        activities.channel,
        activities.program,
        activities.occurred_at as touched_at,
        activities.is_qualified_influence,
        consented_people.person_id is not null as consented
    from activities
    left join consented_people
        on activities.person_id = consented_people.person_id
    where
        activities.is_touch
        and activities.account_id is not null
        and activities.occurred_at is not null

),

olist_touches as (

    select
        'olist:' || lead_id as touch_id,
        'olist:' || lead_id as journey_id,
        null as person_id,
        origin as channel,
        landing_page_id as program,
        first_contact_at as touched_at,
        false as is_qualified_influence,
        -- A lead filled in Olist's contact form; the data set records no tracking consent,
        -- so its one touch counts as consented and the consent report leaves it alone.
        true as consented
    from olist_leads

),

unioned as (

    select * from account_touches
    union all
    select * from olist_touches

),

final as (

    select
        cast(touch_id as varchar) as touch_id,
        cast(journey_id as varchar) as journey_id,
        cast(person_id as varchar) as person_id,
        cast(channel as varchar) as channel,
        cast(program as varchar) as program,
        cast(touched_at as timestamptz) as touched_at,
        cast(is_qualified_influence as boolean) as is_qualified_influence,
        cast(consented as boolean) as consented
    from unioned

)

select * from final
