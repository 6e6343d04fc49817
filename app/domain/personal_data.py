"""The registry of personal data: every column that may hold personal data or text a person
typed, what kind it is and what an erasure does with it; and the columns that hold none, each
with the reason. A test reads the catalog and fails on a text, varchar, json or array column
named in neither, so a new column is declared here before it can hold anyone's data.

Adding a table is one entry per column (or one `NotPersonal(table, ALL, why)` line)."""

from dataclasses import dataclass
from enum import StrEnum

ALL = "*"


class Kind(StrEnum):
    """What a column holds about a person."""

    IDENTIFIER = "identifier"  # names them: a name, an account number, an external reference
    CONTACT = "contact"  # reaches them: an email address, a phone number
    FREE_TEXT = "free_text"  # whatever a person typed: a subject, a body, a reason, a note
    LABEL = "label"  # a short label a person chose: a category, a tag
    EXPLANATION = "explanation"  # text the desk wrote that quotes typed text (a priority's reason)
    DOCUMENT = "document"  # JSON or an array that may quote any of the above


class Erase(StrEnum):
    """What erasing the person (or their ticket) does to the column."""

    REDACT = "redact"  # replaced by the marker "[erased]" (or emptied), whatever it says
    NULL = "null"  # set to NULL
    SCRUB = "scrub"  # the parts that name the person, or quote text that was redacted, go
    KEEP = "keep"  # kept: the reason says why it names nobody once the rest is erased


@dataclass(frozen=True)
class PersonalColumn:
    table: str
    column: str
    kind: Kind
    erase: Erase
    why: str = ""


@dataclass(frozen=True)
class NotPersonal:
    table: str
    column: str  # or ALL: every column of the table
    why: str


R, N, S, K = Erase.REDACT, Erase.NULL, Erase.SCRUB, Erase.KEEP
ID, CONTACT, TEXT, LABEL, EXPL, DOC = (
    Kind.IDENTIFIER,
    Kind.CONTACT,
    Kind.FREE_TEXT,
    Kind.LABEL,
    Kind.EXPLANATION,
    Kind.DOCUMENT,
)

_KB_TEXT = "published text staff write about the service, never about a customer"

