-- Looks each activity up in the event taxonomy and gives web sessions their channel from
-- UTM medium first, then the referrer, in the order analytics tools apply them. A referrer
-- host takes the medium of its longest listed parent domain, so a webmail host with a
-- per-user subdomain (`abc.mail.yahoo.net`) finds `mail.yahoo.net`.
with

activities as (

    select * from {{ ref('int_activities__unioned') }}

),

taxonomy as (

    select * from {{ ref('event_taxonomy') }}

),

referrer_domains as (

    select * from {{ ref('referrer_domains') }}

),

referrer_hosts as (

    select distinct referrer_domain
    from activities
    where referrer_domain is not null

),

referrer_media as (

    -- NOTE: the medium comes from the host alone. A referrer whose path decides it (a search
    -- engine's home page or local search) takes the host's medium.
    select
        referrer_hosts.referrer_domain,
        referrer_domains.medium
    from referrer_hosts
    inner join referrer_domains
        on
            referrer_hosts.referrer_domain = referrer_domains.domain
            or ends_with(referrer_hosts.referrer_domain, '.' || referrer_domains.domain)
    qualify row_number() over (
        partition by referrer_hosts.referrer_domain
        order by length(referrer_domains.domain) desc
    ) = 1

),

classified as (

    select
        activities.activity_id,
        activities.source,
        activities.record_id,
        activities.raw_event,
        activities.program,
        activities.occurred_at,
        taxonomy.activity_type,
        taxonomy.category,
        taxonomy.is_touch,
        taxonomy.is_qualified_influence,
        case
            when taxonomy.channel is not null then taxonomy.channel
            when activities.utm_medium in ('email', 'newsletter') then 'newsletter'
            when activities.utm_medium in ('cpc', 'ppc', 'paid', 'paid_search') then 'paid_search'
            when activities.utm_medium in ('social', 'paid_social') then 'social'
            when activities.utm_medium = 'community' then 'community_referral'
            when activities.utm_medium is not null then 'referral'
            when referrer_media.medium = 'search' then 'organic_search'
            when referrer_media.medium = 'social' then 'social'
            when referrer_media.medium = 'email' then 'newsletter'
            when activities.referrer_domain is null then 'direct'
            else 'referral'
        end as channel
    from activities
    left join taxonomy
        on
            activities.source = taxonomy.source
            and activities.raw_event = taxonomy.raw_event
    left join referrer_media
        on activities.referrer_domain = referrer_media.referrer_domain

)

select * from classified
