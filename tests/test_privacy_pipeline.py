"""Erasure, consent and offline links across the whole pipeline, checked against truth.

Uses the session's simulated run: the simulator plants erasure requests (truth/people.csv
`erasure_requested_at`), consent per person (`consent`) and the person behind each badge
scan and call note (truth/offline_records.csv).
"""

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey, ExecuteInProcessResult, MetadataValue, materialize

from ingest import load_source
from orchestration.assets.identity import identity_resolution
from orchestration.resources import WarehouseResource
from tests.conftest import PipelineRun

pytestmark = pytest.mark.slow

# The layer that keeps data as loaded. Quarantine is scanned like the derived layers, because
# erasure deletes rejected rows with an erased email and rejected files quote no content.
LOAD_SCHEMAS = ("raw",)
# Offline links were measured at precision 0.96 on the 1,000-member demo; below this
# floor reconciliation has regressed.
OFFLINE_PRECISION_FLOOR = 0.9


def _query(warehouse: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def _erased_people(run: PipelineRun) -> pd.DataFrame:
    people = pd.read_csv(run.truth_dir / "people.csv", dtype=str, keep_default_na=False)
    return people[people["erasure_requested_at"] != ""]


def _erased_record_ids(run: PipelineRun) -> set[str]:
    """Record ids of erased people that the pipeline can tie to them.

    Web sessions whose cookie id never carried an email are left out: nothing links them
    to a person (see docs/known-shortcomings.md).
    """
    erased = set(_erased_people(run)["person_id"])
    records = pd.concat(
        [
            pd.read_csv(run.truth_dir / "person_records.csv", dtype=str),
            pd.read_csv(run.truth_dir / "offline_records.csv", dtype=str),
        ]
    )
    records = records[records["person_id"].isin(erased)]
    identified = set(
        _query(
            run.warehouse,
            "select distinct anonymous_id from raw.web_sessions where nullif(user_email, '') "
            "is not null",
        )["anonymous_id"]
    )
    keep = (records["source"] != "web") | records["source_record_id"].isin(identified)
    records = records[keep]
    return set(records["source"] + ":" + records["source_record_id"])


def _email_pattern(run: PipelineRun) -> re.Pattern[str]:
    """Match any mailbox of an erased person, also with a `+tag` or in other case."""
    people = _erased_people(run)
    requests = _query(run.warehouse, "select email from raw.privacy_erasure_requests")
    mailboxes = {
        value.strip().lower()
        for column in ("email", "personal_email", "previous_email")
        for value in people[column]
        if value.strip()
    } | {value.strip().lower() for value in requests["email"]}
    parts = []
    for mailbox in sorted(mailboxes):
        local, _, domain = mailbox.partition("@")
        parts.append(re.escape(local.split("+")[0]) + r"(?:\+[^@]*)?@" + re.escape(domain))
    return re.compile("|".join(parts), re.IGNORECASE)


def _derived_tables(warehouse: Path) -> list[tuple[str, str]]:
    rows = _query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not in (select unnest(?)) order by all",
        [list(LOAD_SCHEMAS)],
    )
    return list(rows.itertuples(index=False, name=None))


def _varchar_columns(warehouse: Path, schema: str, table: str) -> list[str]:
    rows = _query(
        warehouse,
        "select column_name from information_schema.columns where table_schema = ? "
        "and table_name = ? and data_type = 'VARCHAR'",
        [schema, table],
    )
    return list(rows["column_name"])


def _traces(warehouse: Path, record_ids: set[str], emails: re.Pattern[str]) -> list[str]:
    """List `schema.table.column: value` for every erased record id or email still present.

    Record ids are compared with whole values of columns named like a record id, because
    other ids (`discourse:<post id>`) can equal a record id by chance. Emails are searched
    in every text column.
    """
    found = []
    for schema, table in _derived_tables(warehouse):
        columns = _varchar_columns(warehouse, schema, table)
        if not columns:
            continue
        quoted = ", ".join(f'"{column}"' for column in columns)
        frame = _query(warehouse, f'select {quoted} from "{schema}"."{table}"')
        for column in columns:
            values = frame[column].dropna().astype(str)
            if "record_id" in column:
                found += [f"{schema}.{table}.{column}: {v}" for v in set(values) & record_ids]
            hits = values[values.str.contains(emails)]
            found += [f"{schema}.{table}.{column}: {v}" for v in set(hits)]
    return found