PERSONAL: tuple[PersonalColumn, ...] = (
    # The customer: anonymised, the row kept so their tickets' counts and metrics hold.
    PersonalColumn("customers", "name", ID, R, "becomes 'erased customer <id>'"),
    PersonalColumn("customers", "email", CONTACT, N),
    PersonalColumn("customers", "phone", CONTACT, N),
    PersonalColumn("customers", "organization", ID, N),
    PersonalColumn("customers", "account_number", ID, N),
    PersonalColumn("customers", "language", ID, N),
    PersonalColumn("customers", "time_zone", ID, N),
    # Their tickets: the words, the asset fields and every reason typed about them.
    PersonalColumn("tickets", "subject", TEXT, R),
    PersonalColumn("tickets", "description", TEXT, N),
    PersonalColumn("tickets", "product", ID, N),
    PersonalColumn("tickets", "model_number", ID, N),
    PersonalColumn("tickets", "serial_number", ID, N),
    PersonalColumn("tickets", "account_number", ID, N),
    PersonalColumn("tickets", "equipment_location", ID, N),
    PersonalColumn("tickets", "priority_override_reason", TEXT, R),
    PersonalColumn(
        "tickets",
        "priority_reason",
        EXPL,
        S,
        "the matrix's explanation stays, the override's typed reason goes",
    ),
    PersonalColumn(
        "tickets",
        "routing_reason",
        EXPL,
        S,
        "the rule or move stays, the transfer's typed reason goes",
    ),
    PersonalColumn(
        "tickets",
        "category",
        LABEL,
        S,
        "a label the metrics group by: kept unless it names the person",
    ),
    PersonalColumn(
        "tickets", "tags", LABEL, S, "labels the metrics group by: those naming the person go"
    ),
    PersonalColumn(
        "tickets",
        "external_id",
        ID,
        S,
        "a gateway's reference, kept for deduplication unless it names the person",
    ),
    PersonalColumn("interactions", "body", TEXT, R),
    PersonalColumn(
        "interactions",
        "author_name",
        ID,
        S,
        "a customer's or system's goes; an agent's stays unless it names the person",
    ),
    PersonalColumn("interactions", "external_id", ID, S, "a gateway's message reference"),
    PersonalColumn("escalations", "reason", TEXT, R),
    PersonalColumn("escalations", "actor_name", ID, S, "an agent's or the system's name"),
    PersonalColumn("escalations", "acknowledged_by_name", ID, S, "an agent's name"),
    PersonalColumn("callbacks", "phone", CONTACT, N),
    PersonalColumn("callbacks", "note", TEXT, N),
    PersonalColumn("survey_responses", "comment", TEXT, N, "the score stays for the metrics"),
    PersonalColumn("ticket_history", "old_value", DOC, S, "free-text fields' values go whole"),
    PersonalColumn("ticket_history", "new_value", DOC, S, "free-text fields' values go whole"),
    PersonalColumn("ticket_history", "actor_name", ID, S, "an agent's name stays"),
    PersonalColumn("ticket_history", "note", TEXT, S, "typed reasons quoted in it go"),
    # Files: the name goes with the content (the content itself is deleted, every backend).
    PersonalColumn("attachments", "filename", ID, R),
    PersonalColumn(
        "attachments", "sha256", ID, N, "a digest identifies the content: it goes with it"
    ),
    # Mail.
    PersonalColumn("inbound_emails", "sender_email", CONTACT, N),
    PersonalColumn("inbound_emails", "sender_name", ID, N),
    PersonalColumn("inbound_emails", "subject", TEXT, R),
    PersonalColumn("inbound_emails", "text", TEXT, R),
    PersonalColumn("inbound_emails", "quoted", TEXT, R),
    PersonalColumn("inbound_emails", "attachments", DOC, R),
    PersonalColumn("inbound_emails", "thread_ids", DOC, R, "Message-IDs may carry an address"),
    PersonalColumn("inbound_emails", "automatic_reason", TEXT, N),
    PersonalColumn(
        "inbound_emails",
        "message_id",
        ID,
        K,
        "the deduplication key of a delivery (a retry must not append twice); opaque ids a mail"
        " server chose",
    ),
    PersonalColumn("outbound_emails", "subject", TEXT, R),
    PersonalColumn(
        "outbound_emails", "in_reply_to", ID, K, "Message-IDs that thread the desk's replies"
    ),
    PersonalColumn(
        "outbound_emails", "references", ID, K, "Message-IDs that thread the desk's replies"
    ),
    PersonalColumn(
        "outbound_emails", "cc", CONTACT, S, "an erased person's address goes from every copy"
    ),
    PersonalColumn("ticket_imports", "external_id", ID, S, "the source system's reference"),
    # Documents that quote the above.
    PersonalColumn(
        "events",
        "payload",
        DOC,
        S,
        "ids, states and field names by design; anything naming the person goes",
    ),
    PersonalColumn(
        "idempotent_requests",
        "response_body",
        DOC,
        S,
        "kept redacted: a retry of the request answers with the erased resource, never runs again",
    ),
    PersonalColumn(
        "idempotent_requests",
        "key",
        ID,
        S,
        "chosen by the caller; a stored request whose key names the person is forgotten",
    ),
    PersonalColumn("webhook_deliveries", "last_error", TEXT, S, "a receiver's error text"),
    PersonalColumn(
        "metric_tickets",
        "category",
        LABEL,
        S,
        "the ticket's facts, worked out again from the redacted ticket",
    ),
    PersonalColumn(
        "metric_tickets",
        "tags",
        LABEL,
        S,
        "the ticket's facts, worked out again from the redacted ticket",
    ),
    PersonalColumn(
        "metric_rollups", "value", LABEL, S, "a day's labels, recounted from the redacted facts"
    ),
    PersonalColumn("metric_rollups", "tally", DOC, K, "counts and sums only"),
    # What a customer or a ticket's text searched the knowledge base for.
    PersonalColumn("kb_searches", "query", TEXT, R),
    # Knowledge-base articles and their revisions.
    PersonalColumn("kb_articles", "title", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_articles", "summary", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_articles", "body", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_articles", "body_html", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_articles", "search_body", DOC, K, _KB_TEXT),
    PersonalColumn("kb_articles", "category", LABEL, K, _KB_TEXT),
    PersonalColumn("kb_articles", "tags", LABEL, K, _KB_TEXT),
    PersonalColumn("kb_words", "word", LABEL, K, "single words of the articles' text, " + _KB_TEXT),
    PersonalColumn("kb_revisions", "title", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_revisions", "summary", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_revisions", "body", TEXT, K, _KB_TEXT),
    PersonalColumn("kb_revisions", "category", LABEL, K, _KB_TEXT),
    PersonalColumn("kb_revisions", "tags", LABEL, K, _KB_TEXT),
    # Quality reviews of the work on a ticket: the reviewers' words may quote the customer.
    PersonalColumn("qa_reviews", "comment", TEXT, R),
    PersonalColumn("qa_reviews", "suggestions", DOC, R, "pre-check evidence quotes the replies"),
    PersonalColumn("qa_disputes", "reason", TEXT, R),
    PersonalColumn("qa_disputes", "decision_comment", TEXT, R),
    PersonalColumn(
        "qa_reviews", "reviewer_name", ID, K, "staff, not customers: erasure is for customers"
    ),
    # People who are not customers.
    PersonalColumn("agents", "name", ID, K, "staff, not customers: erasure is for customers"),
    PersonalColumn("agents", "email", CONTACT, K, "staff, not customers: erasure is for customers"),
    PersonalColumn(
        "audit_log",
        "client_address",
        CONTACT,
        K,
        "the address of the API caller (an agent's or integration's client), never a"
        " customer's; the log is append-only evidence",
    ),
)

