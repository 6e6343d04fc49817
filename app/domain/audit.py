"""What the audit log covers: the tables whose every write it records, the records whose reads
and uses it records, its actions, and why each table left out needs no entry of its own.

Adding a table means one of two lines here: in AUDITED (and `SELECT audit_table('<name>')` in
its migration), or in NOT_AUDITED with the reason. A test over the database catalog fails for a
table in neither, for a trigger not listed, and for a listed table without its trigger."""

# Tables whose row trigger (audit_row) records every insert, update and delete: personal data,
# configuration, and who may do what.
AUDITED: tuple[str, ...] = (
    "tickets",
    "interactions",
    "customers",
    "teams",
    "agents",
    "api_keys",
    "calendars",
    "sla_policies",
    "priority_matrix",
    "ticket_links",
    "callbacks",
    "reminders",
    "routing_rules",
    "escalations",
    "escalation_matrix",
    "survey_responses",
    "webhook_subscriptions",
    "inbound_emails",
    "outbound_emails",
    "personal_data_erasures",
    "service_secrets",
    "backups",
    "customer_tokens",
    "qa_scorecards",
    "qa_scorecard_versions",
    "qa_reviews",
    "qa_disputes",
    "qa_assignments",
    "qa_assignment_items",
    "qa_calibrations",
    "qa_sample_schedules",
    "audit_reports",
    "kb_articles",
    "kb_revisions",
    "kb_links",
    "attachments",
    "ticket_participants",
)

# Records the log names by an explicit entry although no trigger watches their table: reads of
# a ticket's history, and an admin's redelivery of a webhook delivery (the delivery rows
# themselves are the worker's bookkeeping).
RECORDED_ONLY: tuple[str, ...] = (
    "ticket_history",
    "webhook_deliveries",
)

# Every resource an entry may name: what `GET /v1/audit-log?resource=` accepts.
RESOURCES: tuple[str, ...] = AUDITED + RECORDED_ONLY

# Writes (by the triggers), then reads and uses of personal data (by the services).
ACTIONS: tuple[str, ...] = (
    "create",
    "update",
    "delete",
    "read",
    "list",
    "export",
    "erase",
    "redeliver",
)

# Tables without a trigger, and why: none holds a write a person makes that an audited write
# does not already record.
NOT_AUDITED: dict[str, str] = {
    "attachment_chunks": "content bytes keyed by digest, written and deleted only with the "
    "attachments rows the log records",
    "alembic_version": "the schema's revision, written only by migrations",
    "audit_log": "the log itself (append-only)",
    "kb_searches": "itself a log of reads (one row per search), written by no other write",
    "kb_words": "the words of the audited articles' text, added by their writes",
    "config_revision": "a counter the configuration tables' own triggers bump",
    "events": "the outbox: ids and facts derived from an audited ticket write, no free text",
    "webhook_deliveries": "the worker's delivery bookkeeping, derived from events; "
    "an admin's redelivery is recorded explicitly",
    "idempotent_requests": "a cached response to a write the log already records, "
    "purged after its time",
    "ticket_history": "lines written by the audited ticket write they describe, "
    "in the same transaction; reads of it are recorded",
    "ticket_imports": "the source and external id of an import, written with the audited "
    "ticket it created",
    "timers": "deadlines derived from audited writes",
    "sla_events": "SLA outcomes the worker derives from timers: ids and instants",
    "metric_tickets": "a rollup of tickets for metrics, derived from audited writes",
    "metric_rollups": "daily metric counts, derived",
    "metric_feeds": "the rollups' read positions",
    "ticket_keys": "a ticket's last write (transaction, instant) and nearest deadline, "
    "kept by a trigger on the audited ticket write",
    "worker_replicas": "worker heartbeats: host, pid, timings",
}
