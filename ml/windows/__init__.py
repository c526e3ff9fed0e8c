"""Conversion windows: Kaplan-Meier time from first community touch to pipeline and revenue."""

from ml.windows.estimate import WindowConfig, estimate_conversion_windows, sales_cycle_durations
from ml.windows.kaplan_meier import (
    QuantileEstimate,
    SurvivalCurve,
    converted_share,
    converter_quantile,
    fit_kaplan_meier,
    survival_quantile,
)

__all__ = [
    "QuantileEstimate",
    "SurvivalCurve",
    "WindowConfig",
    "converted_share",
    "converter_quantile",
    "estimate_conversion_windows",
    "fit_kaplan_meier",
    "sales_cycle_durations",
    "survival_quantile",
]
