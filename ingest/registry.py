"""The sources the loaders know: landing subfolder, file patterns, reader and raw table.

docs/sources.md describes the same layout for people; keep the two in step.
"""

from dataclasses import dataclass

from ingest.schema import TableSchema
from ml.governance.feedback import FEEDBACK_TYPES, SUBJECT_FIELDS

# Olist re-saved through a spreadsheet writes dates as DD-MM-YYYY, some with hours and minutes.
OLIST_DATE_FORMATS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y")


@dataclass(frozen=True)
class FilePattern:
    """Files of one table and the reader that parses them.

    Attributes:
        pattern: Glob relative to the source folder, matched one path part at a time, so
            `*.json` matches only files directly in the folder and `*/*.json` only files
            one folder down.
        reader: Name of the reader in `ingest.readers.READERS`.
    """

    pattern: str
    reader: str


@dataclass(frozen=True)
class TableSpec:
    """One raw table: its schema and the files it is loaded from."""

    schema: TableSchema
    files: tuple[FilePattern, ...]

    @property
    def table(self) -> str:
        """Raw table name without the schema."""
        return self.schema.table


@dataclass(frozen=True)
class SourceSpec:
    """One source: a landing subfolder and the raw tables loaded from it."""

    name: str
    tables: tuple[TableSpec, ...]
    zip_exports: bool = False

    @property
    def folder(self) -> str:
        """Landing subfolder of this source."""
        return self.name


def _csv(table: TableSchema, *patterns: str) -> TableSpec:
    return TableSpec(table, tuple(FilePattern(pattern, "csv") for pattern in patterns))


SLACK = SourceSpec(
    "slack",
    (
        TableSpec(
            TableSchema(
                "slack_users", key=("id",), required=("id",), booleans=("is_bot", "deleted")
            ),
            (FilePattern("users.json", "slack_users"),),
        ),
        TableSpec(
            TableSchema(
                "slack_channels",
                key=("id",),
                required=("id", "name"),
                epoch_timestamps=("created",),
            ),
            (FilePattern("channels.json", "slack_channels"),),
        ),
        TableSpec(
            TableSchema(
                "slack_messages",
                key=("channel_name", "ts"),
                required=("channel_name", "ts"),
                epoch_timestamps=("ts", "thread_ts"),
                event_times=("ts",),
                non_negative=("reply_count", "reaction_count"),
            ),
            (FilePattern("*/*.json", "slack_messages"),),
        ),
    ),
    zip_exports=True,
)

DISCOURSE = SourceSpec(
    "discourse",
    (
        TableSpec(
            TableSchema(
                "discourse_users",
                key=("id",),
                required=("id", "username"),
                timestamps=("created_at", "last_seen_at"),
                event_times=("created_at",),
            ),
            (FilePattern("users*.json", "discourse_users"),),
        ),
        TableSpec(
            TableSchema(
                "discourse_posts",
                key=("id",),
                required=("id", "username", "created_at"),
                timestamps=("created_at",),
                event_times=("created_at",),
                numbers=("topic_id", "post_number", "reply_to_post_number", "category_id"),
            ),
            (FilePattern("posts*.json", "discourse_posts"),),
        ),
    ),
)

DISCORD = SourceSpec(
    "discord",
    (
        TableSpec(
            TableSchema(
                "discord_messages",
                key=("channel_id", "id"),
                required=("channel_id", "id", "timestamp", "author_id"),
                timestamps=("timestamp",),
                event_times=("timestamp",),
                non_negative=("reaction_count",),
                booleans=("author_is_bot",),
            ),
            (FilePattern("*.json", "discord_messages"),),
        ),
    ),
)

GITHUB = SourceSpec(
    "github",
    (
        TableSpec(
            TableSchema(
                "github_events",
                key=("delivery_id",),
                required=("event",),
                timestamps=("delivered_at", "created_at"),
                event_times=("delivered_at", "created_at"),
                numbers=("sender_id", "number"),
            ),
            (
                FilePattern("*.jsonl", "github_deliveries"),
                FilePattern("*/*.json", "github_payload"),
            ),
        ),
    ),
)