def test_simulation_plants_erasure(simulated_run: PipelineRun):
    assert len(_erased_people(simulated_run)) >= 1
    assert _erased_record_ids(simulated_run)


def test_erasure_reaches_every_table(simulated_run: PipelineRun):
    record_ids = _erased_record_ids(simulated_run)
    traces = _traces(simulated_run.warehouse, record_ids, _email_pattern(simulated_run))
    assert traces == []


def test_raw_still_holds_erased_emails(simulated_run: PipelineRun):
    # The scan above must be able to find a trace: raw keeps the data as loaded.
    requests = _query(simulated_run.warehouse, "select email from raw.privacy_erasure_requests")
    pattern = _email_pattern(simulated_run)
    assert requests["email"].str.contains(pattern).all()


def test_erasure_audit_has_no_personal_data(simulated_run: PipelineRun):
    audit = _query(simulated_run.warehouse, "select * from identity.erasure_audit")
    requests = _query(simulated_run.warehouse, "select * from raw.privacy_erasure_requests")
    assert sorted(audit["request_id"]) == sorted(requests["request_id"])
    assert "email" not in audit.columns
    assert not audit.astype(str).apply(lambda column: column.str.contains("@")).any().any()
    assert (audit["people_named"] >= 1).all()
    # Each person counts once, on the earliest request naming them.
    assert audit["people_erased"].sum() == len(_erased_people(simulated_run))
    assert (audit["records_erased"] >= 1).all()


