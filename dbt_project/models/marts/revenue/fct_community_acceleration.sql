-- Compares days to close of closed-won deals with and without a qualified community touch
-- before the close day, within strata of deal type and size band. A seeded, stratified
-- percentile bootstrap gives a 95 % interval for the difference of medians.
{%- set replicates = var('acceleration_bootstrap_replicates') %}
{%- set seed = var('acceleration_bootstrap_seed') %}
with

revenue as (

    select * from {{ ref('fct_community_revenue') }}

),

won_deals as (

    select
        opportunity_id,
        deal_type,
        size_band,
        is_community_touched_before_close as is_touched,
        days_to_close,
        net_won_amount_reporting,
        row_number() over (
            partition by deal_type, size_band, is_community_touched_before_close
            order by opportunity_id
        ) as deal_number,
        count(*) over (
            partition by deal_type, size_band, is_community_touched_before_close
        ) as group_size
    from revenue
    where is_won and days_to_close is not null

),

observed as (

    select
        deal_type,
        size_band,
        count(*) filter (where is_touched) as touched_deals,
        count(*) filter (where not is_touched) as untouched_deals,
        median(days_to_close) filter (where is_touched) as touched_median_days,
        median(days_to_close) filter (where not is_touched) as untouched_median_days,
        coalesce(sum(net_won_amount_reporting) filter (where is_touched), 0)
            as accelerated_revenue_reporting
    from won_deals
    group by deal_type, size_band

),

groups as (

    select distinct
        deal_type,
        size_band,
        is_touched,
        group_size
    from won_deals

),

-- Each replicate redraws every group (stratum x touched) with replacement at its own size.
draws as (

    select
        replicate_number,
        deal_type,
        size_band,
        is_touched,
        1 + hash(
            {{ seed }}, replicate_number, deal_type, size_band, is_touched, draw_number
        ) % group_size as deal_number
    from (
        select
            replicates.replicate_number,
            groups.deal_type,
            groups.size_band,
            groups.is_touched,
            groups.group_size,
            unnest(range(1, groups.group_size + 1)) as draw_number
        from groups
        cross join (
            select unnest(range(1, {{ replicates }} + 1)) as replicate_number
        ) as replicates
    ) as slots

),

replicate_medians as (

    select
        draws.replicate_number,
        draws.deal_type,
        draws.size_band,
        median(won_deals.days_to_close) filter (where draws.is_touched) as touched_median_days,
        median(won_deals.days_to_close) filter (where not draws.is_touched)
            as untouched_median_days
    from draws
    inner join won_deals
        on
            draws.deal_type = won_deals.deal_type
            and draws.size_band = won_deals.size_band
            and draws.is_touched = won_deals.is_touched
            and draws.deal_number = won_deals.deal_number
    group by draws.replicate_number, draws.deal_type, draws.size_band

),

comparable as (

    select
        deal_type,
        size_band,
        touched_deals + untouched_deals as stratum_weight
    from observed
    where touched_deals > 0 and untouched_deals > 0

),

replicate_differences as (

    select
        replicate_medians.replicate_number,
        replicate_medians.deal_type,
        replicate_medians.size_band,
        comparable.stratum_weight,
        replicate_medians.untouched_median_days - replicate_medians.touched_median_days
            as median_difference_days
    from replicate_medians
    inner join comparable
        on
            replicate_medians.deal_type = comparable.deal_type
            and replicate_medians.size_band = comparable.size_band

),

stratum_intervals as (

    select
        deal_type,
        size_band,
        quantile_cont(median_difference_days, 0.025) as difference_low_days,
        quantile_cont(median_difference_days, 0.975) as difference_high_days
    from replicate_differences
    group by deal_type, size_band

),

pooled_intervals as (

    select
        quantile_cont(pooled_difference_days, 0.025) as difference_low_days,
        quantile_cont(pooled_difference_days, 0.975) as difference_high_days
    from (
        select
            replicate_number,
            sum(median_difference_days * stratum_weight) / sum(stratum_weight)
                as pooled_difference_days
        from replicate_differences
        group by replicate_number
    ) as pooled

),

strata as (

    select
        observed.deal_type,
        observed.size_band,
        observed.touched_deals,
        observed.untouched_deals,
        observed.touched_median_days,
        observed.untouched_median_days,
        case
            when observed.touched_deals > 0 and observed.untouched_deals > 0
                then observed.untouched_median_days - observed.touched_median_days
        end as median_difference_days,
        stratum_intervals.difference_low_days,
        stratum_intervals.difference_high_days,
        observed.accelerated_revenue_reporting
    from observed
    left join stratum_intervals
        on
            observed.deal_type = stratum_intervals.deal_type
            and observed.size_band = stratum_intervals.size_band

),

pooled as (

    select
        'all' as deal_type,
        'all' as size_band,
        coalesce(sum(strata.touched_deals), 0) as touched_deals,
        coalesce(sum(strata.untouched_deals), 0) as untouched_deals,
        null as touched_median_days,
        null as untouched_median_days,
        sum(strata.median_difference_days * comparable.stratum_weight)
        / nullif(sum(comparable.stratum_weight), 0) as median_difference_days,
        min(pooled_intervals.difference_low_days) as difference_low_days,
        min(pooled_intervals.difference_high_days) as difference_high_days,
        coalesce(sum(strata.accelerated_revenue_reporting), 0) as accelerated_revenue_reporting
    from strata
    left join comparable
        on
            strata.deal_type = comparable.deal_type
            and strata.size_band = comparable.size_band
    cross join pooled_intervals

),

unioned as (

    select * from strata
    union all
    select * from pooled

),

final as (

    select
        cast(deal_type as varchar) as deal_type,
        cast(size_band as varchar) as size_band,
        cast(touched_deals as bigint) as touched_deals,
        cast(untouched_deals as bigint) as untouched_deals,
        cast(touched_median_days as double) as touched_median_days,
        cast(untouched_median_days as double) as untouched_median_days,
        cast(median_difference_days as double) as median_difference_days,
        cast(difference_low_days as double) as difference_low_days,
        cast(difference_high_days as double) as difference_high_days,
        cast({{ replicates }} as integer) as bootstrap_replicates,
        cast(accelerated_revenue_reporting as decimal(18, 2)) as accelerated_revenue_reporting
    from unioned

)

select * from final