STACKEXCHANGE = SourceSpec(
    "stackexchange",
    (
        TableSpec(
            TableSchema(
                "stackexchange_users",
                key=("Id",),
                required=("Id", "CreationDate"),
                timestamps=("CreationDate", "LastAccessDate"),
                event_times=("CreationDate",),
                numbers=("Reputation", "Views", "UpVotes", "DownVotes", "AccountId"),
            ),
            (FilePattern("Users.xml", "stackexchange_rows"),),
        ),
        TableSpec(
            TableSchema(
                "stackexchange_posts",
                key=("Id",),
                required=("Id", "PostTypeId", "CreationDate"),
                timestamps=("CreationDate", "LastActivityDate", "LastEditDate", "ClosedDate"),
                event_times=("CreationDate",),
                numbers=("PostTypeId", "ParentId", "OwnerUserId", "Score"),
                non_negative=("ViewCount", "AnswerCount", "CommentCount", "FavoriteCount"),
            ),
            (FilePattern("Posts.xml", "stackexchange_rows"),),
        ),
    ),
)

EVENTS = SourceSpec(
    "events",
    (
        _csv(
            TableSchema(
                "event_attendance",
                key=("registration_id",),
                required=("registration_id", "event_id", "registered_at"),
                timestamps=("registered_at", "attended_at"),
                event_times=("registered_at", "attended_at"),
                booleans=("attended",),
            ),
            "attendance*.csv",
        ),
        _csv(
            TableSchema(
                "event_badge_scans",
                key=("scan_id",),
                required=("scan_id", "event_id", "scanned_at"),
                timestamps=("scanned_at",),
                event_times=("scanned_at",),
            ),
            "badge_scans*.csv",
        ),
    ),
)

WEB = SourceSpec(
    "web",
    (
        _csv(
            TableSchema(
                "web_sessions",
                key=("session_id",),
                required=("session_id", "started_at"),
                timestamps=("started_at",),
                event_times=("started_at",),
                non_negative=("pageviews",),
            ),
            "sessions*.csv",
        ),
    ),
)

PRODUCT = SourceSpec(
    "product",
    (
        _csv(
            TableSchema(
                "product_signups",
                key=("signup_id",),
                required=("signup_id", "signed_up_at"),
                timestamps=("signed_up_at",),
                event_times=("signed_up_at",),
            ),
            "signups*.csv",
        ),
    ),
)

HUBSPOT = SourceSpec(
    "hubspot",
    (
        _csv(
            TableSchema(
                "hubspot_contacts",
                key=("id",),
                required=("id",),
                timestamps=("property_createdate", "_fivetran_synced"),
                event_times=("property_createdate",),
                booleans=("_fivetran_deleted",),
            ),
            "contact.csv",
        ),
        _csv(
            TableSchema(
                "hubspot_companies",
                key=("id",),
                required=("id",),
                timestamps=("property_createdate", "_fivetran_synced"),
                event_times=("property_createdate",),
                non_negative=("property_numberofemployees", "property_annualrevenue"),
                booleans=("is_deleted",),
            ),
            "company.csv",
        ),
        _csv(
            TableSchema(
                "hubspot_deals",
                key=("deal_id",),
                required=("deal_id",),
                timestamps=("property_createdate", "property_closedate", "_fivetran_synced"),
                event_times=("property_createdate",),
                non_negative=("property_amount",),
                booleans=("is_deleted",),
                currency_of={"property_amount": "property_deal_currency_code"},
            ),
            "deal.csv",
        ),
        _csv(
            TableSchema(
                "hubspot_deal_contacts",
                key=("deal_id", "contact_id"),
                required=("deal_id", "contact_id"),
            ),
            "deal_contact.csv",
        ),
        _csv(
            TableSchema(
                "hubspot_deal_companies",
                key=("deal_id", "company_id"),
                required=("deal_id", "company_id"),
            ),
            "deal_company.csv",
        ),
    ),
)

