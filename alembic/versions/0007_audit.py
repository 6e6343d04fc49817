"""the audit log: who wrote or read what, when, from where; append-only

- audit_log: one row per write of an audited table (a row trigger) and per read of personal
  data (the service). It names the changed FIELDS, not their values: the log is append-only,
  so it must not become a copy of personal data that erasure could not reach (the values of a
  ticket's changes are in its history, which erasure redacts).
- The actor, request id and client address come from the transaction-local setting
  `helpdesk.context` (JSON) that app.db sets from the request; without it, a write by the
  service itself (application_name 'helpdesk': the worker) is "system", any other "database".
- A trigger refuses UPDATE and DELETE on audit_log, whoever asks. With
  HELPDESK_AUDIT_APPEND_ONLY=true, UPDATE, DELETE and TRUNCATE are also revoked from the role
  running the migration (the service's own) and from PUBLIC.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

import os
from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as it was on the day; app/services/audit.py names the same tables.
AUDITED = (
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
)

# Bookkeeping that changes with every write (or, for key_hash, a secret's digest): never
# listed as a changed field; an update that changes nothing else is not recorded.
APPEND = """
CREATE FUNCTION audit_append(
    p_action text, p_resource text, p_resource_id bigint, p_ticket_id bigint, p_fields text[],
    p_context jsonb
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO audit_log (at, actor_type, actor_key_id, actor_agent_id, actor_customer_id,
        actor_role, action, resource, resource_id, ticket_id, fields, request_id, client_address)
    VALUES (
        statement_timestamp(),
        coalesce(p_context ->> 'actor',
                 CASE WHEN current_setting('application_name') = 'helpdesk'
                      THEN 'system' ELSE 'database' END),
        (p_context ->> 'key_id')::bigint,
        (p_context ->> 'agent_id')::bigint,
        (p_context ->> 'customer_id')::bigint,
        coalesce(p_context ->> 'role', CASE WHEN p_context IS NULL THEN current_user END),
        p_action, p_resource, p_resource_id, p_ticket_id, p_fields,
        p_context ->> 'request_id',
        p_context ->> 'client'
    )
$$
"""

ROW_TRIGGER = """
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    skipped CONSTANT text[] := ARRAY['id', 'created_at', 'updated_at', 'version',
                                     'search_vector', 'txid', 'key_hash', 'last_used_at'];
    context jsonb := nullif(current_setting('helpdesk.context', true), '')::jsonb;
    new_row jsonb;
    old_row jsonb;
    changed text[];
    written jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW);
        changed := ARRAY(SELECT key FROM jsonb_each(new_row)
                         WHERE value <> 'null'::jsonb AND key <> ALL (skipped) ORDER BY key);
        written := new_row;
    ELSIF TG_OP = 'UPDATE' THEN
        new_row := to_jsonb(NEW);
        old_row := to_jsonb(OLD);
        changed := ARRAY(SELECT n.key FROM jsonb_each(new_row) n
                         WHERE n.value IS DISTINCT FROM old_row -> n.key
                           AND n.key <> ALL (skipped) ORDER BY n.key);
        IF cardinality(changed) = 0 THEN
            RETURN NULL;
        END IF;
        written := new_row;
    ELSE
        written := to_jsonb(OLD);
    END IF;
    PERFORM audit_append(
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        TG_TABLE_NAME,
        (written ->> 'id')::bigint,
        CASE WHEN TG_TABLE_NAME = 'tickets' THEN (written ->> 'id')::bigint
             ELSE (written ->> 'ticket_id')::bigint END,
        changed,
        context
    );
    RETURN NULL;
END
$$
"""

REFUSE = """
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _append_only() -> bool:
    # Read from the environment as the service reads it (app.settings), without importing it:
    # a migration stays as it was on the day.
    return os.environ.get("HELPDESK_AUDIT_APPEND_ONLY", "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE audit_log (
            id bigserial PRIMARY KEY,
            at timestamp with time zone NOT NULL,
            actor_type varchar(20) NOT NULL,
            actor_key_id bigint,
            actor_agent_id bigint,
            actor_customer_id bigint,
            actor_role varchar(64),
            action varchar(20) NOT NULL,
            resource varchar(40) NOT NULL,
            resource_id bigint,
            ticket_id bigint,
            fields text[],
            request_id varchar(128),
            client_address varchar(64)
        )
        """
    )
    # An append-only log in time order: a BRIN index on `at` costs almost nothing per insert.
    op.execute("CREATE INDEX audit_log_at_idx ON audit_log USING brin (at)")
    op.execute("CREATE INDEX audit_log_resource_idx ON audit_log (resource, resource_id, id)")
    op.execute("CREATE INDEX audit_log_ticket_idx ON audit_log (ticket_id, id)")
    op.execute("CREATE INDEX audit_log_actor_key_idx ON audit_log (actor_key_id, id)")
    op.execute(APPEND)
    op.execute(ROW_TRIGGER)
    op.execute(REFUSE)
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()"
    )
    for table in AUDITED:
        op.execute(
            f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION audit_row()"
        )
    if _append_only():
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER, PUBLIC")


def downgrade() -> None:
    for table in AUDITED:
        op.execute(f"DROP TRIGGER audit_{table} ON {table}")
    op.execute("DROP TABLE audit_log")
    op.execute("DROP FUNCTION audit_log_refuse_change()")
    op.execute("DROP FUNCTION audit_row()")
    op.execute("DROP FUNCTION audit_append(text, text, bigint, bigint, text[], jsonb)")