def test_erased_records_are_hashes(simulated_run: PipelineRun):
    keys = _query(simulated_run.warehouse, "select * from identity.erased_records")
    assert not keys.empty
    assert set(keys["key_type"]) <= {"record_id", "email", "handle"}
    assert keys["key_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert not keys.astype(str).apply(lambda column: column.str.contains("@")).any().any()


def test_erased_records_stay_out_on_rerun(simulated_run: PipelineRun, tmp_path: Path):
    # A second identity run on the same warehouse: staging now drops the erased rows, so
    # the person must not come back under a new id, and handled requests are not repeated.
    warehouse = tmp_path / "rerun.duckdb"
    shutil.copy(simulated_run.warehouse, warehouse)
    before = _query(warehouse, "select * from identity.erasure_audit")
    people_before = _query(
        warehouse, "select count(distinct person_id) as n from identity.person_clusters"
    )
    clusters_before = _query(
        warehouse, "select record_id, person_id from identity.person_clusters order by record_id"
    )

    result = materialize(
        [identity_resolution],
        resources={"warehouse": WarehouseResource(database_path=str(warehouse))},
    )

    assert result.success
    after = _query(warehouse, "select * from identity.erasure_audit")
    assert len(after) == len(before)
    clusters = _query(warehouse, "select record_id, person_id from identity.person_clusters")
    assert not set(clusters["record_id"]) & _erased_record_ids(simulated_run)
    assert clusters["person_id"].nunique() == people_before["n"].iloc[0]
    # The first run resolved again without the erased records, so this run finds the same
    # people: no record changes person and no lineage row is written.
    rerun = clusters.sort_values("record_id").reset_index(drop=True)
    assert rerun.equals(clusters_before)
    lineage = _query(warehouse, "select count(*) as n from identity.person_lineage")
    assert lineage["n"].iloc[0] == 0


def test_erasure_deletes_quarantined_rows(simulated_run: PipelineRun, tmp_path: Path):
    # The real loader quarantines two attendance rows for `attended = maybe`. One contains an
    # erased person's email in upper case, and the identity run deletes that row only.
    warehouse = tmp_path / "review.duckdb"
    shutil.copy(simulated_run.warehouse, warehouse)
    erased_email = _query(warehouse, "select email from raw.privacy_erasure_requests")["email"][0]
    before, after, result = _quarantine_and_resolve(
        warehouse,
        tmp_path / "landing",
        "events/attendance_review.csv",
        "registration_id,event_id,email,full_name,registered_at,attended\n"
        f"rq1,e1,{erased_email.upper()},Erased Person,2025-01-01T10:00:00Z,maybe\n"
        "rq2,e1,kept.person@example.org,Kept Person,2025-01-01T10:00:00Z,maybe\n",
    )

    records = _query(
        warehouse, "select coalesce(record, '') as record from quarantine.rejected_rows"
    )
    audit = result.asset_materializations_for_node("identity_resolution")
    erased_metadata = [
        event.metadata.get("quarantined_rows_erased")
        for event in audit
        if event.asset_key == AssetKey(["identity", "erasure_audit"])
    ]
    assert result.success
    assert before.values.tolist() == [[1, "attended", "maybe"], [2, "attended", "maybe"]]
    assert after.values.tolist() == [[2, "attended", "maybe"]]
    assert not records["record"].str.lower().str.contains(erased_email.lower(), regex=False).any()
    assert erased_metadata == [MetadataValue.int(1)]


def test_erasure_deletes_quarantined_rows_by_handle(simulated_run: PipelineRun, tmp_path: Path):
    # Two forum users without the required id are quarantined. The first has an erased
    # person's forum handle and no email, the second a handle not on the erasure list.
    warehouse = tmp_path / "review.duckdb"
    shutil.copy(simulated_run.warehouse, warehouse)
    forum_ids = sorted(
        record.split(":", 1)[1]
        for record in _erased_record_ids(simulated_run)
        if record.startswith("discourse:")
    )
    assert forum_ids, "the simulated run has no erased person with a forum account"
    handle = _query(
        warehouse,
        "select username from raw.discourse_users where cast(id as varchar) = ?",
        [forum_ids[0]],
    )["username"][0]
    users = [{"username": f" {handle}", "name": None}, {"username": "kept_x9", "name": None}]
    before, after, result = _quarantine_and_resolve(
        warehouse, tmp_path / "landing", "discourse/users_review.json", json.dumps(users)
    )

    assert result.success
    assert before[["_row_number", "field"]].values.tolist() == [[1, "id"], [2, "id"]]
    assert after[["_row_number", "field"]].values.tolist() == [[2, "id"]]


def _quarantine_and_resolve(
    warehouse: Path, landing: Path, relative_path: str, text: str
) -> tuple[pd.DataFrame, pd.DataFrame, ExecuteInProcessResult]:
    """Load one landing file whose rows are all rejected, then run the identity asset.

    Returns:
        The file's rows of `quarantine.rejected_rows` (row number, field, value) before and
        after the identity run, and the run's result.
    """
    source = relative_path.split("/", 1)[0]
    (landing / source).mkdir(parents=True, exist_ok=True)
    (landing / relative_path).write_text(text, encoding="utf-8")
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, source)
    review_sql = (
        "select _row_number, field, value from quarantine.rejected_rows "
        "where _file = ? order by _row_number"
    )
    before = _query(warehouse, review_sql, [relative_path])
    result = materialize(
        [identity_resolution],
        resources={"warehouse": WarehouseResource(database_path=str(warehouse))},
    )
    return before, _query(warehouse, review_sql, [relative_path]), result


def test_erasure_deletes_deeply_nested_quarantined_rows(simulated_run: PipelineRun, tmp_path: Path):
    # A new request erases a person with a GitHub login. Two webhook deliveries nested too
    # deeply to parse are quarantined whole, and the first names that login. Searching such
    # a record used to raise RecursionError and fail the identity asset.
    warehouse = tmp_path / "review.duckdb"
    shutil.copy(simulated_run.warehouse, warehouse)
    person = _query(
        warehouse,
        """
        select github.handle, min(other.email) as email
        from identity.person_clusters as github_cluster
        join intermediate.int_identity__person_records_unioned as github
            on github.record_id = github_cluster.record_id and github.source = 'github'
        join identity.person_clusters as other_cluster
            on other_cluster.person_id = github_cluster.person_id
        join intermediate.int_identity__person_records_unioned as other
            on other.record_id = other_cluster.record_id and other.email is not null
        group by github.handle
        order by github.handle
        limit 1
        """,
    )
    login, email = person["handle"][0], person["email"][0]
    nested = '{"a": ' * 5000 + "1" + "}" * 5000
    lines = [
        f'{{"event": "star", "delivery_id": "{delivery}", "payload": '
        f'{{"sender": {{"login": "{sender}"}}, "extra": {nested}}}}}'
        for delivery, sender in (("deep-1", login), ("deep-2", "kept_x9"))
    ]
    landing = tmp_path / "landing"
    (landing / "github").mkdir(parents=True)
    (landing / "github" / "review.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (landing / "privacy").mkdir()
    (landing / "privacy" / "erasure_requests_review.csv").write_text(
        "request_id,email,requested_at,request_type,status\n"
        f"ER-REVIEW,{email},2026-06-01 00:00:00,erasure,completed\n",
        encoding="utf-8",
    )
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "github")
        load_source(con, landing, "privacy")
    review_sql = (
        "select _row_number, field from quarantine.rejected_rows "
        "where _file = 'github/review.jsonl' order by _row_number"
    )
    before = _query(warehouse, review_sql)

    result = materialize(
        [identity_resolution],
        resources={"warehouse": WarehouseResource(database_path=str(warehouse))},
    )

    after = _query(warehouse, review_sql)
    assert result.success
    assert before.values.tolist() == [[1, "_record"], [2, "_record"]]
    assert after.values.tolist() == [[2, "_record"]]