NOT_PERSONAL: tuple[NotPersonal, ...] = (
    NotPersonal("kb_articles", "language", "a language tag"),
    NotPersonal("kb_articles", "base_language", "a language tag"),
    NotPersonal("kb_articles", "search_config", "a text search configuration's name"),
    NotPersonal(
        "kb_articles", "word_hashes", "hashes of the words of text staff wrote for publication"
    ),
    NotPersonal("kb_articles", "status", "a state"),
    NotPersonal("kb_words", "language", "a language tag"),
    NotPersonal("kb_articles", "visibility", "internal or public"),
    NotPersonal("kb_links", "origin", "how the link was made"),
    NotPersonal("kb_searches", "audience", "who searched: portal or staff"),
    NotPersonal("kb_searches", "kind", "a search or a suggestion"),
    NotPersonal("kb_searches", "language", "a language tag"),
    NotPersonal("kb_searches", "result_ids", "article ids"),
    NotPersonal("qa_reviews", "answers", "scores per criterion key"),
    NotPersonal("qa_reviews", "root_causes", "root-cause keys from the scorecard's list"),
    NotPersonal("qa_reviews", "failed", "criterion keys"),
    NotPersonal("qa_reviews", "status", "a state"),
    NotPersonal("qa_disputes", "decision", "a state"),
    NotPersonal("qa_disputes", "previous_answers", "scores per criterion key"),
    NotPersonal("qa_scorecards", "name", "a scorecard's name, chosen by a supervisor"),
    NotPersonal("qa_scorecards", "description", "what a scorecard measures, written by staff"),
    NotPersonal("qa_scorecard_versions", "sections", "criteria, weights and scales"),
    NotPersonal("qa_assignments", "period", "a period's name"),
    NotPersonal("qa_assignments", "filters", "team, channel and category filters"),
    NotPersonal("qa_assignments", "population", "ticket and agent ids drawn from"),
    NotPersonal("qa_assignment_items", "period", "a period's name"),
    NotPersonal("qa_sample_schedules", "period", "a period's name"),
    NotPersonal("qa_sample_schedules", "filters", "team, channel and category filters"),
    NotPersonal("qa_calibrations", "name", "a session's name, chosen by a supervisor"),
    NotPersonal("qa_calibrations", "status", "a state"),
    NotPersonal("qa_calibrations", "ticket_ids", "ticket ids"),
    NotPersonal("qa_calibrations", "results", "agreement figures per criterion"),
    NotPersonal("alembic_version", ALL, "the schema's revision"),
    NotPersonal(
        "audit_reports",
        ALL,
        "audit reports: figures, ids and verdicts about the desk, never personal data or "
        "text a person typed (no search queries, names or subjects)",
    ),
    NotPersonal("agents", "role", "a role name"),
    NotPersonal("agents", "languages", "language codes"),
    NotPersonal("agents", "availability", "a state"),
    NotPersonal("api_keys", "name", "an integration's name chosen by an admin"),
    NotPersonal("api_keys", "role", "a role name"),
    NotPersonal("api_keys", "prefix", "the first characters of a random secret"),
    NotPersonal("api_keys", "key_hash", "a hash of a random secret"),
    NotPersonal("api_keys", "scope", "scope names"),
    NotPersonal("audit_log", "actor_type", "a kind of actor"),
    NotPersonal("audit_log", "actor_role", "a role name"),
    NotPersonal("audit_log", "action", "an action name"),
    NotPersonal("audit_log", "resource", "a table name"),
    NotPersonal("audit_log", "fields", "the changed fields' names, never their values"),
    NotPersonal("audit_log", "request_id", "a random request id"),
    NotPersonal("backups", ALL, "files, checksums and row counts"),
    NotPersonal("calendars", ALL, "desk configuration"),
    NotPersonal("callbacks", "status", "a state"),
    NotPersonal("escalation_matrix", ALL, "desk configuration"),
    NotPersonal("escalations", "kind", "a kind"),
    NotPersonal("escalations", "trigger", "a kind"),
    NotPersonal("events", "type", "an event type"),
    NotPersonal("idempotent_requests", "operation", "an operation name and resource id"),
    NotPersonal("idempotent_requests", "request_hash", "a SHA-256 of the request"),
    NotPersonal("attachments", "content_type", "a media type"),
    NotPersonal("attachments", "storage", "a backend's name"),
    NotPersonal(
        "attachment_chunks",
        ALL,
        "content under its digest, deleted when no attachment not erased refers to it",
    ),
    NotPersonal("inbound_emails", "kind", "a kind"),
    NotPersonal("inbound_emails", "outcome", "a state"),
    NotPersonal("inbound_emails", "threaded_by", "a kind"),
    NotPersonal("interactions", "kind", "a kind"),
    NotPersonal("interactions", "direction", "a kind"),
    NotPersonal("interactions", "author_type", "a kind"),
    NotPersonal("metric_feeds", ALL, "feed positions"),
    NotPersonal("metric_rollups", "dim", "a dimension name"),
    NotPersonal("metric_tickets", "status", "a state"),
    NotPersonal("metric_tickets", "type", "a kind"),
    NotPersonal("metric_tickets", "channel", "a kind"),
    NotPersonal("metric_tickets", "priority", "a priority"),
    NotPersonal("outbound_emails", "message_id", "the desk's own random Message-ID"),
    NotPersonal("outbound_emails", "reference_token", "the desk's signed reference"),
    NotPersonal("personal_data_erasures", ALL, "ids, reasons and instants only"),
    NotPersonal("priority_matrix", ALL, "desk configuration"),
    NotPersonal("reminders", ALL, "kinds and states"),
    NotPersonal("routing_rules", ALL, "desk configuration"),
    NotPersonal("service_secrets", ALL, "the desk's own random secrets"),
    NotPersonal("sla_events", ALL, "metrics, kinds and priorities"),
    NotPersonal("sla_policies", ALL, "desk configuration"),
    NotPersonal("survey_responses", "kind", "a kind"),
    NotPersonal("teams", ALL, "desk configuration"),
    NotPersonal("ticket_history", "action", "an action name"),
    NotPersonal("ticket_history", "field", "a field name"),
    NotPersonal("ticket_history", "actor_type", "a kind"),
    NotPersonal("ticket_imports", "source", "the source system's name"),
    NotPersonal("ticket_links", ALL, "ids and kinds"),
    # Who is on a ticket is the customer's id (erasure deletes their rows): no text of theirs.
    NotPersonal("ticket_participants", "role", "a kind"),
    NotPersonal("ticket_participants", "source", "a kind"),
    NotPersonal("tickets", "type", "a kind"),
    NotPersonal("tickets", "status", "a state"),
    NotPersonal("tickets", "impact", "a level"),
    NotPersonal("tickets", "urgency", "a level"),
    NotPersonal("tickets", "priority", "a priority"),
    NotPersonal("tickets", "priority_override", "a priority"),
    NotPersonal("tickets", "channel", "a kind"),
    NotPersonal("tickets", "language", "a language code"),
    NotPersonal("tickets", "status_log", "statuses and instants"),
    NotPersonal("timers", ALL, "kinds and instants"),
    NotPersonal("webhook_deliveries", "status", "a state"),
    NotPersonal("webhook_subscriptions", ALL, "an integration's endpoint, chosen by an admin"),
    NotPersonal("worker_replicas", ALL, "the desk's own processes"),
)


