with

source as (

    select * from {{ source_or_empty('attribution', 'experiment_comparison') }}

),

renamed as (

    select
        ---------- ids
        cast(experiment_id as varchar) as experiment_id,
        cast(program as varchar) as program,
        cast(model as varchar) as attribution_model,

        ---------- properties
        cast(channels as varchar) as program_channels,
        cast(outcome_type as varchar) as outcome_type,

        ---------- measured lift
        cast(n_treatment as bigint) as treatment_units,
        cast(n_control as bigint) as control_units,
        cast(treatment_rate as double) as treatment_rate,
        cast(control_rate as double) as control_rate,
        cast(lift as double) as lift,
        cast(lift_lower as double) as lift_lower,
        cast(lift_upper as double) as lift_upper,
        cast(measured_incremental as double) as measured_incremental,
        cast(measured_incremental_lower as double) as measured_incremental_lower,
        cast(measured_incremental_upper as double) as measured_incremental_upper,

        ---------- model credit
        cast(credited_treatment as double) as credited_treatment,
        cast(credited_control as double) as credited_control,
        cast(credited_difference as double) as credited_difference,
        cast(credited_difference_lower as double) as credited_difference_lower,
        cast(credited_difference_upper as double) as credited_difference_upper

    from source

)

select * from renamed
