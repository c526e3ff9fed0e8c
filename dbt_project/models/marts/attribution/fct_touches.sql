-- The touches attribution credits: every activity marked as a touch, on the journey of the
-- account that made it, plus each Olist lead's first contact as a one-touch journey.
with

activities as (

    select * from {{ ref('int_identity__activities_resolved') }}

),

olist_leads as (

    select * from {{ ref('stg_olist__leads') }}

),

account_touches as (

    select
        activity_id as touch_id,
        account_id as journey_id,
        person_id,
        channel,
        program,
        occurred_at as touched_at,
        is_qualified_influence
    from activities
    where is_touch and account_id is not null and occurred_at is not null

),

olist_touches as (

    select
        'olist:' || lead_id as touch_id,
        'olist:' || lead_id as journey_id,
        null as person_id,
        origin as channel,
        landing_page_id as program,
        first_contact_at as touched_at,
        false as is_qualified_influence
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
        cast(is_qualified_influence as boolean) as is_qualified_influence
    from unioned

)

select * from final
