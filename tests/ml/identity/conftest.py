import pandas as pd
import pytest

from ml.identity import IdentityConfig

# Jane Doe appears in four sources (one CRM contact, a Stripe customer with a plus-tagged
# copy of her work email, a forum account on Gmail, and a GitHub handle equal to her email
# local part). Bob Smith and Carol Jones each have two records whose evidence is weak.
COMMUNITY_RECORDS = [
    {
        "record_id": "hubspot:1",
        "source": "hubspot",
        "email": "jane.doe@acme.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "company_name": "Acme Inc",
        "crm_contact_id": "1",
    },
    {
        "record_id": "stripe:cus_1",
        "source": "stripe",
        "email": "Jane.Doe+billing@acme.com",
        "full_name": "Jane Doe",
    },
    {
        "record_id": "discourse:7",
        "source": "discourse",
        "email": "jdoe@gmail.com",
        "full_name": "Jane Doe",
        "handle": "janedoe",
    },
    {"record_id": "github:janedoe", "source": "github", "handle": "janedoe"},
    {
        "record_id": "events:r1",
        "source": "events",
        "email": "bob@initech.com",
        "full_name": "Bob Smith",
        "company_name": "Initech",
    },
    {
        "record_id": "product:s1",
        "source": "product",
        "email": "bob.smith@gmail.com",
        "full_name": "Bob Smith",
    },
    {
        "record_id": "slack:U9",
        "source": "slack",
        "email": "carol@hooli.com",
        "full_name": "Carol Jones",
    },
    {
        "record_id": "discord:9",
        "source": "discord",
        "handle": "caroljones",
        "full_name": "Carol Jones",
    },
]


@pytest.fixture
def community_records() -> pd.DataFrame:
    return pd.DataFrame(COMMUNITY_RECORDS)


@pytest.fixture
def config() -> IdentityConfig:
    # Eight records keep the hand-set priors, under which the weaker pairs score about
    # 0.95, so the threshold of 0.9 lets them join, as the tests below expect. Bob Smith's
    # Gmail record would join his work record as the only namesake with a company
    # (`unique_personal_name`). The tests keep it apart as the weak pair they check.
    return IdentityConfig(match_threshold=0.9, review_band=(0.05, 0.9), link_personal_names=False)


def person_of(clusters: pd.DataFrame) -> dict[str, str]:
    return dict(zip(clusters["record_id"], clusters["person_id"], strict=True))
