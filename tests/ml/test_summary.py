"""The warehouse summary on a small hand-built warehouse with the tables it reads."""

from pathlib import Path

import duckdb
import pytest

from ml.summary import summarize_warehouse


def build_warehouse(path: Path, olist: bool) -> None:
    with duckdb.connect(str(path)) as con:
        for schema in ("identity", "marts"):
            con.execute(f"create schema {schema}")
        con.execute("create table identity.person_clusters as select range as id from range(5)")
        con.execute("create table marts.dim_members as select range as id from range(3)")
        con.execute("create table marts.dim_accounts as select range as id from range(2)")
        con.execute(
            """
            create table identity.offline_links as
            select * from (values
                ('o1', 'p1', 'offline:email', 1),
                ('o2', 'p2', 'offline:name_company', 1),
                ('o3', null, 'unlinked:ambiguous', 3),
                ('o4', null, 'unlinked:ambiguous', 1),
                ('o5', null, 'unlinked:no_candidate', 0)
            ) as t(record_id, person_id, matched_by, candidates)
            """
        )
        con.execute("create table identity.person_consent as select true as consented")
        con.execute("create table identity.erasure_audit as select 1 as people_erased")
        con.execute(
            """
            create table marts.fct_channel_revenue as
            select * from (values
                ('events', 'counterfactual', 'BRL', 40.0),
                ('(baseline)', 'counterfactual', 'BRL', 60.0),
                ('events', 'last_touch', 'BRL', 90.0),
                ('(none)', 'last_touch', 'BRL', 10.0)
            ) as t(channel, attribution_model, currency, revenue_credit)
            """
        )
        con.execute(
            "alter table marts.fct_channel_revenue add column conversion_type varchar "
            "default 'closed_won'"
        )
        con.execute(
            "alter table marts.fct_channel_revenue add column attribution_level varchar "
            "default 'account'"
        )
        prefix = "olist:" if olist else "won:"
        con.execute(
            f"""
            create table marts.fct_conversions as
            select * from (values
                ('{prefix}1', 'closed_won', 100.0),
                ('{prefix}2', 'closed_won', 0.0),
                ('{prefix}3', 'closed_won', 0.0)
            ) as t(conversion_id, conversion_type, revenue)
            """
        )
        con.execute(
            """
            create table marts.fct_revenue_forecast (
                currency varchar, revenue_stage varchar, forecast_method varchar,
                forecast_amount double, forecast_lower double, forecast_upper double,
                period_start date
            )
            """
        )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, olist=False)
    return path


def test_offline_line_lists_every_outcome(warehouse):
    text = summarize_warehouse(warehouse)
    offline = " ".join(text[text.index("Offline:") : text.index("Consent:")].split())
    assert "5 badge scans and call notes" in offline
    assert "2 linked to a person" in offline
    assert "2 unlinked as ambiguous" in offline
    assert "1 unlinked with no candidate" in offline


def test_offline_line_splits_ambiguous(warehouse):
    text = summarize_warehouse(warehouse)
    offline = " ".join(text[text.index("Offline:") : text.index("Consent:")].split())
    # o4 fits one person by name, but no company confirms it, so several people do not fit.
    assert "1 fit several people" in offline
    assert "1 fit one person by name but no company confirms it" in offline


def test_revenue_table_explains_special_channels(warehouse):
    text = summarize_warehouse(warehouse)
    assert "(baseline): revenue the counterfactual model expects without any touch" in text
    assert "(none): revenue of conversions with no eligible touch" in text
    assert "revenue_credit_lower and revenue_credit_upper" in text
    assert "Olist" not in text


def test_olist_revenue_is_called_declared(tmp_path):
    path = tmp_path / "olist.duckdb"
    build_warehouse(path, olist=True)
    text = summarize_warehouse(path)
    assert "revenue of its 3 closed deals is the seller's declared monthly" in text
    assert "It is 0 for 2 of them." in text


def test_timing_section_lists_shares_and_intervals(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            create table marts.fct_channel_timing_credit as
            select * from (values
                ('webinar', 0.8, 0.613, 0.947, 0.512, 0.981, 0.9, 0.5, 1.3, 40),
                ('chat', 0.2, 0.0, 0.388, 0.0, 0.455, 0.1, -0.3, 0.5, 40)
            ) as t(channel, credit_share, credit_share_lower, credit_share_upper,
                credit_share_bootstrap_lower, credit_share_bootstrap_upper,
                hazard_coefficient, hazard_coefficient_lower, hazard_coefficient_upper,
                opportunities_fitted)
            """
        )
    text = summarize_warehouse(warehouse)
    assert "fitted on 40 opportunities" in text
    section = text.split("Timing model")[1]
    assert section.index("webinar") < section.index("chat")
    assert "-0.3" in section
    assert "0.613" in section
    assert "0.947" in section
    assert "0.981" in section
    assert "0.455" in section


def test_timing_section_without_bootstrap_columns(warehouse):
    # A warehouse built before the bootstrap intervals existed has only the draw intervals.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            create table marts.fct_channel_timing_credit as
            select 'webinar' as channel, 0.8 as credit_share, 0.613 as credit_share_lower,
                0.947 as credit_share_upper, 0.9 as hazard_coefficient,
                0.5 as hazard_coefficient_lower, 1.3 as hazard_coefficient_upper,
                40 as opportunities_fitted
            """
        )
    section = summarize_warehouse(warehouse).split("Timing model")[1]
    assert "0.613" in section
    assert "bootstrap_lower" not in section


def test_summary_without_timing_mart_has_no_section(warehouse):
    assert "Timing model" not in summarize_warehouse(warehouse)


def test_quarantine_line_counts_rejected_files(warehouse):
    # A set-aside file fails only an asset check, so `make run` exits with 0. The summary
    # is where a user who does not open the run log learns that a file did not load.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema quarantine")
        con.execute("create table quarantine.rejected_rows as select 1 as id from range(4)")
        con.execute(
            "create table quarantine.rejected_files as select * from (values"
            " ('discourse/posts.json'), ('web/sessions.csv')) as t(_file)"
        )
    text = summarize_warehouse(warehouse)
    assert "Quarantine: 4 rejected rows (see quarantine.rejected_rows)" in text
    assert "2 unreadable file(s) set aside and not loaded" in text
    assert "first discourse/posts.json" in text


def test_quarantine_line_without_rejected_files(warehouse):
    text = summarize_warehouse(warehouse)
    assert "Quarantine: 0 rejected rows (see quarantine.rejected_rows)." in text
    assert "set aside" not in text


def test_forecast_section_bounds_are_sums(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            insert into marts.fct_revenue_forecast values
                ('USD', 'renewal', 'ses', 100.0, 80.0, 120.0, date '2026-07-01'),
                ('USD', 'renewal', 'ses', 100.0, 70.0, 130.0, date '2026-08-01'),
                ('USD', 'renewal', 'ses', 100.0, 60.0, 140.0, date '2026-09-01')
            """
        )
    text = " ".join(summarize_warehouse(warehouse).split())
    assert "totals for 2026-07 to 2026-09" in text
    # Added monthly 80% bounds are no 80% interval of the total, so the text must not say so.
    assert "sums of the monthly 80% bounds" in text
    assert "300.0 210.0 390.0" in text
