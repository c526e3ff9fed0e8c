"""The community operator page: engagement, intent and program efficiency."""

from serving.figures import Chart, Figure, Page

ENGAGEMENT_MONTHLY = Figure(
    key="engagement_monthly",
    title="Active members, repeat members and meaningful interactions per month",
    mart="fct_kpi_engagement",
    sql="""
        select
            period_start,
            active_members,
            repeat_members,
            repeat_member_rate,
            meaningful_interactions,
            members_with_meaningful_interaction,
            web_sessions,
            content_depth,
            event_participants
        from marts.fct_kpi_engagement
        where dimension = 'all'
        order by period_start
    """,
    note=(
        "Members are resolved people with any activity in the month. Meaningful interactions "
        "are the community activities the event taxonomy marks as qualified influence "
        "(replies, topics, pull requests, attended events)."
    ),
    chart=Chart(
        kind="line",
        x="period_start",
        values=("active_members", "repeat_members", "members_with_meaningful_interaction"),
    ),
    percent_columns=("repeat_member_rate",),
)

ENGAGEMENT_BREAKDOWN = Figure(
    key="engagement_breakdown",
    title="Engagement per month by program and by cohort",
    mart="fct_kpi_engagement",
    sql="""
        select
            period_start,
            dimension,
            dimension_value,
            active_members,
            repeat_member_rate,
            meaningful_interactions,
            event_participants
        from marts.fct_kpi_engagement
        where dimension in ('program', 'cohort')
        order by period_start desc, dimension desc, active_members desc, dimension_value
    """,
    note=(
        "The cohort is the month of a member's first activity. Program (none) contains "
        "activities without a program. Members are counted once per row, so the rows of one "
        "month do not add up to the month's total above."
    ),
    percent_columns=("repeat_member_rate",),
)

INTENT_MONTHLY = Figure(
    key="intent_monthly",
    title="Buying-intent signals per month",
    mart="fct_kpi_intent",
    sql="""
        select
            period_start,
            pricing_page_visits,
            product_discussions,
            demo_requests,
            trial_starts,
            intent_members,
            intent_accounts
        from marts.fct_kpi_intent
        where dimension = 'all'
        order by period_start
    """,
    note=(
        "Which activity counts as which signal is the event taxonomy's intent_signal column. "
        "Intent members and accounts are distinct within the month."
    ),
    chart=Chart(
        kind="line",
        x="period_start",
        values=("pricing_page_visits", "product_discussions", "trial_starts", "intent_members"),
    ),
)

INTENT_BY_PROGRAM = Figure(
    key="intent_by_program",
    title="Intent signals per month by program",
    mart="fct_kpi_intent",
    sql="""
        select
            period_start,
            dimension_value as program,
            pricing_page_visits,
            product_discussions,
            trial_starts,
            intent_members,
            intent_accounts
        from marts.fct_kpi_intent
        where dimension = 'program'
        order by period_start desc, intent_members desc, program
    """,
    note="The same signals split by the program of the activity that carried them.",
)

EFFICIENCY_BY_CHANNEL = Figure(
    key="efficiency_by_channel",
    title="Program cost and assisted revenue by channel, all months",
    mart="fct_kpi_efficiency",
    sql="""
        select
            channel,
            sum(cost_reporting) as cost_reporting,
            -- A sum of integers is HUGEINT, which pandas reads as float: cast it back.
            sum(assisted_deals_won)::bigint as assisted_deals_won,
            sum(assisted_revenue_reporting) as assisted_revenue_reporting,
            sum(assisted_revenue_reporting) / nullif(sum(cost_reporting), 0)
                as assisted_revenue_per_cost
        from marts.fct_kpi_efficiency
        group by channel
        order by assisted_revenue_reporting desc nulls last, channel
    """,
    note=(
        "Sums over all months. A deal counts in full for every channel that touched it in "
        "its influence window, so assisted revenue over channels adds up to more than the won "
        "revenue. Cost is empty where no program cost was loaded for the channel."
    ),
    chart=Chart(kind="bar", x="channel", values=("assisted_revenue_reporting",)),
)

EFFICIENCY_MONTHLY = Figure(
    key="efficiency_monthly",
    title="Cost per qualified member and assisted revenue per month and channel",
    mart="fct_kpi_efficiency",
    sql="""
        select
            period_start,
            channel,
            programs,
            cost_reporting,
            qualified_members,
            cost_per_qualified_member_reporting,
            assisted_deals_won,
            assisted_revenue_reporting,
            assisted_revenue_per_cost,
            median_days_to_conversion
        from marts.fct_kpi_efficiency
        order by period_start desc, channel
    """,
    note=(
        "A qualified member made a qualifying touch in the channel that month. Cost per "
        "qualified member is the month's program cost over those members. Monthly member "
        "counts do not add up over months, so compare it within one month only."
    ),
)

OPERATOR_PAGE = Page(
    file_name="operator.html",
    title="Community operator view",
    intro=(
        "Engagement quality and intent signals per month, cohort and program, and each "
        "channel's program cost, cost per qualified member and assisted revenue, for the "
        "people who run community programs."
    ),
    exposure="community_operator_dashboard",
    figures=(
        ENGAGEMENT_MONTHLY,
        ENGAGEMENT_BREAKDOWN,
        INTENT_MONTHLY,
        INTENT_BY_PROGRAM,
        EFFICIENCY_BY_CHANNEL,
        EFFICIENCY_MONTHLY,
    ),
)
