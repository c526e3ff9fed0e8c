import pandas as pd

from ml.identity.offline import reconcile_offline

RECORDS = pd.DataFrame(
    [
        {"record_id": "hubspot:1", "source": "hubspot", "email": "linda@tidalwave.com",
         "full_name": "Linda Dubois", "company_name": "Tidalwave Capital"},
        {"record_id": "hubspot:2", "source": "hubspot", "email": "sam.hall@orbit.io",
         "full_name": "Sam Hall", "company_name": "Orbit"},
        {"record_id": "hubspot:3", "source": "hubspot", "email": "sam.hall@gmail.com",
         "full_name": "Sam Hall"},
        {"record_id": "hubspot:4", "source": "hubspot", "email": "mei@orbit.io",
         "full_name": "Mei Kumar"},
        {"record_id": "hubspot:5", "source": "hubspot", "email": "mei.k@orbit.io",
         "full_name": "Mei Kim"},
    ]
)  # fmt: skip
CLUSTERS = pd.DataFrame(
    {
        "record_id": ["hubspot:1", "hubspot:2", "hubspot:3", "hubspot:4", "hubspot:5"],
        "person_id": ["per_linda", "per_sam_orbit", "per_sam_other", "per_mei_k", "per_mei_x"],
    }
)


def _outcomes(offline_rows: list[dict[str, str]], **options: bool) -> dict[str, tuple]:
    result = reconcile_offline(pd.DataFrame(offline_rows), RECORDS, CLUSTERS, **options)
    return {
        row.record_id: (None if pd.isna(row.person_id) else row.person_id, row.matched_by)
        for row in result.links.itertuples()
    }


def test_reconcile_offline_email_links() -> None:
    rows = [{"record_id": "badge_scans:1", "source": "badge_scans",
             "email": "Linda+community@tidalwave.com", "full_name": "LINDA"}]  # fmt: skip
    assert _outcomes(rows) == {"badge_scans:1": ("per_linda", "offline:email")}


def test_reconcile_offline_full_name_needs_company() -> None:
    # Two people are called Sam Hall; only one works at Orbit. Without a company the name
    # fits both, so the scan stays unlinked.
    rows = [
        {"record_id": "badge_scans:2", "source": "badge_scans", "full_name": "SAM HALL",
         "company_name": "Orbit Inc"},
        {"record_id": "badge_scans:3", "source": "badge_scans", "full_name": "SAM HALL"},
    ]  # fmt: skip
    outcomes = _outcomes(rows)
    assert outcomes["badge_scans:2"] == ("per_sam_orbit", "offline:full_name_company")
    assert outcomes["badge_scans:3"] == (None, "unlinked:ambiguous")


def test_reconcile_offline_first_name_ambiguous() -> None:
    rows = [{"record_id": "call_notes:1", "source": "call_notes", "full_name": "Mei",
             "company_name": "Orbit"}]  # fmt: skip
    assert _outcomes(rows) == {"call_notes:1": (None, "unlinked:ambiguous")}


def test_reconcile_offline_first_name_unique() -> None:
    rows = [{"record_id": "call_notes:2", "source": "call_notes", "full_name": "Linda",
             "company_name": "Tidalwave"}]  # fmt: skip
    assert _outcomes(rows) == {"call_notes:2": ("per_linda", "offline:first_name_company")}
    assert _outcomes(rows, allow_first_name_only=False) == {
        "call_notes:2": (None, "unlinked:ambiguous")
    }


def test_reconcile_offline_counts() -> None:
    rows = [
        {"record_id": "b:1", "source": "b", "email": "linda@tidalwave.com"},
        {"record_id": "b:2", "source": "b", "full_name": "Nobody Known", "company_name": "X"},
    ]
    result = reconcile_offline(pd.DataFrame(rows), RECORDS, CLUSTERS)
    assert result.counts == {"offline:email": 1, "unlinked:no_candidate": 1}
