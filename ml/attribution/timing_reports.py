"""Run the timing model inside the identity-threshold and consent reports.

The timing model (`ml.attribution.timing`) credits channels for won new-business deals at
account level; the reports use its channel rows. It needs `opportunity_created` conversions
that share an `opportunity_id` with `closed_won` ones. When it cannot run, the reports keep
the other models' rows, and a single warning per report gives the reason the timing rows are
absent.
"""

import logging
from collections.abc import Mapping

import pandas as pd

from ml.attribution.journeys import AttributionInputError
from ml.attribution.timing import TimingConfig, timing_credit_table

logger = logging.getLogger(__name__)

TIMING_MODEL = "timing"
# The reports have no interval columns, and every coefficient draw reruns the credit step:
# the default 200 draws would repeat it 200 times for each clustering and consent variant.
# The point estimates do not depend on the draws.
# NOTE: the reports' timing rows carry no interval, so a shift smaller than the channel's
# interval in `attribution.timing_credit` may be noise.
REPORT_TIMING_CONFIG = TimingConfig(interval_draws=0)


def run_timing_credit(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    config: TimingConfig,
    as_of: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, str | None]:
    """Run `timing_credit_table`, returning why it could not run instead of raising.

    Args:
        touches: Touches as for `timing_credit_table`, journeys being accounts.
        conversions: Conversions as for `timing_credit_table`.
        config: Timing model settings.
        as_of: When the data were extracted, as for `timing_credit_table`.

    Returns:
        The credit table and None, or an empty frame and the reason the model could not
        run: a conversion type is missing, the table is empty, or `timing_credit_table`
        raised `AttributionInputError` or `ValueError` (the message is included).
    """
    if "conversion_type" in conversions.columns:
        types = set(conversions["conversion_type"].dropna().astype(str))
        for needed in ("opportunity_created", "closed_won"):
            if needed not in types:
                return pd.DataFrame(), f"no {needed} conversion (types found: {sorted(types)})"
    try:
        credit = timing_credit_table(touches, conversions, config, as_of=as_of)
    except (AttributionInputError, ValueError) as error:
        return pd.DataFrame(), f"timing_credit_table raised {type(error).__name__}: {error}"
    if credit.empty:
        return credit, (
            "no credited deal: no touch in the window, or no closed_won conversion shares an "
            "opportunity_id with an opportunity_created one opened before the first win"
        )
    return credit, None


def warn_timing_absent(report: str, reasons: Mapping[str, str]) -> None:
    """Log one warning naming every case of `report` without timing rows, and why.

    Args:
        report: Name of the report, for the message.
        reasons: Case (a threshold, say) to the reason the timing model could not run.
    """
    if not reasons:
        return
    cases_by_reason: dict[str, list[str]] = {}
    for case, reason in reasons.items():
        cases_by_reason.setdefault(reason, []).append(case)
    details = "; ".join(
        f"{', '.join(cases)}: {reason}" for reason, cases in cases_by_reason.items()
    )
    logger.warning(
        "%s: timing model rows are absent for %d case(s), and the other models' rows are "
        "written. %s",
        report, len(reasons), details,
    )  # fmt: skip
