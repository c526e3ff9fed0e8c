with

source as (

    select * from {{ source_or_empty('scoring', 'member_segments') }}

),

renamed as (

    select
        ---------- ids
        cast(person_id as varchar) as person_id,

        ---------- segment
        cast(segment as varchar) as segment,
        cast(reason as varchar) as segment_reason,

        ---------- consent and state
        cast(consent as boolean) as has_outreach_consent,
        cast(consent_basis as varchar) as consent_basis,
        cast(is_customer as boolean) as is_customer,
        cast(has_open_opportunity as boolean) as has_open_opportunity,

        ---------- features and scores
        cast(activities_90d as bigint) as activities_90d,
        cast(contributions_90d as bigint) as contributions_90d,
        cast(evaluation_signals_30d as bigint) as evaluation_signals_30d,
        cast(conversion_propensity as double) as conversion_propensity,
        cast(behaviour_score as double) as behaviour_score,

        ---------- timestamps
        cast(scored_at as timestamptz) as scored_at

    from source

)

select * from renamed
