-- Each experiment's measured incremental conversions beside the conversions each attribution
-- model credits the program's channels, and whether the model's figure falls inside the
-- experiment's interval.
with

comparison as (

    select * from {{ ref('stg_attribution__experiment_comparison') }}

),

final as (

    select
        cast(experiment_id as varchar) as experiment_id,
        cast(program as varchar) as program,
        cast(program_channels as varchar) as program_channels,
        cast(outcome_type as varchar) as outcome_type,
        cast(attribution_model as varchar) as attribution_model,
        cast(treatment_units as bigint) as treatment_units,
        cast(control_units as bigint) as control_units,
        cast(treatment_rate as double) as treatment_rate,
        cast(control_rate as double) as control_rate,
        cast(lift as double) as lift,
        cast(lift_lower as double) as lift_lower,
        cast(lift_upper as double) as lift_upper,
        cast(measured_incremental as double) as measured_incremental,
        cast(measured_incremental_lower as double) as measured_incremental_lower,
        cast(measured_incremental_upper as double) as measured_incremental_upper,
        cast(credited_treatment as double) as credited_treatment,
        cast(credited_control as double) as credited_control,
        cast(credited_difference as double) as credited_difference,
        cast(credited_difference_lower as double) as credited_difference_lower,
        cast(credited_difference_upper as double) as credited_difference_upper,
        cast(
            credited_difference between measured_incremental_lower
            and measured_incremental_upper as boolean
        ) as is_credit_within_interval
    from comparison

)

select * from final