def test_access_request_erases_nobody(simulated_run: PipelineRun, tmp_path: Path):
    # An access request names a person who must stay; only erasure types remove people.
    warehouse = tmp_path / "review.duckdb"
    shutil.copy(simulated_run.warehouse, warehouse)
    email = _query(
        warehouse,
        "select min(email) as email from intermediate.int_identity__person_records_unioned",
    )["email"][0]
    count_sql = (
        "select count(*) as n from identity.person_clusters as clusters "
        "join intermediate.int_identity__person_records_unioned as records "
        "on records.record_id = clusters.record_id where records.email = ?"
    )
    before = int(_query(warehouse, count_sql, [email])["n"][0])
    landing = tmp_path / "landing"
    (landing / "privacy").mkdir(parents=True)
    (landing / "privacy" / "erasure_requests_access.csv").write_text(
        "request_id,email,requested_at,request_type,status\n"
        f"ER-ACCESS,{email},2026-06-01 00:00:00,access,completed\n",
        encoding="utf-8",
    )
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, landing, "privacy")

    result = materialize(
        [identity_resolution],
        resources={"warehouse": WarehouseResource(database_path=str(warehouse))},
    )

    audit = _query(warehouse, "select request_id from identity.erasure_audit")
    assert result.success
    assert before > 0
    assert int(_query(warehouse, count_sql, [email])["n"][0]) == before
    assert "ER-ACCESS" not in set(audit["request_id"])


def _majority_truth_person(run: PipelineRun) -> pd.Series:
    """Map each warehouse person id to the simulated person holding most of its records."""
    clusters = _query(run.warehouse, "select record_id, person_id from identity.person_clusters")
    truth = pd.read_csv(run.truth_dir / "person_records.csv", dtype=str)
    truth["record_id"] = truth["source"] + ":" + truth["source_record_id"]
    joined = clusters.merge(
        truth[["record_id", "person_id"]], on="record_id", suffixes=("", "_truth")
    )
    counts = joined.groupby(["person_id", "person_id_truth"]).size().rename("n").reset_index()
    best = counts.sort_values(["person_id", "n"], ascending=[True, False])
    return best.drop_duplicates("person_id").set_index("person_id")["person_id_truth"]


def test_offline_links_cover_every_record(simulated_run: PipelineRun):
    links = _query(simulated_run.warehouse, "select * from identity.offline_links")
    staged = _query(
        simulated_run.warehouse,
        "select record_id from staging.stg_events__badge_scans "
        "union all select record_id from staging.stg_crm__call_notes",
    )
    assert sorted(links["record_id"]) == sorted(staged["record_id"])
    unlinked = links[links["matched_by"].str.startswith("unlinked:")]
    assert unlinked["person_id"].isna().all()
    ambiguous = links[links["matched_by"] == "unlinked:ambiguous"]
    assert len(ambiguous) > 0
    assert (ambiguous["candidates"] >= 1).all()


