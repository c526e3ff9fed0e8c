with

timing as (

    select * from {{ ref('stg_attribution__timing_credit') }}

),

bootstrap as (

    select * from {{ ref('stg_attribution__timing_intervals') }}

),

final as (

    select
        timing.conversion_type,
        timing.channel,
        timing.hazard_coefficient,
        timing.hazard_coefficient_std_error,
        timing.hazard_coefficient
        - 1.96 * timing.hazard_coefficient_std_error as hazard_coefficient_lower,
        timing.hazard_coefficient
        + 1.96 * timing.hazard_coefficient_std_error as hazard_coefficient_upper,
        timing.weekly_decay,
        timing.exposure_saturation,
        timing.gross_conversions,
        timing.credited_conversions,
        timing.credited_conversions_lower,
        timing.credited_conversions_upper,
        timing.revenue_credit,
        timing.revenue_credit_lower,
        timing.revenue_credit_upper,
        timing.currency,
        timing.credit_share,
        timing.credit_share_lower,
        timing.credit_share_upper,
        timing.opportunities_fitted,
        timing.deals_credited,
        timing.deals_with_credit,
        bootstrap.revenue_credit_lower as revenue_credit_bootstrap_lower,
        bootstrap.revenue_credit_upper as revenue_credit_bootstrap_upper,
        bootstrap.credit_share_lower as credit_share_bootstrap_lower,
        bootstrap.credit_share_upper as credit_share_bootstrap_upper,
        bootstrap.resamples as bootstrap_resamples
    from timing
    left join bootstrap
        on
            timing.conversion_type = bootstrap.conversion_type
            and timing.channel = bootstrap.channel

)

select * from final
