-- The people behind each conversion, for person-level attribution: the HubSpot contacts
-- associated with the conversion's deal, resolved to persons by identity resolution. Olist
-- conversions have no contacts (their lead journey is credited as it is).
with

conversions as (

    select * from {{ ref('fct_conversions') }}

),

deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

clusters as (

    select * from {{ ref('stg_identity__person_clusters') }}

),

contact_people as (

    select distinct
        conversions.conversion_id,
        clusters.person_id
    from conversions
    inner join deal_contacts
        on conversions.opportunity_id = cast(deal_contacts.deal_id as varchar)
    inner join clusters
        on clusters.record_id = 'hubspot:' || cast(deal_contacts.contact_id as varchar)
    where not starts_with(conversions.conversion_id, 'olist:')

),

final as (

    select
        cast(conversion_id as varchar) as conversion_id,
        cast(person_id as varchar) as person_id
    from contact_people

)

select * from final