STRIPE = SourceSpec(
    "stripe",
    (
        _csv(
            TableSchema(
                "stripe_customers",
                key=("id",),
                required=("id",),
                timestamps=("created",),
                event_times=("created",),
            ),
            "customer.csv",
        ),
        _csv(
            TableSchema(
                "stripe_subscriptions",
                key=("id",),
                required=("id", "customer_id"),
                timestamps=(
                    "created",
                    "start_date",
                    "current_period_start",
                    "current_period_end",
                    "canceled_at",
                    "ended_at",
                ),
                event_times=("created",),
                booleans=("cancel_at_period_end",),
            ),
            "subscription.csv",
        ),
        _csv(
            TableSchema(
                "stripe_invoices",
                key=("id",),
                required=("id", "customer_id"),
                timestamps=("created", "period_start", "period_end"),
                event_times=("created",),
                non_negative=("amount_due", "amount_paid", "amount"),
                currency_of={
                    "amount_due": "currency",
                    "amount_paid": "currency",
                    "amount": "currency",
                },
            ),
            "invoice.csv",
        ),
        _csv(
            TableSchema(
                "stripe_refunds",
                key=("id",),
                required=("id",),
                timestamps=("created",),
                event_times=("created",),
                non_negative=("amount",),
                currency_of={"amount": "currency"},
            ),
            "refund.csv",
        ),
    ),
)

SALESFORCE = SourceSpec(
    "salesforce",
    (
        _csv(
            TableSchema(
                "salesforce_accounts",
                key=("id",),
                required=("id",),
                timestamps=("created_date", "_fivetran_synced"),
                event_times=("created_date",),
                non_negative=("annual_revenue", "number_of_employees"),
                booleans=("is_deleted",),
            ),
            "sf_account.csv",
        ),
        _csv(
            TableSchema(
                "salesforce_contacts",
                key=("id",),
                required=("id",),
                timestamps=("created_date", "last_modified_date", "_fivetran_synced"),
                event_times=("created_date",),
                booleans=("is_deleted",),
            ),
            "sf_contact.csv",
        ),
        _csv(
            TableSchema(
                "salesforce_leads",
                key=("id",),
                required=("id",),
                timestamps=("created_date", "converted_date", "_fivetran_synced"),
                event_times=("created_date",),
                booleans=("is_converted", "is_deleted"),
            ),
            "sf_lead.csv",
        ),
        _csv(
            TableSchema(
                "salesforce_opportunities",
                key=("id",),
                required=("id",),
                timestamps=("created_date", "close_date", "_fivetran_synced"),
                event_times=("created_date",),
                non_negative=("amount", "expected_revenue", "probability"),
                booleans=("is_won", "is_closed", "is_deleted"),
                # Only multi-currency orgs export CurrencyIsoCode. Without the column,
                # staging reads amounts in the org's corporate currency.
                currency_of={
                    "amount": "currency_iso_code",
                    "expected_revenue": "currency_iso_code",
                },
            ),
            "sf_opportunity.csv",
        ),
    ),
)

OLIST = SourceSpec(
    "olist",
    (
        _csv(
            TableSchema(
                "olist_leads",
                key=("mql_id",),
                required=("mql_id", "first_contact_date"),
                timestamps=("first_contact_date",),
                timestamp_formats=OLIST_DATE_FORMATS,
                event_times=("first_contact_date",),
            ),
            "olist_marketing_qualified_leads_dataset.csv",
        ),
        _csv(
            TableSchema(
                "olist_closed_deals",
                key=("mql_id",),
                required=("mql_id", "seller_id", "won_date"),
                timestamps=("won_date",),
                timestamp_formats=OLIST_DATE_FORMATS,
                event_times=("won_date",),
                non_negative=("declared_monthly_revenue", "declared_product_catalog_size"),
            ),
            "olist_closed_deals_dataset.csv",
        ),
    ),
)

PROGRAMS = SourceSpec(
    "programs",
    (
        _csv(
            TableSchema(
                "program_costs",
                key=("month", "program", "channel", "cost_type"),
                required=("month", "program", "amount", "currency"),
                timestamps=("month",),
                timestamp_formats=("%Y-%m",),
                non_negative=("amount",),
                currency_of={"amount": "currency"},
            ),
            "costs*.csv",
        ),
    ),
)

CRM = SourceSpec(
    "crm",
    (
        _csv(
            TableSchema(
                "crm_call_notes",
                key=("note_id",),
                required=("note_id", "logged_at"),
                timestamps=("logged_at",),
                event_times=("logged_at",),
            ),
            "call_notes*.csv",
        ),
    ),
)

