-- The touches attribution credits: every activity marked as a touch, on the journey of the
-- account that made it, plus each Olist lead's first contact as a one-touch journey.
-- `consented` is the person's consent (identity.person_consent). A touch without a known
-- consent record is not consented: people without a receipt, and Olist leads, whose
-- export has no consent field.
with

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

olist_leads as (

    select * from {{ ref('stg_olist__leads') }}

),

person_consent as (

    select * from {{ ref('stg_identity__person_consent') }}

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
        coalesce(person_consent.consented, false) as consented
    from activities
    left join person_consent
        on activities.person_id = person_consent.person_id
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
        false as consented
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