def declared(table: str, column: str) -> PersonalColumn | NotPersonal | None:
    """The registry's word on a column, if it has one."""
    for p in PERSONAL:
        if (p.table, p.column) == (table, column):
            return p
    for n in NOT_PERSONAL:
        if n.table == table and n.column in (column, ALL):
            return n
    return None


def columns(table: str) -> tuple[PersonalColumn, ...]:
    return tuple(p for p in PERSONAL if p.table == table)


def kept() -> tuple[PersonalColumn, ...]:
    """The personal columns an erasure keeps, each with its reason."""
    return tuple(p for p in PERSONAL if p.erase is Erase.KEEP)


# The fields whose values, in a history line or a stored JSON document about an erased
# ticket, go whole whatever they say: the free text and identifiers of the person's records.
WHOLE_FIELDS = frozenset(
    p.column
    for p in PERSONAL
    if p.table
    in ("customers", "tickets", "interactions", "callbacks", "escalations", "survey_responses")
    and p.kind in (Kind.FREE_TEXT, Kind.IDENTIFIER, Kind.CONTACT, Kind.EXPLANATION)
    and p.erase in (Erase.REDACT, Erase.NULL)
) | {"priority_reason", "routing_reason", "reason", "customer", "author_name"}


def markdown_table() -> str:
    """The registry's personal columns as the table docs/privacy.md shows (a test keeps the two
    the same)."""
    lines = ["| column | kind | erase does | why |", "| --- | --- | --- | --- |"]
    lines += [
        f"| `{p.table}.{p.column}` | {p.kind.value} | {p.erase.value} | {p.why} |" for p in PERSONAL
    ]
    return "\n".join(lines)
