"""Attribution at two levels: the account (buying group) and the person.

Account level is `attribute` as it is: a journey is an account and every touch of its people
counts toward the account's conversions.

Person level: a journey is a person. Each touch moves to the journey of the person who made
it (touches without a person keep their journey). Each conversion is split equally over the
people associated with it (`conversion_people`, say the contacts of the deal), as one
conversion per person with that fraction of the revenue. Those person conversions are
credited by `attribute` with the same rules (lookback window, no credit after the
conversion, deterministic ties, revenue net of refunds). Non-converting paths are the
people without a conversion of the type. Rows are then mapped back to the original
conversion with `share` multiplied by the person's fraction, so for each model and
conversion the shares still sum to 1 and the revenue credits to the conversion's revenue.
A conversion without associated people keeps its own journey; when no touch is on that
journey it is credited to `(none)`.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.attribution.attribute import CREDIT_COLUMNS, attribute
from ml.attribution.config import ALL_MODELS, AttributionConfig
from ml.attribution.journeys import AttributionInputError
from ml.attribution.sensitivity import CONSENT_COLUMNS, consent_shift, timing_consent_shift
from ml.attribution.timing import TimingConfig

logger = logging.getLogger(__name__)

ACCOUNT_LEVEL = "account"
PERSON_LEVEL = "person"
LEVELS = (ACCOUNT_LEVEL, PERSON_LEVEL)
LEVEL_CREDIT_COLUMNS = ["level", *CREDIT_COLUMNS]
CONVERSION_PEOPLE_COLUMNS = ("conversion_id", "person_id")


@dataclass(frozen=True)
class PersonJourneys:
    """Touches and conversions re-keyed to person journeys.

    Attributes:
        touches: The touches with `journey_id` set to `person_id` where it is known.
        conversions: One row per conversion and associated person, with a conversion id of
            its own and the person's fraction of the revenue.
        origin: `person_conversion_id`, `conversion_id` and `fraction` (1 / people of the
            conversion), to map credit back.
    """

    touches: pd.DataFrame
    conversions: pd.DataFrame
    origin: pd.DataFrame


def _check_people(people: pd.DataFrame, conversions: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in CONVERSION_PEOPLE_COLUMNS if column not in people.columns]
    if missing:
        raise AttributionInputError(
            f"conversion_people: column(s) {missing} missing; found {list(people.columns)}, "
            f"expected {list(CONVERSION_PEOPLE_COLUMNS)}"
        )
    frame = people.loc[:, list(CONVERSION_PEOPLE_COLUMNS)].reset_index(drop=True)
    for field in CONVERSION_PEOPLE_COLUMNS:
        blank = frame[field].isna() | (frame[field].astype(str).str.strip() == "")
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise AttributionInputError(
                f"conversion_people, row {row}, field {field!r}: value {frame[field].iloc[row]!r}"
                " is invalid; expected a non-blank string"
            )
    frame = frame.astype(str)
    unknown = ~frame["conversion_id"].isin(set(conversions["conversion_id"].astype(str)))
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise AttributionInputError(
            f"conversion_people, row {row}, field 'conversion_id': value "
            f"{frame['conversion_id'].iloc[row]!r} is not a conversion id of the conversions "
            "table"
        )
    return frame.drop_duplicates().reset_index(drop=True)


def person_journeys(
    touches: pd.DataFrame, conversions: pd.DataFrame, conversion_people: pd.DataFrame
) -> PersonJourneys:
    """Re-key touches and conversions to person journeys.

    Args:
        touches: Touch table as for `attribute` (extra columns such as `consented` are kept).
        conversions: Conversion table as for `attribute`.
        conversion_people: conversion_id and person_id, one row per person associated with
            a conversion; repeated rows count once.

    Returns:
        The person-level inputs of `attribute` and the map back to the conversions.

    Raises:
        AttributionInputError: A column of `conversion_people` is missing, an id is blank or a
            conversion id is not in `conversions`.
    """
    people = _check_people(conversion_people, conversions)
    person_touches = touches.copy()
    known = person_touches["person_id"].notna() & (
        person_touches["person_id"].astype(str).str.strip() != ""
    )
    person_touches["journey_id"] = person_touches["journey_id"].where(
        ~known, person_touches["person_id"]
    )

    frame = conversions.copy()
    frame["conversion_id"] = frame["conversion_id"].astype(str)
    people["fraction"] = 1.0 / people.groupby("conversion_id")["person_id"].transform("size")
    with_people = frame.merge(people, on="conversion_id", how="inner")
    with_people["person_conversion_id"] = (
        with_people["conversion_id"] + " @ " + with_people["person_id"]
    )
    with_people["journey_id"] = with_people["person_id"]
    with_people["revenue"] = with_people["revenue"].astype(float) * with_people["fraction"]
    alone = frame[~frame["conversion_id"].isin(people["conversion_id"])].copy()
    alone["person_conversion_id"] = alone["conversion_id"]
    alone["fraction"] = 1.0
    combined = pd.concat([with_people, alone], ignore_index=True)
    logger.info(
        "Person level: %d conversions over %d people, %d conversions without people",
        people["conversion_id"].nunique(),
        people["person_id"].nunique(),
        len(alone),
    )
    origin = combined[["person_conversion_id", "conversion_id", "fraction"]]
    person_conversions = combined.drop(columns=["conversion_id", "person_id", "fraction"])
    person_conversions = person_conversions.rename(
        columns={"person_conversion_id": "conversion_id"}
    )
    return PersonJourneys(
        touches=person_touches, conversions=person_conversions, origin=origin.copy()
    )


def restore_conversions(credits: pd.DataFrame, journeys: PersonJourneys) -> pd.DataFrame:
    """Map person-level credit rows back to the original conversions.

    Shares are multiplied by the person's fraction of the conversion; revenue credits are
    already in that proportion.
    """
    origin = journeys.origin.set_index("person_conversion_id")
    restored = credits.copy()
    keys = restored["conversion_id"].astype(str)
    restored["share"] = restored["share"] * origin["fraction"].reindex(keys).to_numpy()
    restored["conversion_id"] = origin["conversion_id"].reindex(keys).to_numpy()
    return restored[CREDIT_COLUMNS]


def attribute_levels(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    conversion_people: pd.DataFrame,
    config: AttributionConfig,
) -> pd.DataFrame:
    """Credit every conversion at account and at person level.

    Args:
        touches: Touch table as for `attribute`, journeys being accounts.
        conversions: Conversion table as for `attribute`, journeys being accounts.
        conversion_people: conversion_id and person_id of the people behind each conversion.
        config: Models and settings, the same at both levels.

    Returns:
        The `attribute` rows of both levels with a leading `level` column (`account` or
        `person`). Within each level, model and conversion the shares sum to 1 and the
        revenue credits to the conversion's revenue.
    """
    account = attribute(touches, conversions, config)
    journeys = person_journeys(touches, conversions, conversion_people)
    person_credits = attribute(journeys.touches, journeys.conversions, config)
    person = restore_conversions(person_credits, journeys)
    account.insert(0, "level", ACCOUNT_LEVEL)
    person.insert(0, "level", PERSON_LEVEL)
    credits = pd.concat([account, person], ignore_index=True)
    return credits[LEVEL_CREDIT_COLUMNS]


def consent_shift_levels(
    touches: pd.DataFrame,
    conversions: pd.DataFrame,
    conversion_people: pd.DataFrame,
    config: AttributionConfig,
    models: Sequence[str] = ALL_MODELS,
    timing: TimingConfig | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Report the credit moved by dropping non-consented touches, at both levels.

    Args:
        touches: Touch table as for `attribute` with a boolean `consented` column.
        conversions: Conversion table as for `attribute`.
        conversion_people: conversion_id and person_id, as for `attribute_levels`.
        config: Attribution settings.
        models: Models to compare.
        timing: Settings of the timing model, to add its `timing_consent_shift` rows at
            account level (the only level it has). None leaves it out.
        as_of: When the data were extracted, passed to the timing model.

    Returns:
        `consent_shift` rows of both levels with a leading `level` column.
    """
    account = consent_shift(touches, conversions, config, models)
    journeys = person_journeys(touches, conversions, conversion_people)
    # NOTE: person-level `share_all` and `share_consented` count each person's part of a
    # conversion as one conversion; the revenue columns are exact.
    person = consent_shift(journeys.touches, journeys.conversions, config, models)
    account.insert(0, "level", ACCOUNT_LEVEL)
    person.insert(0, "level", PERSON_LEVEL)
    frames = [account, person]
    timed = (
        pd.DataFrame()
        if timing is None
        else timing_consent_shift(touches, conversions, timing, as_of)
    )
    if not timed.empty:
        timed.insert(0, "level", ACCOUNT_LEVEL)
        frames.append(timed)
    return pd.concat(frames, ignore_index=True)[["level", *CONSENT_COLUMNS]]
