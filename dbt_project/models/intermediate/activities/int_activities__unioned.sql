-- One row per activity in any source, keyed to the identity record that performed it and to
-- its raw event name in the event taxonomy.
with

slack_messages as (

    select * from {{ ref('stg_slack__messages') }}

),

discourse_posts as (

    select * from {{ ref('stg_discourse__posts') }}

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

stackexchange_posts as (

    select * from {{ ref('stg_stackexchange__posts') }}

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

badge_scans as (

    select * from {{ ref('stg_events__badge_scans') }}

),

call_notes as (

    select * from {{ ref('stg_crm__call_notes') }}

),

slack_activities as (

    select
        'slack:' || message_id as activity_id,
        'slack' as source,
        'slack:' || user_id as record_id,
        case
            when message_subtype = 'channel_join' then 'channel_join'
            when is_thread_reply then 'thread_reply'
            else 'message'
        end as raw_event,
        channel_name as program,
        sent_at as occurred_at,
        cast(null as varchar) as utm_medium,
        cast(null as varchar) as referrer_domain
    from slack_messages
    where message_subtype in ('message', 'channel_join', 'thread_broadcast')

),

discourse_activities as (

    select
        'discourse:' || discourse_posts.post_id as activity_id,
        'discourse' as source,
        'discourse:' || discourse_users.user_id as record_id,
        case when discourse_posts.is_topic_start then 'topic_created' else 'post_replied' end
            as raw_event,
        discourse_posts.category_id as program,
        discourse_posts.created_at as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from discourse_posts
    left join discourse_users
        on discourse_posts.handle = discourse_users.handle

),

discord_activities as (

    -- Messages of bots, and system messages other than member joins (pins, calls, renames,
    -- thread notices), are no member activity.
    select
        'discord:' || message_id as activity_id,
        'discord' as source,
        'discord:' || author_id as record_id,
        case
            when message_type = 'GuildMemberJoin' then 'member_join'
            when message_type = 'Reply' or reply_to_message_id is not null then 'reply'
            else 'message'
        end as raw_event,
        coalesce(channel_name, channel_id) as program,
        sent_at as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from discord_messages
    where
        not is_bot
        and message_type in ('Default', 'Reply', 'GuildMemberJoin')

),

stackexchange_activities as (

    -- Questions and answers only: tag wikis, nominations and privilege pages are site
    -- administration. Posts of the `Community` user are no member's activity. The program
    -- is the question's first tag, for its answers too.
    select
        'stackexchange:' || stackexchange_posts.post_id as activity_id,
        'stackexchange' as source,
        'stackexchange:' || stackexchange_posts.owner_user_id as record_id,
        stackexchange_posts.post_type as raw_event,
        nullif(
            regexp_extract(
                coalesce(stackexchange_posts.tags, questions.tags), '<([^>]+)>', 1
            ),
            ''
        ) as program,
        stackexchange_posts.created_at as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from stackexchange_posts
    left join stackexchange_posts as questions
        on stackexchange_posts.parent_post_id = questions.post_id
    left join stackexchange_users
        on stackexchange_posts.owner_user_id = stackexchange_users.user_id
    where
        stackexchange_posts.post_type in ('question', 'answer')
        and not coalesce(stackexchange_users.is_system_user, false)

),

github_activities as (

    select
        'github:' || event_id as activity_id,
        'github' as source,
        'github:' || sender_id as record_id,
        event_name as raw_event,
        repository_full_name as program,
        occurred_at,
        null as utm_medium,
        null as referrer_domain
    from github_events

),

event_activities as (

    select
        'events:' || registration_id as activity_id,
        'events' as source,
        'events:' || registration_id as record_id,
        case
            when has_attended then event_type || '_attended'
            else 'registered_not_attended'
        end as raw_event,
        coalesce(program, event_name) as program,
        coalesce(attended_at, registered_at) as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from attendance

),

web_activities as (

    select
        'web:' || session_id as activity_id,
        'web' as source,
        'web:' || anonymous_id as record_id,
        case when viewed_pricing then 'pricing_session' else 'session' end as raw_event,
        utm_campaign as program,
        started_at as occurred_at,
        utm_medium,
        referrer_domain
    from web_sessions

),

signup_activities as (

    select
        'product:' || signup_id as activity_id,
        'product' as source,
        'product:' || signup_id as record_id,
        plan as raw_event,
        utm_source as program,
        signed_up_at as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from signups

),

-- Offline records are their own identity records: int_identity__activities_resolved gives
-- them the person identity.offline_links found, if any.
badge_scan_activities as (

    select
        record_id as activity_id,
        'badge_scans' as source,
        record_id,
        'booth_visit' as raw_event,
        event_id as program,
        scanned_at as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from badge_scans

),

call_note_activities as (

    select
        record_id as activity_id,
        'call_notes' as source,
        record_id,
        'sales_call' as raw_event,
        null as program,
        logged_at as occurred_at,
        null as utm_medium,
        null as referrer_domain
    from call_notes

),

final as (

    select * from slack_activities
    union all
    select * from discourse_activities
    union all
    select * from discord_activities
    union all
    select * from github_activities
    union all
    select * from stackexchange_activities
    union all
    select * from event_activities
    union all
    select * from web_activities
    union all
    select * from signup_activities
    union all
    select * from badge_scan_activities
    union all
    select * from call_note_activities

)

select * from final
