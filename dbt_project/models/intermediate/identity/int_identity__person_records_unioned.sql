-- One row per source identity: the input of identity resolution. Names are split here
-- only where a source gives a single full-name field.
with

slack_users as (

    select * from {{ ref('stg_slack__users') }}

),

discourse_users as (

    select * from {{ ref('stg_discourse__users') }}

),

discord_messages as (

    select * from {{ ref('stg_discord__messages') }}

),

github_events as (

    select * from {{ ref('stg_github__events') }}

),

stackexchange_users as (

    select * from {{ ref('stg_stackexchange__users') }}

),

attendance as (

    select * from {{ ref('stg_events__attendance') }}

),

web_sessions as (

    select * from {{ ref('stg_web__sessions') }}

),

signups as (

    select * from {{ ref('stg_product__signups') }}

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

salesforce_contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

salesforce_leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

salesforce_accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

slack_records as (

    select
        'slack' as source,
        user_id as source_record_id,
        email,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        full_name,
        handle,
        cast(null as varchar) as company_name,
        cast(null as varchar) as crm_contact_id,
        cast(null as timestamptz) as first_seen_at
    from slack_users
    where not is_bot

),

discourse_records as (

    select
        'discourse' as source,
        user_id as source_record_id,
        email,
        null as first_name,
        null as last_name,
        full_name,
        handle,
        null as company_name,
        null as crm_contact_id,
        created_at as first_seen_at
    from discourse_users

),

discord_authors as (

    -- The export has no member list: each message author is a record, with the profile of
    -- their latest message.
    select
        author_id,
        arg_max(author_handle, sent_at) as author_handle,
        arg_max(author_nickname, sent_at) as author_nickname,
        min(sent_at) as first_seen_at
    from discord_messages
    where not is_bot
    group by author_id

),

discord_records as (

    -- A nickname equal to the user name adds no name.
    select
        'discord' as source,
        author_id as source_record_id,
        null as email,
        null as first_name,
        null as last_name,
        case
            when coalesce(lower(author_nickname) != lower(author_handle), true)
                then author_nickname
        end as full_name,
        author_handle as handle,
        null as company_name,
        null as crm_contact_id,
        first_seen_at
    from discord_authors

),

stackexchange_records as (

    -- Dumps carry no email. A display name with a space is read as a full name. Every
    -- display name is also the handle, except `user<digits>`, the name Stack Exchange gives
    -- users who set none.
    select
        'stackexchange' as source,
        user_id as source_record_id,
        null as email,
        null as first_name,
        null as last_name,
        case when contains(display_name, ' ') then display_name end as full_name,
        case
            when not regexp_full_match(display_name, 'user[0-9]+') then display_name
        end as handle,
        null as company_name,
        null as crm_contact_id,
        created_at as first_seen_at
    from stackexchange_users
    where not is_system_user

),

github_records as (

    select
        'github' as source,
        sender_id as source_record_id,
        null as email,
        null as first_name,
        null as last_name,
        null as full_name,
        max(sender_login) as handle,
        null as company_name,
        null as crm_contact_id,
        min(occurred_at) as first_seen_at
    from github_events
    where sender_id is not null
    group by sender_id

),

event_records as (

    select
        'events' as source,
        registration_id as source_record_id,
        email,
        null as first_name,
        null as last_name,
        full_name,
        null as handle,
        company_name,
        null as crm_contact_id,
        registered_at as first_seen_at
    from attendance

),

web_records as (

    -- Anonymous sessions carry no identity; a visitor becomes a record once identified.
    select
        'web' as source,
        anonymous_id as source_record_id,
        max(email) as email,
        null as first_name,
        null as last_name,
        null as full_name,
        null as handle,
        null as company_name,
        null as crm_contact_id,
        min(started_at) as first_seen_at
    from web_sessions
    where anonymous_id is not null
    group by anonymous_id
    having max(email) is not null

),

signup_records as (

    select
        'product' as source,
        signup_id as source_record_id,
        email,
        null as first_name,
        null as last_name,
        full_name,
        null as handle,
        company_name,
        null as crm_contact_id,
        signed_up_at as first_seen_at
    from signups

),

contact_records as (

    select
        'hubspot' as source,
        contact_id as source_record_id,
        email,
        first_name,
        last_name,
        null as full_name,
        null as handle,
        company_name,
        contact_id as crm_contact_id,
        created_at as first_seen_at
    from contacts

),

salesforce_contact_records as (

    -- A contact names its company through its account.
    select
        'salesforce' as source,
        salesforce_contacts.contact_id as source_record_id,
        salesforce_contacts.email,
        salesforce_contacts.first_name,
        salesforce_contacts.last_name,
        null as full_name,
        null as handle,
        salesforce_accounts.company_name,
        salesforce_contacts.contact_id as crm_contact_id,
        salesforce_contacts.created_at as first_seen_at
    from salesforce_contacts
    left join salesforce_accounts
        on salesforce_contacts.company_id = salesforce_accounts.company_id

),

salesforce_lead_records as (

    -- A converted lead carries its contact's id, so the same_crm_contact_id rule links the
    -- two records. Salesforce ids are unique across objects, so their record ids differ.
    select
        'salesforce' as source,
        lead_id as source_record_id,
        email,
        first_name,
        last_name,
        null as full_name,
        null as handle,
        company_name,
        converted_contact_id as crm_contact_id,
        created_at as first_seen_at
    from salesforce_leads

),

customer_records as (

    select
        'stripe' as source,
        customer_id as source_record_id,
        email,
        null as first_name,
        null as last_name,
        null as full_name,
        null as handle,
        customer_name as company_name,
        null as crm_contact_id,
        created_at as first_seen_at
    from customers

),

unioned as (

    select * from slack_records
    union all
    select * from discourse_records
    union all
    select * from discord_records
    union all
    select * from github_records
    union all
    select * from stackexchange_records
    union all
    select * from event_records
    union all
    select * from web_records
    union all
    select * from signup_records
    union all
    select * from contact_records
    union all
    select * from salesforce_contact_records
    union all
    select * from salesforce_lead_records
    union all
    select * from customer_records

),

final as (

    select
        source || ':' || source_record_id as record_id,
        source,
        source_record_id,
        email,
        coalesce(first_name, nullif(split_part(full_name, ' ', 1), '')) as first_name,
        coalesce(
            last_name,
            nullif(trim(substr(full_name, length(split_part(full_name, ' ', 1)) + 1)), '')
        ) as last_name,
        coalesce(full_name, nullif(trim(concat_ws(' ', first_name, last_name)), '')) as full_name,
        handle,
        company_name,
        nullif(split_part(email, '@', 2), '') as company_domain,
        crm_contact_id,
        first_seen_at
    from unioned
    -- Staging drops most rows of erased people; this also drops the records whose
    -- staging row stays, such as a Stripe customer kept for its revenue.
    where not {{ is_erased(record_id="source || ':' || source_record_id") }}

)

select * from final
