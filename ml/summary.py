"""Print a short summary of a built warehouse: people, revenue by channel, forecast.

Run as `python -m ml.summary [WAREHOUSE]`; `make demo` calls it after the main job.
"""

import argparse
import os
import sys
import textwrap
from pathlib import Path

import duckdb

from ml.io import connect, table_exists

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"
SUMMARY_MODELS = ("last_touch", "counterfactual")


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _people_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    records = _count(con, "select count(*) from identity.person_clusters")
    people = _count(con, "select count(*) from marts.dim_members")
    accounts = _count(con, "select count(*) from marts.dim_accounts")
    quarantined = (
        _count(con, "select count(*) from quarantine.rejected_rows")
        if table_exists(con, "quarantine", "rejected_rows")
        else 0
    )
    return [
        f"Identity: {records} source records resolved to {people} people in {accounts} accounts.",
        f"Quarantine: {quarantined} rejected rows (see quarantine.rejected_rows).",
        *_rejected_files_lines(con),
    ]


def _rejected_files_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return a line counting the set-aside landing files, which fail only an asset check."""
    if not table_exists(con, "quarantine", "rejected_files"):
        return []
    rows = con.execute("select _file from quarantine.rejected_files order by _file").fetchall()
    files = [row[0] for row in rows]
    if not files:
        return []
    return [
        f"  {len(files)} unreadable file(s) set aside and not loaded, first {files[0]} (see "
        "quarantine.rejected_files for the reasons). Fix them and run again."
    ]


OFFLINE_OUTCOMES = {
    "unlinked:ambiguous": (
        "unlinked as ambiguous ({several} fit several people, {one} fit one person by name "
        "but no company confirms it)"
    ),
    "unlinked:no_candidate": "unlinked with no candidate (nobody fits)",
}


def _offline_line(con: duckdb.DuckDBPyConnection) -> str:
    offline = _count(con, "select count(*) from identity.offline_links")
    linked = _count(con, "select count(person_id) from identity.offline_links")
    # A record that several people fit, or whose name fits one person when its company is
    # missing or names another, is `unlinked:ambiguous`. The `candidates` count separates
    # the two cases.
    unlinked = con.execute(
        """
        select
            matched_by,
            count(*),
            count(*) filter (where candidates > 1),
            count(*) filter (where candidates = 1)
        from identity.offline_links
        where person_id is null
        group by matched_by
        order by matched_by
        """
    ).fetchall()
    outcomes = [
        f"{count} "
        + OFFLINE_OUTCOMES.get(matched_by, f"unlinked as {matched_by}").format(
            several=several, one=single
        )
        for matched_by, count, several, single in unlinked
    ]
    text = (
        f"Offline: of {offline} badge scans and call notes (identity.offline_links), "
        f"{linked} linked to a person"
    )
    return textwrap.fill(", ".join([text, *outcomes]) + ".", width=92, subsequent_indent="  ")


def _privacy_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    needed = ("offline_links", "person_consent", "erasure_audit")
    if not all(table_exists(con, "identity", table) for table in needed):
        return []
    consented = _count(con, "select count(*) from identity.person_consent where consented")
    people = _count(con, "select count(*) from identity.person_consent")
    requests = _count(con, "select count(*) from identity.erasure_audit")
    erased = _count(con, "select sum(people_erased) from identity.erasure_audit")
    return [
        _offline_line(con),
        f"Consent: {consented} of {people} people consented (no receipt counts as no consent).",
        f"Erasure: {requests} requests handled, {erased} people erased (identity.erasure_audit).",
    ]


CHANNEL_NOTES = [
    "",
    "  (baseline): revenue the counterfactual model expects without any touch (for the",
    "  timing model in fct_channel_revenue: the part of its deals no channel caused).",
    "  (none): revenue of conversions with no eligible touch before them.",
    "  Bootstrap intervals (95% by default): revenue_credit_lower and revenue_credit_upper in",
    "  marts.fct_channel_revenue (account level). The timing model's revenue is there too, as",
    "  model `timing` with bootstrap intervals over accounts.",
]


def _olist_note(con: duckdb.DuckDBPyConnection) -> list[str]:
    # Olist closed deals carry no sale amount, so the marts use the seller's declared monthly
    # revenue as the deal's revenue.
    if not table_exists(con, "marts", "fct_conversions"):
        return []
    deals, zero = con.execute(
        """
        select count(*), count(*) filter (where revenue = 0)
        from marts.fct_conversions
        where conversion_type = 'closed_won' and conversion_id like 'olist:%'
        """
    ).fetchone() or (0, 0)
    if not deals:
        return []
    return [
        f"  Olist: the revenue of its {deals} closed deals is the seller's declared monthly",
        f"  revenue (BRL) from the closed-deals file, not sales. It is 0 for {zero} of them.",
    ]


def _channel_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    lines = [
        "",
        "Closed-won revenue by channel (fct_channel_revenue, account level). Counterfactual is",
        "the headline model. docs/attribution.md and docs/benchmarks.md give its measured error:",
    ]
    frame = con.execute(
        """
        select channel, attribution_model, currency, round(revenue_credit, 0) as revenue
        from marts.fct_channel_revenue
        where conversion_type = 'closed_won' and attribution_level = 'account'
            and attribution_model in ?
        """,
        [list(SUMMARY_MODELS)],
    ).df()
    if frame.empty:
        return [*lines, "  no closed-won conversions"]
    table = frame.pivot_table(
        index=["currency", "channel"], columns="attribution_model", values="revenue", aggfunc="sum"
    ).fillna(0)
    table = table.sort_values(table.columns[-1], ascending=False)
    lines += ["  " + line for line in table.to_string().splitlines()]
    return lines + CHANNEL_NOTES + _olist_note(con)


def _timing_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(con, "marts", "fct_channel_timing_credit"):
        return []
    # A warehouse built before the bootstrap columns existed still gets its section.
    present = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_channel_timing_credit'"
        ).fetchall()
    }
    bootstrap = (
        "round(credit_share_bootstrap_lower, 3) as bootstrap_lower, "
        "round(credit_share_bootstrap_upper, 3) as bootstrap_upper,"
        if "credit_share_bootstrap_lower" in present
        else ""
    )
    frame = con.execute(
        f"""
        select channel, round(credit_share, 3) as share,
            round(credit_share_lower, 3) as share_lower,
            round(credit_share_upper, 3) as share_upper,
            {bootstrap}
            round(hazard_coefficient, 2) as coefficient,
            round(hazard_coefficient_lower, 2) as lower,
            round(hazard_coefficient_upper, 2) as upper,
            opportunities_fitted as opportunities
        from marts.fct_channel_timing_credit
        order by credit_share desc, channel
        """
    ).df()
    if frame.empty:
        return ["", "Timing model (fct_channel_timing_credit): no won deal with its opportunity"]
    opportunities = int(frame.pop("opportunities").iloc[0])
    lines = [
        "",
        f"Timing model (fct_channel_timing_credit), fitted on {opportunities} opportunities. It",
        "compares each account with itself, so intent that is constant for an account cancels.",
        "It needs thousands of opportunities. Shares and coefficients come with 95% intervals",
        "from coefficient draws, and shares also with a bootstrap over accounts, which refits",
        "the decays too. Where the coefficient's interval spans 0, read the share as noise:",
    ]
    return lines + ["  " + line for line in frame.to_string(index=False).splitlines()]


def _forecast_section(con: duckdb.DuckDBPyConnection) -> list[str]:
    frame = con.execute(
        """
        select currency, revenue_stage, forecast_method,
            round(sum(forecast_amount), 0) as forecast,
            round(sum(forecast_lower), 0) as lower,
            round(sum(forecast_upper), 0) as upper
        from marts.fct_revenue_forecast
        group by currency, revenue_stage, forecast_method
        order by currency, revenue_stage, forecast_method
        """
    ).df()
    if frame.empty:
        return ["", "Revenue forecast: no revenue history to forecast from"]
    first, last = con.execute(
        "select min(period_start), max(period_start) from marts.fct_revenue_forecast"
    ).fetchone() or (None, None)
    # Adding monthly bounds does not give an 80% interval of the total: with independent
    # monthly errors the sums are wider, so the text names them for what they are.
    lines = [
        "",
        f"Revenue forecast, totals for {first:%Y-%m} to {last:%Y-%m}, the months after the last",
        "month of data (fct_revenue_forecast). lower and upper are sums of the monthly 80%",
        "bounds, each cut at zero where a stage never crossed it, not an interval of the total:",
    ]
    return lines + ["  " + line for line in frame.to_string(index=False).splitlines()]


def summarize_warehouse(database_path: Path) -> str:
    """Return the summary text of the warehouse at `database_path`."""
    with connect(database_path, read_only=True) as con:
        lines = (
            _people_section(con)
            + _privacy_section(con)
            + _channel_section(con)
            + _timing_section(con)
            + _forecast_section(con)
        )
    return "\n".join(lines)


def main() -> None:
    """Print the summary of the warehouse named on the command line or in CRM_DUCKDB_PATH."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "warehouse",
        nargs="?",
        type=Path,
        default=Path(os.environ.get("CRM_DUCKDB_PATH", DEFAULT_WAREHOUSE)),
        help="DuckDB warehouse file (default: CRM_DUCKDB_PATH or data/warehouse.duckdb)",
    )
    args = parser.parse_args()
    sys.stdout.write(summarize_warehouse(args.warehouse) + "\n")


if __name__ == "__main__":
    main()