def test_offline_links_precision_against_truth(simulated_run: PipelineRun):
    links = _query(
        simulated_run.warehouse,
        "select record_id, person_id from identity.offline_links where person_id is not null",
    )
    truth = pd.read_csv(simulated_run.truth_dir / "offline_records.csv", dtype=str)
    truth_person = dict(
        zip(truth["source"] + ":" + truth["source_record_id"], truth["person_id"], strict=True)
    )
    majority = _majority_truth_person(simulated_run)
    correct = links["person_id"].map(majority) == links["record_id"].map(truth_person)
    assert len(links) > 100
    assert correct.mean() >= OFFLINE_PRECISION_FLOOR, f"precision {correct.mean():.3f}"


def test_linked_offline_records_are_activities(simulated_run: PipelineRun):
    activities = _query(
        simulated_run.warehouse,
        "select activity_id, person_id from marts.fct_activities "
        "where source in ('badge_scans', 'call_notes')",
    )
    links = _query(
        simulated_run.warehouse, "select record_id, person_id from identity.offline_links"
    )
    merged = activities.merge(
        links, left_on="activity_id", right_on="record_id", suffixes=("", "_link")
    )
    assert len(merged) == len(links)
    assert (merged["person_id"].fillna("") == merged["person_id_link"].fillna("")).all()


def test_no_action_without_consent(simulated_run: PipelineRun):
    actions = _query(
        simulated_run.warehouse,
        "select actions.person_id, members.consented from marts.fct_next_best_actions as actions "
        "left join marts.dim_members as members on actions.person_id = members.person_id",
    )
    assert len(actions) > 0
    assert actions["consented"].fillna(False).all()


@pytest.mark.parametrize("table", ["member_segments", "next_best_actions", "behaviour_scores"])
def test_erased_people_get_no_score(simulated_run: PipelineRun, table: str):
    # Scoring runs no erasure check of its own: identity removes erased people before the
    # marts, so no scored person may hold a record of an erased simulated person.
    scored = _query(simulated_run.warehouse, f"select person_id from scoring.{table}")
    clusters = _query(
        simulated_run.warehouse, "select record_id, person_id from identity.person_clusters"
    )
    truth = pd.read_csv(simulated_run.truth_dir / "person_records.csv", dtype=str)
    truth["record_id"] = truth["source"] + ":" + truth["source_record_id"]
    erased = set(_erased_people(simulated_run)["person_id"])
    erased_records = set(truth.loc[truth["person_id"].isin(erased), "record_id"])
    assert len(scored) > 0
    assert set(scored["person_id"]) <= set(clusters["person_id"])
    scored_records = clusters.loc[clusters["person_id"].isin(scored["person_id"]), "record_id"]
    assert not set(scored_records) & erased_records


def test_touch_consent_follows_person(simulated_run: PipelineRun):
    touches = _query(
        simulated_run.warehouse,
        "select touches.consented, coalesce(members.consented, false) as person_consented "
        "from marts.fct_touches as touches "
        "left join marts.dim_members as members on touches.person_id = members.person_id",
    )
    assert touches["consented"].any()
    assert not touches["consented"].all()
    assert (touches["consented"] == touches["person_consented"]).all()


def test_consent_matches_truth(simulated_run: PipelineRun):
    members = _query(simulated_run.warehouse, "select person_id, consented from marts.dim_members")
    people = pd.read_csv(simulated_run.truth_dir / "people.csv", dtype=str)
    truth_consent = dict(zip(people["person_id"], people["consent"] == "true", strict=True))
    members["truth"] = (
        members["person_id"].map(_majority_truth_person(simulated_run)).map(truth_consent)
    )
    consented = members[members["consented"]]
    # Every consented member is a simulated person who consented, unless a false merge
    # joined a non-consenting person's receipt email to someone else.
    assert consented["truth"].mean() >= 0.98


@pytest.mark.parametrize("schema", ["marts", "attribution", "scoring", "forecasting"])
def test_outputs_carry_no_emails(simulated_run: PipelineRun, schema: str):
    # Marts and model outputs name people by pseudonymous person id only.
    tables = [table for found, table in _derived_tables(simulated_run.warehouse) if found == schema]
    assert tables
    with_email = []
    for table in tables:
        for column in _varchar_columns(simulated_run.warehouse, schema, table):
            rows = _query(
                simulated_run.warehouse,
                f'select count(*) as n from "{schema}"."{table}" where "{column}" like \'%@%\'',
            )
            if rows["n"].iloc[0]:
                with_email.append(f"{schema}.{table}.{column}")
    assert with_email == []
