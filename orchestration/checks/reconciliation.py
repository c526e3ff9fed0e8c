"""Cross-table checks: revenue credited by attribution equals revenue converted."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from orchestration.resources import WarehouseResource

# Credits are floats summed over many touches; a cent per conversion is far above the
# rounding such sums accumulate.
TOLERANCE_PER_CONVERSION = 0.01


@asset_check(
    asset=["marts", "fct_attribution_credit"],
    description=(
        "For every level and journey model, credited revenue per conversion (channels, "
        "`(none)` and `(baseline)` together) equals its revenue. The timing model is left "
        "out: it credits won new-business deals only, and its channel shares of a deal can "
        "add up to more than 1."
    ),
    blocking=True,
)
def credits_sum_to_revenue(warehouse: WarehouseResource) -> AssetCheckResult:
    """Compare each level's and model's credited revenue with the revenue of each conversion."""
    with warehouse.get_connection(read_only=True) as con:
        mismatches = con.execute(
            """
            with credited as (
                select attribution_level, attribution_model, conversion_id,
                    sum(revenue_credit) as credited
                from marts.fct_attribution_credit
                group by attribution_level, attribution_model, conversion_id
            ),
            models as (
                select distinct attribution_level, attribution_model from credited
                where attribution_model != 'timing'
            )
            select models.attribution_level, models.attribution_model,
                conversions.conversion_id,
                cast(conversions.revenue as double) as revenue,
                coalesce(credited.credited, 0) as credited
            from marts.fct_conversions as conversions
            cross join models
            left join credited
                on credited.conversion_id = conversions.conversion_id
                and credited.attribution_level = models.attribution_level
                and credited.attribution_model = models.attribution_model
            where abs(cast(conversions.revenue as double) - coalesce(credited.credited, 0)) > ?
            """,
            [TOLERANCE_PER_CONVERSION],
        ).df()
    first = mismatches.head(5).to_string(index=False) if len(mismatches) else "none"
    return AssetCheckResult(
        passed=mismatches.empty,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "mismatched_conversions": len(mismatches),
            "first_mismatches": first,
        },
    )