EXPERIMENTS = SourceSpec(
    "experiments",
    (
        _csv(
            TableSchema(
                "experiment_assignments",
                key=("experiment_id", "unit_type", "unit_id"),
                required=("experiment_id", "unit_id", "group"),
                timestamps=("assigned_at",),
                event_times=("assigned_at",),
            ),
            "assignments*.csv",
        ),
    ),
)

# Request types of a privacy request export. Only the erasure types remove a person
# (`ml.identity.privacy.ERASURE_REQUEST_TYPES`); the others are loaded and left alone. A row
# with any other type is quarantined, so a typo neither erases a person nor hides a request.
PRIVACY_REQUEST_TYPES = (
    "erasure", "erase", "deletion", "delete", "right_to_be_forgotten",
    "access", "portability", "rectification", "restriction", "objection",
)  # fmt: skip

PRIVACY = SourceSpec(
    "privacy",
    (
        _csv(
            TableSchema(
                "privacy_erasure_requests",
                key=("request_id",),
                required=("request_id", "email", "requested_at"),
                timestamps=("requested_at",),
                event_times=("requested_at",),
                allowed_values={"request_type": PRIVACY_REQUEST_TYPES},
            ),
            "erasure_requests*.csv",
        ),
    ),
)

# Feedback on scores and deals from sales and success teams (docs/model-governance.md).
FEEDBACK = SourceSpec(
    "feedback",
    (
        _csv(
            TableSchema(
                "feedback_submissions",
                key=("feedback_id",),
                required=("feedback_id", "submitted_at", "submitted_by", "feedback_type"),
                timestamps=("submitted_at",),
                event_times=("submitted_at",),
                allowed_values={"feedback_type": FEEDBACK_TYPES},
                required_by_value={"feedback_type": SUBJECT_FIELDS},
            ),
            "*.csv",
        ),
    ),
)

# Receipt statuses the consent staging model maps to granted, denied, withdrawn, expired or
# unknown. A row with any other status is quarantined rather than read as unknown, so a typo
# cannot quietly withdraw someone's consent.
CONSENT_STATUSES = (
    "granted", "active", "opt_in", "opted_in", "accepted",
    "denied", "opt_out", "opted_out", "rejected", "declined",
    "withdrawn", "revoked", "expired", "unknown",
)  # fmt: skip

CONSENT = SourceSpec(
    "consent",
    (
        _csv(
            TableSchema(
                "consent_receipts",
                key=("receipt_id",),
                required=("receipt_id", "subject_email", "status", "updated_at"),
                timestamps=("updated_at",),
                event_times=("updated_at",),
                allowed_values={"status": CONSENT_STATUSES},
            ),
            "consent_receipts*.csv",
        ),
    ),
)

# Reviewers' decisions on identity.review_queue pairs, in the columns of the identity command
# line's --overrides file (docs/identity-resolution.md). One decision per pair and order: a
# second row for the same record_id_l and record_id_r is quarantined as a duplicate, so a
# reviewer changes a decision by editing the file that contains it. The decisions are those of
# `ml.identity.overrides.DECISIONS`, written out to keep Splink out of the loaders' imports.
IDENTITY_REVIEW_DECISIONS = ("must_link", "cannot_link")

IDENTITY_REVIEWS = SourceSpec(
    "identity_reviews",
    (
        _csv(
            TableSchema(
                "identity_review_decisions",
                key=("record_id_l", "record_id_r"),
                required=("record_id_l", "record_id_r", "decision"),
                allowed_values={"decision": IDENTITY_REVIEW_DECISIONS},
                distinct_from={"record_id_r": "record_id_l"},
            ),
            "*.csv",
        ),
    ),
)

SOURCES: dict[str, SourceSpec] = {
    source.name: source
    for source in (
        SLACK,
        DISCOURSE,
        DISCORD,
        GITHUB,
        STACKEXCHANGE,
        EVENTS,
        WEB,
        PRODUCT,
        HUBSPOT,
        STRIPE,
        SALESFORCE,
        OLIST,
        PROGRAMS,
        CRM,
        EXPERIMENTS,
        PRIVACY,
        FEEDBACK,
        CONSENT,
        IDENTITY_REVIEWS,
    )
}
