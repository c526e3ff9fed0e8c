with

timing as (

    select * from {{ ref('stg_attribution__timing_credit') }}

),

final as (

    select
        conversion_type,
        channel,
        hazard_coefficient,
        hazard_coefficient_std_error,
        hazard_coefficient - 1.96 * hazard_coefficient_std_error as hazard_coefficient_lower,
        hazard_coefficient + 1.96 * hazard_coefficient_std_error as hazard_coefficient_upper,
        weekly_decay,
        exposure_saturation,
        gross_conversions,
        credited_conversions,
        credited_conversions_lower,
        credited_conversions_upper,
        revenue_credit,
        revenue_credit_lower,
        revenue_credit_upper,
        currency,
        credit_share,
        credit_share_lower,
        credit_share_upper,
        opportunities_fitted,
        deals_credited,
        deals_with_credit
    from timing

)

select * from final
